//! Building blocks of the hostile-input sweep (`hardening_sweep`): the hostile values, the
//! operations and string slots read from the served OpenAPI document, and the checks made
//! on every answer and on the database.
//!
//! The sweep is driven by the document rather than by a hand-written list so that every
//! operation added later is covered without touching the test: a new `{param}` whose owner
//! the sweep cannot guess fails loudly in `path_value` instead of being skipped.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{json, Map, Value};
use tokio_postgres::Client;

/// One hostile value, as it is written into a JSON document and into a URL.
pub struct Hostile {
    pub label: &'static str,
    /// A JSON string token (quotes included): lets a body carry escapes such as a lone
    /// surrogate that no Rust `String` can hold.
    pub json: String,
    /// Percent-encoded bytes for a path segment or a query value (may be invalid UTF-8).
    pub url: String,
    /// Beyond the HTTP parser's header limit when put in a URL: the HTTP layer itself
    /// refuses the request (bare 400/431, or the connection closed while sending) before
    /// any handler or middleware runs, so no envelope can be required there.
    pub huge: bool,
}

/// Percent-encodes every byte except RFC 3986 unreserved characters.
pub fn pct(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn text(label: &'static str, s: &str) -> Hostile {
    Hostile { label, json: serde_json::to_string(s).unwrap(), url: pct(s.as_bytes()), huge: false }
}

/// SQL injection classics, NUL and control bytes, lone surrogates and invalid UTF-8,
/// bidi/zero-width/emoji/combining characters, a long path segment and a 1 MiB string.
pub fn hostile_values() -> Vec<Hostile> {
    let mut huge = text("1MiB", &"x".repeat(1 << 20));
    huge.huge = true;
    vec![
        text("sql-or", "' OR 1=1 --"),
        text("sql-drop", "\"; DROP TABLE users; --"),
        text("sql-stacked", "1'; DELETE FROM dream WHERE '1'='1"),
        text("sql-like", "%' OR '%'='%"),
        text("like-wildcards", "%_%\\_"),
        text("nul", "a\u{0}b"),
        text("control", "\u{1b}[31m\r\n\t\u{7f}\u{85}"),
        text("bidi-zero-width", "\u{202E}gpj.exe\u{200B}\u{200D}\u{2066}\u{FEFF}"),
        text("emoji-combining", "👩\u{200D}👩\u{200D}👧 Z\u{335}\u{321}\u{358}e\u{301}\u{301}\u{301}"),
        text("noncharacters", "\u{FFFE}\u{FFFF}\u{10FFFF}"),
        Hostile { label: "lone-surrogate", json: r#""a\ud800b""#.into(), url: "%ED%A0%80".into(), huge: false },
        Hostile {
            label: "reversed-surrogates",
            json: r#""\udfff\ud800""#.into(),
            url: "%FF%FE%C0%AF".into(),
            huge: false,
        },
        text("long-16KiB", &"é".repeat(8 * 1024)),
        huge,
    ]
}

/// Where a hostile value goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    Path,
    Query,
    /// A JSON body property; `true` when the property is an array of strings.
    Body(bool),
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub place: Place,
    pub name: String,
}

/// One documented operation and its string slots.
#[derive(Debug)]
pub struct Operation {
    pub method: Method,
    pub path: String,
    pub slots: Vec<Slot>,
    /// The JSON body schema (resolved), when the operation takes a JSON body.
    pub body: Option<Value>,
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("unresolved {r}")),
        None => schema,
    }
}

fn has_type(schema: &Value, ty: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == ty,
        Value::Array(ts) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

/// Every operation of the document with its path and query parameters (all of them:
/// on the wire they are strings) and the string properties of its JSON body.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut slots = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let place = match p["in"].as_str() {
                    Some("path") => Place::Path,
                    Some("query") => Place::Query,
                    _ => continue,
                };
                slots.push(Slot { place, name: p["name"].as_str().unwrap().to_string() });
            }
            let body = op["requestBody"]["content"]["application/json"]["schema"].clone();
            let body = (!body.is_null()).then(|| resolve(doc, &body).clone());
            if let Some(schema) = &body {
                let props = schema["properties"].as_object().cloned().unwrap_or_default();
                if props.is_empty() {
                    // A free-form object (telemetry): any key is a string field.
                    slots.push(Slot { place: Place::Body(false), name: "event".into() });
                }
                for (name, prop) in props {
                    let prop = resolve(doc, &prop);
                    if has_type(prop, "string") && prop["format"] != "binary" {
                        slots.push(Slot { place: Place::Body(false), name });
                    } else if has_type(prop, "array") && has_type(resolve(doc, &prop["items"]), "string") {
                        slots.push(Slot { place: Place::Body(true), name });
                    }
                }
            }
            ops.push(Operation { method: method.to_uppercase().parse().unwrap(), path: path.clone(), slots, body });
        }
    }
    ops
}

/// Valid values for a body's required properties, so that the handler gets past them to
/// the hostile one. `ids` holds the seeded rows (`dream`, `role`, …).
pub fn base_body(doc: &Value, op: &Operation, ids: &BTreeMap<&str, String>) -> Map<String, Value> {
    let mut body = Map::new();
    let Some(schema) = &op.body else { return body };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        let prop = resolve(doc, &schema["properties"][name]);
        let value = match name {
            "extension" if op.path.contains("keyframe") => json!("jpg"),
            "extension" => json!("mp4"),
            "type" => json!("dream"),
            "dreamUUID" => json!(ids["dream"]),
            "typeId" => json!(1),
            "roleId" => json!(2),
            "role" => json!("user-group"),
            "email" => json!("sweep-target@example.com"),
            "password" => json!("a-long-enough-password"),
            "processed" | "isActive" => json!(true),
            _ if has_type(prop, "string") => json!("sweep"),
            _ if has_type(prop, "integer") || has_type(prop, "number") => json!(1),
            _ if has_type(prop, "boolean") => json!(false),
            _ if has_type(prop, "array") => json!([]),
            _ => json!({}),
        };
        body.insert(name.to_string(), value);
    }
    body
}

/// The seeded row a path parameter names, from the literal segment before it.
pub fn path_value(path: &str, param: &str, ids: &BTreeMap<&str, String>) -> String {
    let marker = format!("{{{param}}}");
    let before = path.split(&marker).next().unwrap().trim_end_matches('/');
    let owner = before.rsplit('/').next().unwrap();
    ids.get(owner).unwrap_or_else(|| panic!("no seeded `{owner}` for {path}: add one to the sweep")).clone()
}

/// Whether `body` is the error envelope `{success: false, message: <string>, …}`.
pub fn is_error_envelope(body: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => o.get("success") == Some(&Value::Bool(false)) && o["message"].is_string(),
        _ => false,
    }
}

/// Row counts of every table of the public schema (one round trip).
pub async fn row_counts(db: &Client) -> BTreeMap<String, i64> {
    let tables: Vec<String> = db
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let sql = tables
        .iter()
        .map(|t| format!("SELECT '{t}'::text, count(*) FROM \"{t}\""))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    db.query(&sql, &[]).await.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect()
}

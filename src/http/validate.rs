//! Field-by-field validation of JSON bodies and query strings with the reference's
//! messages (`rest-api.md` §1.5): every violation is collected, values are coerced like
//! Joi with `convert` on (numeric strings are numbers, `"true"`/`"false"` in any case
//! are booleans), unknown keys are ignored. Each getter returns the coerced value or
//! `None` (absent or invalid); `finish` turns the collected violations into a 400.

use std::collections::HashMap;

use actix_web::HttpRequest;
use serde_json::{Map, Number, Value};
use uuid::Uuid;

use crate::error::{ApiError, Violation};
use infinidream_actors::remote::guid::parse_guid;

/// Largest integer JavaScript represents exactly (2^53 − 1): the "safe" bound.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

pub struct Check<'a> {
    part: &'static str,
    map: &'a Map<String, Value>,
    pub violations: Vec<Violation>,
}

/// A number as the client wrote it: the value and its JS-style text.
#[derive(Debug, Clone)]
pub struct Num {
    pub value: f64,
    pub text: String,
}

impl<'a> Check<'a> {
    pub fn body(map: &'a Map<String, Value>) -> Self {
        Check { part: "body", map, violations: Vec::new() }
    }

    pub fn query(map: &'a Map<String, Value>) -> Self {
        Check { part: "query", map, violations: Vec::new() }
    }

    pub fn fail(&mut self, key: &str, template: &str) {
        self.violations.push(Violation::new(self.part, &[key], template));
    }

    fn present(&mut self, key: &str, required: bool) -> Option<&'a Value> {
        match self.map.get(key) {
            Some(v) => Some(v),
            None => {
                if required {
                    self.fail(key, "{} is required");
                }
                None
            }
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A string; `max` in characters; `allow_empty` for fields that "may be \"\"".
    pub fn string(&mut self, key: &str, required: bool, max: Option<usize>, allow_empty: bool) -> Option<String> {
        let v = self.present(key, required)?;
        match v {
            Value::String(s) if s.is_empty() && !allow_empty => {
                self.fail(key, "{} is not allowed to be empty");
                None
            }
            Value::String(s) => {
                if let Some(max) = max.filter(|m| s.chars().count() > *m) {
                    self.fail(key, &format!("{{}} length must be less than or equal to {max} characters long"));
                    return None;
                }
                Some(s.clone())
            }
            _ => {
                self.fail(key, "{} must be a string");
                None
            }
        }
    }

    /// A finite, safe number (JSON number or numeric string).
    pub fn number(&mut self, key: &str, required: bool) -> Option<Num> {
        let v = self.present(key, required)?;
        match coerce_number(v) {
            Some(n) => Some(n),
            None => {
                self.fail(key, "{} must be a number");
                None
            }
        }
    }

    /// An integer within optional bounds.
    pub fn integer(&mut self, key: &str, required: bool, min: Option<i64>, max: Option<i64>) -> Option<i64> {
        let n = self.number(key, required)?;
        if n.value.fract() != 0.0 {
            self.fail(key, "{} must be an integer");
            return None;
        }
        let i = n.value as i64;
        if let Some(min) = min.filter(|m| i < *m) {
            self.fail(key, &format!("{{}} must be greater than or equal to {min}"));
            return None;
        }
        if let Some(max) = max.filter(|m| i > *m) {
            self.fail(key, &format!("{{}} must be less than or equal to {max}"));
            return None;
        }
        Some(i)
    }

    pub fn boolean(&mut self, key: &str, required: bool) -> Option<bool> {
        let v = self.present(key, required)?;
        match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => {
                self.fail(key, "{} must be a boolean");
                None
            }
        }
    }

    pub fn one_of(&mut self, key: &str, required: bool, options: &[&str]) -> Option<String> {
        let v = self.present(key, required)?;
        match v.as_str() {
            Some(s) if options.contains(&s) => Some(s.to_string()),
            _ => {
                self.fail(key, &format!("{{}} must be one of [{}]", options.join(", ")));
                None
            }
        }
    }

    pub fn guid(&mut self, key: &str, required: bool) -> Option<Uuid> {
        let v = self.present(key, required)?;
        match v.as_str().and_then(parse_guid) {
            Some(u) => Some(u),
            None => {
                self.fail(key, "{} must be a valid GUID");
                None
            }
        }
    }

    /// `sourceUrl`: an http(s) URI up to 500 characters, or "".
    pub fn source_url(&mut self, key: &str) -> Option<String> {
        let s = self.string(key, false, Some(500), true)?;
        if s.is_empty() || s.starts_with("http://") || s.starts_with("https://") {
            Some(s)
        } else {
            self.violations.push(Violation {
                field: format!("{}, {key}", self.part),
                message: "Invalid URL format. URL must start with http:// or https://".into(),
            });
            None
        }
    }

    /// A key that must not be sent (admin-only or forbidden by another field).
    pub fn forbid(&mut self, key: &str) {
        if self.map.contains_key(key) {
            self.fail(key, "{} is not allowed");
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.violations))
        }
    }
}

/// Joi-style number coercion; `None` for anything that is not a finite safe number.
pub fn coerce_number(v: &Value) -> Option<Num> {
    let value = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) {
                return None;
            }
            t.parse::<f64>().ok()?
        }
        _ => return None,
    };
    if !value.is_finite() || value.abs() > MAX_SAFE {
        return None;
    }
    Some(Num { value, text: js_number_text(value) })
}

/// A number written as JavaScript would: integral values without a fraction.
pub fn js_number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() <= MAX_SAFE {
        Value::Number(Number::from(value as i64))
    } else {
        Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

pub fn js_number_text(value: f64) -> String {
    js_number(value).to_string()
}

/// The query string as a JSON map of strings (repeated keys: the last wins).
pub fn query_map(req: &HttpRequest) -> Map<String, Value> {
    actix_web::web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner().into_iter().map(|(k, v)| (k, Value::String(v))).collect())
        .unwrap_or_default()
}

/// Pagination of §1.6: `take` = min(take, cap), missing/0/negative/non-numeric → 10;
/// `skip` missing/negative/non-numeric → 0.
pub fn page(q: &Map<String, Value>, cap: i64) -> (i64, i64) {
    let num = |k: &str| q.get(k).and_then(coerce_number).map(|n| n.value.trunc());
    let take = match num("take") {
        Some(t) if t >= 1.0 => (t as i64).min(cap),
        _ => 10,
    };
    let skip = match num("skip") {
        Some(s) if s >= 0.0 => s.min(i64::MAX as f64 / 2.0) as i64,
        _ => 0,
    };
    (take, skip)
}

/// Parses a `:uuid` path parameter: 400 `"params.uuid" must be a valid GUID` otherwise.
pub fn path_uuid(raw: &str) -> Result<Uuid, ApiError> {
    parse_guid(raw).ok_or_else(|| ApiError::invalid("params", &["uuid"], "{} must be a valid GUID"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_written_like_javascript() {
        assert_eq!(js_number(1.0).to_string(), "1");
        assert_eq!(js_number(0.5).to_string(), "0.5");
        assert_eq!(coerce_number(&json!("10")).unwrap().text, "10");
        assert!(coerce_number(&json!("abc")).is_none());
        assert!(coerce_number(&json!(1e300)).is_none());
        assert!(coerce_number(&json!(true)).is_none());
    }

    #[test]
    fn pagination_defaults_and_caps() {
        let q = |t: &str, s: &str| {
            let mut m = Map::new();
            m.insert("take".into(), json!(t));
            m.insert("skip".into(), json!(s));
            page(&m, 500)
        };
        assert_eq!(q("5", "2"), (5, 2));
        assert_eq!(q("-1", "-5"), (10, 0));
        assert_eq!(q("0", "x"), (10, 0));
        assert_eq!(q("999999999999", "1"), (500, 1));
    }
}

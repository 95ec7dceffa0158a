//! Validation of the client → server events of `/remote-control` (`realtime.md` §7).
//!
//! The reference validated `new_remote_control_event` with a Joi schema (abort-early,
//! type coercion on) and clients — the desktop above all — depend on its exact
//! `Validation error` strings and on which rule fails *first*. This module reproduces that
//! as pure functions so the socket handler only routes results:
//!
//! 1. argument present, then an object;
//! 2. the known keys in the schema's table order (`event`, `name`, `uuid`, `key`,
//!    `frameNumber`, `isWebClientEvent`, `currentTime`, `duration`, `fps`, `paused`);
//! 3. the first unknown key, in JavaScript enumeration order of the payload;
//! 4. our addition: lookup events without `uuid` (§7.1.2 last row) — checked last, since
//!    it is not part of the reference schema and only applies to otherwise valid payloads.
//!
//! Coercion (numeric strings, `"true"`/`"false"`) only decides validity: the handler
//! relays [`RemoteControlEvent::original`] verbatim, so `"12"` stays `"12"`.
//!
//! The early-`next` rule and `web_client_status` never answer with a `Validation error`;
//! they live in [`super::rules`] and are re-exported here next to the validators.
//!
//! Key order: the workspace enables serde_json's `preserve_order`, so maps iterate in
//! payload order and "unknown keys in payload order" holds literally. In addition
//! keys that are array indices (`"0"`, `"12"`) come first in ascending numeric order, as
//! JavaScript's `Object.keys` — which the reference's Joi used — enumerates them. (The
//! same map order is the key order of the relayed `original`.)

use serde_json::{Map, Value};
use uuid::Uuid;

pub use super::control::{Control, ControlKind, VoteDir, EVENT_ONE_OF};
use super::guid::parse_guid;
use super::joi::{check_boolean, check_number, check_string, first_unknown_key, msg};
pub use super::rules::{is_early_next, web_client_active, EARLY_NEXT_WINDOW};

/// A `new_remote_control_event` payload that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteControlEvent {
    pub control: Control,
    /// The `uuid`, canonicalised; use it for lookups, never the raw string.
    pub uuid: Option<Uuid>,
    /// The payload object as received (values verbatim, key order per the map), to relay.
    pub original: Map<String, Value>,
}

impl RemoteControlEvent {
    /// The echo of a name-setting event: `original` with `name` set (or overwritten) to
    /// the looked-up name, `null` when it is unnamed. Other keys stay verbatim.
    pub fn echo_with_name(&self, name: Option<&str>) -> Map<String, Value> {
        let mut echo = self.original.clone();
        let name = name.map_or(Value::Null, |n| Value::String(n.to_owned()));
        echo.insert("name".to_owned(), name);
        echo
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Event,
    Str,
    Guid,
    Integer,
    Number,
    Boolean,
}

/// The payload schema of §7.1.1, in validation order.
const SCHEMA: [(&str, Field); 10] = [
    ("event", Field::Event),
    ("name", Field::Str),
    ("uuid", Field::Guid),
    ("key", Field::Str),
    ("frameNumber", Field::Integer),
    ("isWebClientEvent", Field::Boolean),
    ("currentTime", Field::Number),
    ("duration", Field::Number),
    ("fps", Field::Number),
    ("paused", Field::Boolean),
];

/// Validates the argument of `new_remote_control_event` (§7.1.2). `Err` carries the exact
/// `Validation error` message of the first failing rule.
pub fn validate_remote_control(arg: Option<&Value>) -> Result<RemoteControlEvent, String> {
    let obj = match arg {
        None => return Err(msg("value", "is required")),
        Some(Value::Object(obj)) => obj,
        Some(_) => return Err(msg("value", "must be of type object")),
    };
    let mut control = None;
    let mut uuid = None;
    for (label, field) in SCHEMA {
        let Some(value) = obj.get(label) else {
            if field == Field::Event {
                return Err(msg(label, "is required"));
            }
            continue;
        };
        match field {
            Field::Event => {
                let parsed = value.as_str().and_then(Control::from_name);
                control = Some(parsed.ok_or_else(|| EVENT_ONE_OF.to_owned())?);
            }
            Field::Str => check_string(label, value).map(drop)?,
            Field::Guid => {
                let s = check_string(label, value)?;
                uuid = Some(parse_guid(s).ok_or_else(|| msg(label, "must be a valid GUID"))?);
            }
            Field::Integer => check_number(label, value, true)?,
            Field::Number => check_number(label, value, false)?,
            Field::Boolean => check_boolean(label, value)?,
        }
    }
    if let Some(key) = first_unknown_key(obj, &SCHEMA.map(|(label, _)| label)) {
        return Err(msg(key, "is not allowed"));
    }
    // `event` is required, so `control` is always set here; keep the error anyway.
    let control = control.ok_or_else(|| msg("event", "is required"))?;
    if control.requires_uuid() && uuid.is_none() {
        return Err(msg("uuid", "is required"));
    }
    Ok(RemoteControlEvent { control, uuid, original: obj.clone() })
}

/// Validates the `state_sync` argument (§7.5): any JSON object, other keys allowed.
pub fn validate_state_sync(arg: Option<&Value>) -> Result<&Map<String, Value>, String> {
    match arg {
        None => Err(msg("value", "is required")),
        Some(Value::Object(obj)) => Ok(obj),
        Some(_) => Err(msg("value", "must be of type object")),
    }
}

/// Validates the `join_dream_room` / `leave_dream_room` argument (§7.6).
///
/// Only a missing argument is "required". Every other non-GUID — including `null`,
/// numbers, objects and the empty string, for which Joi would have said "must be a
/// string" / "is not allowed to be empty" — gets `"value" must be a valid GUID`, the one
/// other message §7.6 defines.
pub fn validate_dream_room_arg(arg: Option<&Value>) -> Result<Uuid, String> {
    match arg {
        None => Err(msg("value", "is required")),
        Some(v) => v.as_str().and_then(parse_guid).ok_or_else(|| msg("value", "must be a valid GUID")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const U: &str = "0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b";

    /// §7.1.2's message table, one case per line: `<argument JSON> => <message>`, where
    /// `ONE_OF` stands for [`EVENT_ONE_OF`]. Kept as text so each case stays on one line.
    const MESSAGES: &str = r#"
        null => "value" must be of type object
        "next" => "value" must be of type object
        3 => "value" must be of type object
        [{"event":"next"}] => "value" must be of type object
        true => "value" must be of type object
        {} => "event" is required
        {"name":"x","foo":1} => "event" is required
        {"event":"fullscreen"} => ONE_OF
        {"event":"NEXT"} => ONE_OF
        {"event":""} => ONE_OF
        {"event":1} => ONE_OF
        {"event":null} => ONE_OF
        {"event":["next"]} => ONE_OF
        {"event":"next","name":""} => "name" is not allowed to be empty
        {"event":"next","key":""} => "key" is not allowed to be empty
        {"event":"next","uuid":""} => "uuid" is not allowed to be empty
        {"event":"next","name":null} => "name" must be a string
        {"event":"next","name":5} => "name" must be a string
        {"event":"next","key":{}} => "key" must be a string
        {"event":"next","key":false} => "key" must be a string
        {"event":"next","uuid":null} => "uuid" must be a string
        {"event":"next","uuid":12} => "uuid" must be a string
        {"event":"next","uuid":"abc"} => "uuid" must be a valid GUID
        {"event":"next","uuid":"{0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b]"} => "uuid" must be a valid GUID
        {"event":"next","uuid":" 0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b"} => "uuid" must be a valid GUID
        {"event":"next","uuid":"0b9c3f5e-2a7d-4e1f:9c8b-7a6d5e4f3a2b"} => "uuid" must be a valid GUID
        {"event":"next","frameNumber":12.5} => "frameNumber" must be an integer
        {"event":"next","frameNumber":"12.5"} => "frameNumber" must be an integer
        {"event":"next","frameNumber":"x"} => "frameNumber" must be a number
        {"event":"next","frameNumber":2e53} => "frameNumber" must be a safe number
        {"event":"next","frameNumber":"1e400"} => "frameNumber" must be a safe number
        {"event":"next","fps":"abc"} => "fps" must be a number
        {"event":"next","fps":""} => "fps" must be a number
        {"event":"next","fps":null} => "fps" must be a number
        {"event":"next","fps":true} => "fps" must be a number
        {"event":"next","currentTime":"--1"} => "currentTime" must be a number
        {"event":"next","duration":[1]} => "duration" must be a number
        {"event":"next","fps":9007199254740992} => "fps" must be a safe number
        {"event":"next","fps":"9007199254740992"} => "fps" must be a safe number
        {"event":"next","duration":-1e300} => "duration" must be a safe number
        {"event":"next","currentTime":18446744073709551615} => "currentTime" must be a safe number
        {"event":"next","isWebClientEvent":"yes"} => "isWebClientEvent" must be a boolean
        {"event":"next","isWebClientEvent":1} => "isWebClientEvent" must be a boolean
        {"event":"next","isWebClientEvent":null} => "isWebClientEvent" must be a boolean
        {"event":"next","paused":""} => "paused" must be a boolean
        {"event":"next","paused":0} => "paused" must be a boolean
        {"event":"next","foo":1} => "foo" is not allowed
        {"event":"next","fullscreen":true} => "fullscreen" is not allowed
        {"event":"next","Name":"x"} => "Name" is not allowed
        {"event":"playing"} => "uuid" is required
        {"event":"play_dream"} => "uuid" is required
        {"event":"play_playlist"} => "uuid" is required
        {"event":"like"} => "uuid" is required
        {"event":"dislike"} => "uuid" is required
        {"event":"report"} => "uuid" is required
        {"fps":"x","event":"nope"} => ONE_OF
        {"uuid":"bad","name":""} => "event" is required
        {"event":"next","uuid":"bad","name":""} => "name" is not allowed to be empty
        {"event":"next","key":1,"uuid":"bad"} => "uuid" must be a valid GUID
        {"event":"next","paused":1,"fps":"x"} => "fps" must be a number
        {"event":"next","aaa":1,"paused":1} => "paused" must be a boolean
        {"event":"playing","foo":1} => "foo" is not allowed
        {"event":"playing","fps":"x"} => "fps" must be a number
        {"event":"next","b":1,"10":1,"9":1} => "9" is not allowed
    "#;

    /// Splits a text table into `(parsed JSON, rest of the line)` rows.
    fn table(text: &str, sep: &str) -> Vec<(Value, String)> {
        let rows = text.lines().map(str::trim).filter(|l| !l.is_empty());
        rows.map(|l| l.split_once(sep).unwrap())
            .map(|(a, b)| (serde_json::from_str(a).unwrap(), b.to_owned()))
            .collect()
    }

    fn ok(v: Value) -> RemoteControlEvent {
        validate_remote_control(Some(&v)).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn every_message_of_the_validation_table_in_rule_order() {
        assert_eq!(validate_remote_control(None), Err("\"value\" is required".into()));
        for (payload, want) in table(MESSAGES, " => ") {
            let want = if want == "ONE_OF" { EVENT_ONE_OF.to_owned() } else { want };
            assert_eq!(validate_remote_control(Some(&payload)), Err(want), "{payload}");
        }
        // Plain keys in payload order (the workspace enables serde_json's
        // `preserve_order`).
        let two = json!({"event": "next", "zeta": 1, "alpha": 2});
        assert_eq!(validate_remote_control(Some(&two)), Err("\"zeta\" is not allowed".to_owned()));
    }

    #[test]
    fn every_control_value_is_accepted() {
        for c in Control::ALL {
            let mut payload = json!({ "event": c.as_str() });
            if c.requires_uuid() {
                payload["uuid"] = json!(U);
            }
            let got = ok(payload.clone());
            assert_eq!((got.control, got.original), (c, obj(payload)));
        }
        assert!(ok(json!({"event": "like_current_dream"})).uuid.is_none());
        assert!(ok(json!({"event": "dislike_current_dream"})).uuid.is_none());
    }

    #[test]
    fn coercions_are_accepted_and_original_is_kept() {
        let payload = json!({
            "event": "status", "name": "n", "key": "k", "uuid": format!("{{{}}}", U.to_uppercase()),
            "frameNumber": "12", "isWebClientEvent": "TRUE", "currentTime": " -1.5 ",
            "duration": "1e3", "fps": "29.97", "paused": "False",
        });
        let got = ok(payload.clone());
        assert_eq!(got.uuid.map(|u| u.to_string()).as_deref(), Some(U));
        assert_eq!(got.original, obj(payload));
        assert_eq!(got.original["frameNumber"], json!("12"));
        let frames = [json!(12.0), json!(-3), json!("+7"), json!(" 12.0 "), json!(1e3)];
        for frame in frames {
            ok(json!({"event": "next", "frameNumber": frame}));
        }
        let fps = [json!(0.5), json!(".5"), json!("5."), json!(-0.0), json!("0.1000000001")];
        for fps in fps {
            ok(json!({"event": "next", "fps": fps}));
        }
    }

    #[test]
    fn echo_with_name_sets_or_nulls_name_and_keeps_the_rest() {
        let raw = "[0B9C3F5E2A7D4E1F9C8B7A6D5E4F3A2B]";
        let got = ok(json!({"event": "playing", "uuid": raw, "name": "old"}));
        let echo = got.echo_with_name(Some("Dream"));
        assert_eq!((&echo["name"], &echo["uuid"]), (&json!("Dream"), &json!(raw)));
        assert_eq!(got.echo_with_name(None)["name"], Value::Null);
    }

    #[test]
    fn desktop_bare_next_validates_and_is_dropped_early() {
        let bare = ok(json!({"event": "next"}));
        assert!(is_early_next(&bare.original, &bare.control, true, false));
    }

    #[test]
    fn state_sync_argument() {
        assert_eq!(validate_state_sync(None), Err("\"value\" is required".into()));
        for bad in [json!(null), json!("x"), json!(1), json!([]), json!(false)] {
            let want = Err("\"value\" must be of type object".to_owned());
            assert_eq!(validate_state_sync(Some(&bad)), want, "{bad}");
        }
        let good = json!({"dream_uuid": U, "anything": [1]});
        assert_eq!(validate_state_sync(Some(&good)), Ok(good.as_object().unwrap()));
    }

    #[test]
    fn dream_room_argument() {
        assert_eq!(validate_dream_room_arg(None), Err("\"value\" is required".into()));
        let bad = [json!(null), json!(""), json!("abc"), json!(7), json!({"uuid": U}), json!([U])];
        for bad in bad {
            let want = Err("\"value\" must be a valid GUID".to_owned());
            assert_eq!(validate_dream_room_arg(Some(&bad)), want, "{bad}");
        }
        let got = validate_dream_room_arg(Some(&json!(U.replace('-', ":").to_uppercase())));
        assert_eq!(got.map(|u| u.to_string()).as_deref(), Ok(U));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let key = "event|name|uuid|key|frameNumber|isWebClientEvent|fps|paused|[0-9a-z]{0,3}";
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from), // non-finite becomes null
            "[ +\\-.0-9eE]{0,8}".prop_map(Value::String),
            "next|playing|like_current_dream|true|FALSE|[0-9a-fA-F:{}\\-]{30,38}".prop_map(Value::String),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key, inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(v in json_value(), window: bool, dropped: bool) {
            match validate_remote_control(Some(&v)) {
                Ok(got) => {
                    prop_assert_eq!(Some(&got.original), v.as_object());
                    let event = got.original.get("event").and_then(Value::as_str);
                    prop_assert_eq!(event, Some(got.control.as_str()));
                    prop_assert_eq!(got.uuid.is_some(), got.original.contains_key("uuid"));
                    let _ = is_early_next(&got.original, &got.control, window, dropped);
                }
                Err(e) => prop_assert!(e.starts_with('"'), "{}", e),
            }
            let _ = validate_state_sync(Some(&v));
            let _ = validate_dream_room_arg(Some(&v));
            let _ = web_client_active(Some(&v));
        }
    }
}

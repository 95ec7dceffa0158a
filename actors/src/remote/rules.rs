//! Small pure rules of the remote-control handlers (`realtime.md` §7.1.4, §7.1.5, §7.4, §9).
//!
//! They live here, away from the socket and database code, so the handlers only decide
//! *when* to apply them and the exact wire strings can be tested without any I/O: the
//! early-`next` drop, the web-player flag, the quota reset instant sent in `quota_update`
//! and the job-status names used when a socket joins a dream room. Several rest on
//! JavaScript truthiness, which the reference's checks (`if (payload.active)`,
//! `!uuid && !key`) relied on and the spec keeps.
//!
//! None of these answers with a `Validation error`, which is why they are not in
//! [`super::validate`] (which re-exports them for convenience).

use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc};
use serde_json::{Map, Value};

use super::control::Control;

/// The quota granted by `play_playlist` (1 GiB): `quota = 1073741824 WHERE quota < …`.
pub const INTERACTIVE_QUOTA: i64 = 1_073_741_824;

/// Daily reset time of the interactive quota (07:00:00.000 UTC). Built in a constant
/// context so an impossible `None` is a compile-time matter, never a runtime panic.
const QUOTA_RESET: NaiveTime = match NaiveTime::from_hms_opt(7, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// `quotaExpiresAt` of `quota_update`: today's 07:00:00.000Z if `now` is strictly before
/// it, else tomorrow's; formatted `YYYY-MM-DDTHH:MM:SS.sssZ` (`rest-api.md` §1.7).
///
/// At exactly 07:00:00.000 the reset is no longer "ahead", so tomorrow's is returned.
/// On the last representable day (no tomorrow) today's instant is returned rather than
/// panicking; real clocks never get there.
pub fn quota_expires_at(now: DateTime<Utc>) -> String {
    let today = now.date_naive().and_time(QUOTA_RESET).and_utc();
    let expires = if now < today {
        today
    } else {
        Duration::try_days(1).and_then(|day| today.checked_add_signed(day)).unwrap_or(today)
    };
    iso_millis(expires)
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, written by hand because chrono's `to_rfc3339*` panics on
/// years outside 0..=9999 and `format(..).to_string()` panics if formatting fails.
fn iso_millis(t: DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis().min(999),
    )
}

/// Maps a dream `status` column value to the job-progress status of §9.
///
/// Case-sensitive, as the column values are. An unknown value maps to `"none"`, the
/// status of a dream with no job, rather than failing a room join over it.
pub fn job_status_for_dream_status(s: &str) -> &'static str {
    match s {
        "queue" => "IN_QUEUE",
        "processing" => "IN_PROGRESS",
        "processed" => "COMPLETED",
        "failed" => "FAILED",
        _ => "none",
    }
}

/// JavaScript truthiness of a JSON value: `null`, `false`, `0`, `-0` and `""` are falsy;
/// every other value — including `"0"`, `"false"`, `[]` and `{}` — is truthy.
/// (`NaN` is also falsy in JavaScript but cannot appear in JSON.)
pub fn is_js_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        // No nonzero integer converts to 0.0, so the f64 view decides for every number.
        Value::Number(n) => n.as_f64().is_none_or(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// How long after the CONNECT ack an automatic desktop `next` is still dropped (§7.1.4):
/// the desktop flushes it right behind its first `ping`, well inside 300 ms.
pub const EARLY_NEXT_WINDOW: std::time::Duration = std::time::Duration::from_millis(300);

/// The early-`next` rule of §7.1.4: `true` when this (already validated) event must be
/// dropped silently. `arrived_within_window`: it arrived less than [`EARLY_NEXT_WINDOW`]
/// after this socket's CONNECT ack was sent (a `ping` in between does not matter);
/// `already_dropped`: a `next` was already dropped on this socket.
pub fn is_early_next(
    original: &Map<String, Value>,
    control: &Control,
    arrived_within_window: bool,
    already_dropped: bool,
) -> bool {
    let falsy = |key: &str| original.get(key).is_none_or(|v| !is_js_truthy(v));
    *control == Control::Next
        && original.get("isWebClientEvent") != Some(&Value::Bool(true))
        && falsy("uuid")
        && falsy("key")
        && !matches!(original.get("frameNumber"), Some(Value::Number(_)))
        && arrived_within_window
        && !already_dropped
}

/// `web_client_status` (§7.4): active iff the payload is an object whose `active` is
/// JavaScript-truthy; anything else, a missing payload included, means inactive.
pub fn web_client_active(arg: Option<&Value>) -> bool {
    match arg {
        Some(Value::Object(obj)) => obj.get("active").is_some_and(is_js_truthy),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap() + Duration::milliseconds(ms)
    }

    #[test]
    fn quota_expiry_around_the_boundary() {
        let cases = [
            (at(2025, 10, 24, 0, 0, 0, 0), "2025-10-24T07:00:00.000Z"),
            (at(2025, 10, 24, 6, 59, 59, 999), "2025-10-24T07:00:00.000Z"),
            (at(2025, 10, 24, 7, 0, 0, 0), "2025-10-25T07:00:00.000Z"),
            (at(2025, 10, 24, 7, 0, 0, 1), "2025-10-25T07:00:00.000Z"),
            (at(2025, 10, 24, 23, 59, 59, 999), "2025-10-25T07:00:00.000Z"),
            // month, year and leap-day rollovers
            (at(2025, 10, 31, 12, 0, 0, 0), "2025-11-01T07:00:00.000Z"),
            (at(2025, 12, 31, 8, 0, 0, 0), "2026-01-01T07:00:00.000Z"),
            (at(2024, 2, 28, 7, 30, 0, 0), "2024-02-29T07:00:00.000Z"),
            (at(2024, 2, 29, 7, 30, 0, 0), "2024-03-01T07:00:00.000Z"),
        ];
        for (now, want) in cases {
            assert_eq!(quota_expires_at(now), want, "{now}");
        }
        // Sub-millisecond precision never leaks into the output.
        let nanos = at(2025, 1, 1, 6, 0, 0, 0) + Duration::nanoseconds(123_456_789);
        assert_eq!(quota_expires_at(nanos), "2025-01-01T07:00:00.000Z");
    }

    #[test]
    fn quota_expiry_does_not_panic_at_the_end_of_time() {
        let out = quota_expires_at(DateTime::<Utc>::MAX_UTC);
        assert!(out.ends_with("07:00:00.000Z"), "{out}");
        let out = quota_expires_at(DateTime::<Utc>::MIN_UTC);
        assert!(out.ends_with("07:00:00.000Z"), "{out}");
    }

    #[test]
    fn quota_constant() {
        assert_eq!(INTERACTIVE_QUOTA, 1 << 30);
    }

    #[test]
    fn status_mapping() {
        let cases = [
            ("queue", "IN_QUEUE"),
            ("processing", "IN_PROGRESS"),
            ("processed", "COMPLETED"),
            ("failed", "FAILED"),
            ("none", "none"),
            ("QUEUE", "none"),
            ("", "none"),
            ("bogus", "none"),
        ];
        for (status, want) in cases {
            assert_eq!(job_status_for_dream_status(status), want, "{status}");
        }
    }

    #[test]
    fn truthiness() {
        let falsy = [json!(null), json!(false), json!(0), json!(-0.0), json!(0.0), json!("")];
        for v in &falsy {
            assert!(!is_js_truthy(v), "{v}");
        }
        let truthy = [
            json!(true),
            json!(1),
            json!(-1),
            json!(0.5),
            json!(u64::MAX),
            json!(i64::MIN),
            json!("0"),
            json!("false"),
            json!(" "),
            json!([]),
            json!({}),
        ];
        for v in &truthy {
            assert!(is_js_truthy(v), "{v}");
        }
    }

    /// §7.1.4 cases: `<payload> | <arrived within window> <already dropped> => <dropped>`.
    const EARLY_NEXT: &str = r#"
        {"event":"next"} | in first => drop
        {"event":"next","isWebClientEvent":true} | in first => keep
        {"event":"next","isWebClientEvent":"true"} | in first => drop
        {"event":"next","isWebClientEvent":false} | in first => drop
        {"event":"next","frameNumber":3} | in first => keep
        {"event":"next","frameNumber":"3"} | in first => drop
        {"event":"next"} | in second => keep
        {"event":"next"} | out first => keep
        {"event":"next","uuid":"0b9c3f5e-2a7d-4e1f-9c8b-7a6d5e4f3a2b"} | in first => keep
        {"event":"next","key":"k"} | in first => keep
        {"event":"previous"} | in first => keep
        {"event":"next","uuid":"","key":""} | in first => drop
        {"event":"next","uuid":null,"key":0} | in first => drop
        {"event":"next","uuid":false,"key":"x"} | in first => keep
    "#;

    /// Splits a text table into `(parsed JSON, rest of the line)` rows.
    fn table(text: &str, sep: &str) -> Vec<(Value, String)> {
        let rows = text.lines().map(str::trim).filter(|l| !l.is_empty());
        rows.map(|l| l.split_once(sep).unwrap())
            .map(|(a, b)| (serde_json::from_str(a).unwrap(), b.to_owned()))
            .collect()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn early_next_rule() {
        for (payload, rest) in table(EARLY_NEXT, " | ") {
            let map = obj(payload.clone());
            let control = map.get("event").and_then(Value::as_str).and_then(Control::from_name);
            let (window, dropped) = (rest.starts_with("in "), rest.contains("second"));
            let got = is_early_next(&map, &control.unwrap(), window, dropped);
            assert_eq!(got, rest.ends_with("drop"), "{payload} | {rest}");
        }
        assert_eq!(EARLY_NEXT_WINDOW.as_millis(), 300);
    }

    #[test]
    fn web_client_activity() {
        let on = r#"[{"active":true}, {"active":1}, {"active":"no"}, {"active":[]}]"#;
        for v in serde_json::from_str::<Vec<Value>>(on).unwrap() {
            assert!(web_client_active(Some(&v)), "{v}");
        }
        let off = r#"[{"active":false}, {"active":0}, {"active":""}, {"active":null}, {},
                      true, [true], null, "active"]"#;
        for v in serde_json::from_str::<Vec<Value>>(off).unwrap() {
            assert!(!web_client_active(Some(&v)), "{v}");
        }
        assert!(!web_client_active(None));
    }
}

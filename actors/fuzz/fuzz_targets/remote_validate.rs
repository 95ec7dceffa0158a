//! Event payload validators and the GUID parser, on arbitrary JSON.
#![no_main]
use infinidream_actors::protocol::jsjson;
use infinidream_actors::remote::{guid, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = guid::parse_guid(text);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(ev) = validate::validate_remote_control(Some(&value)) {
            let _ = jsjson::to_js_string(&serde_json::Value::Object(ev.echo_with_name(Some("x"))));
        }
        let _ = validate::validate_state_sync(Some(&value));
        let _ = validate::validate_dream_room_arg(Some(&value));
    }
});

//! Socket.IO packets: decode, and re-encode what decodes (must not panic either).
#![no_main]
use infinidream_actors::protocol::socketio;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(p) = socketio::decode(text) {
        let _ = socketio::encode(&p);
    }
});

//! Any text frame fed to the Engine.IO decoder, then (for messages) the Socket.IO one.
#![no_main]
use infinidream_actors::protocol::{engineio, socketio};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(engineio::EioPacket::Message(m)) = engineio::decode(text) {
        let _ = socketio::decode(m);
    }
});

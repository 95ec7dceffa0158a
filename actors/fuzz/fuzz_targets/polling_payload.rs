//! Long-polling POST bodies: record-separated packets, each decoded.
#![no_main]
use infinidream_actors::protocol::{engineio, socketio};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(packets) = engineio::split_payload(body) {
        for p in packets {
            if let Ok(engineio::EioPacket::Message(m)) = engineio::decode(p) {
                let _ = socketio::decode(m);
            }
        }
    }
});

//! Bridge envelopes as they arrive from Redis.
#![no_main]
use infinidream_actors::bridge::Envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = Envelope::decode(data) {
        let _ = Envelope::decode(env.encode().as_bytes());
    }
});

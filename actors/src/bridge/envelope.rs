//! The cross-instance message (`realtime.md` §13): a versioned JSON envelope carrying the
//! origin instance, a per-origin sequence number, the target rooms, the sockets to skip
//! and the Socket.IO packet encoded once by the origin.

use serde::{Deserialize, Serialize};

use crate::ids::is_b64url;

pub const VERSION: u8 = 1;
/// Largest envelope accepted from Redis (a packet is at most `maxPayload` plus framing).
pub const MAX_ENVELOPE_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u8,
    pub origin: String,
    pub seq: u64,
    pub kind: String,
    pub nsp: String,
    pub rooms: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// Socket.IO packet without the Engine.IO `4`.
    pub packet: String,
    /// Publication time, epoch microseconds of the origin's clock (bridge lag metric).
    /// Optional on the wire: older instances neither send nor need it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ts: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Now as epoch microseconds (0 if the clock is before 1970).
pub fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("envelope too large")]
    TooLarge,
    #[error("not a JSON envelope")]
    Malformed,
    #[error("unsupported envelope version {0}")]
    Version(u64),
    #[error("unknown envelope kind")]
    Kind,
    #[error("invalid envelope field {0}")]
    Field(&'static str),
}

impl Envelope {
    pub fn emit(origin: &str, seq: u64, rooms: Vec<String>, except: Vec<String>, packet: String) -> Envelope {
        Envelope {
            v: VERSION,
            origin: origin.to_string(),
            seq,
            kind: "emit".into(),
            nsp: "/remote-control".into(),
            rooms,
            except,
            packet,
            ts: now_micros(),
        }
    }

    pub fn encode(&self) -> String {
        // Serialising plain strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses and validates bytes received from another instance. Anything that is not a
    /// well-formed version-1 `emit` envelope is rejected, never partially delivered.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge);
        }
        // Fast path: one typed parse of a version-1 envelope. Anything else (another
        // version, duplicate keys, wrong types) takes the generic path, which tells why.
        let env = match serde_json::from_slice::<Envelope>(bytes) {
            Ok(env) if env.v == VERSION => env,
            _ => Self::decode_generic(bytes)?,
        };
        if env.kind != "emit" {
            return Err(EnvelopeError::Kind);
        }
        if env.origin.len() != 8 || !is_b64url(&env.origin) {
            return Err(EnvelopeError::Field("origin"));
        }
        if env.rooms.is_empty() || env.rooms.iter().any(|r| !(r.starts_with("USER:") || r.starts_with("DREAM:"))) {
            return Err(EnvelopeError::Field("rooms"));
        }
        if env.packet.is_empty() || !env.packet.starts_with('2') {
            return Err(EnvelopeError::Field("packet"));
        }
        Ok(env)
    }

    fn decode_generic(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| EnvelopeError::Malformed)?;
        match value.get("v").and_then(|v| v.as_u64()) {
            Some(1) => {}
            Some(other) => return Err(EnvelopeError::Version(other)),
            None => return Err(EnvelopeError::Malformed),
        }
        serde_json::from_value(value).map_err(|_| EnvelopeError::Malformed)
    }

    /// The announcement an instance publishes on a room channel once its subscription is
    /// confirmed (`alone.rs`): `{"v":1,"origin":"<id>","kind":"hello"}`. Instances that
    /// do not know it drop it as an invalid envelope (counted).
    pub fn hello(origin: &str) -> String {
        format!(r#"{{"v":1,"origin":"{origin}","kind":"hello"}}"#)
    }

    /// True when `bytes` are exactly an announcement made by [`Envelope::hello`] of some
    /// valid instance id.
    pub fn is_hello(bytes: &[u8]) -> bool {
        const HEAD: &[u8] = br#"{"v":1,"origin":""#;
        const TAIL: &[u8] = br#"","kind":"hello"}"#;
        bytes.len() == HEAD.len() + 8 + TAIL.len()
            && bytes.starts_with(HEAD)
            && bytes.ends_with(TAIL)
            && std::str::from_utf8(&bytes[HEAD.len()..HEAD.len() + 8]).is_ok_and(is_b64url)
    }

    /// True when `bytes` were encoded by `origin` with [`Envelope::encode`] (its fields
    /// come out in declaration order, so the origin is at a fixed place). Lets an instance
    /// drop the echoes of its own publications without parsing them.
    pub fn is_from(bytes: &[u8], origin: &str) -> bool {
        const HEAD: &[u8] = br#"{"v":1,"origin":""#;
        bytes.len() > HEAD.len() + origin.len()
            && bytes.starts_with(HEAD)
            && bytes[HEAD.len()..].starts_with(origin.as_bytes())
            && bytes[HEAD.len() + origin.len()] == b'"'
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Envelope {
        Envelope::emit(
            "abcdEFGH",
            42,
            vec!["USER:4".into()],
            vec!["sock".into()],
            r#"2/remote-control,["ping"]"#.into(),
        )
    }

    #[test]
    fn publication_time_is_optional_on_the_wire() {
        let mut e = sample();
        assert!(e.ts > 0, "emit stamps the publication time");
        e.ts = 0;
        assert!(!e.encode().contains("\"ts\""), "an unstamped envelope has no ts key");
        assert_eq!(Envelope::decode(e.encode().as_bytes()), Ok(e));
    }

    #[test]
    fn announcements_are_recognised_exactly() {
        let hello = Envelope::hello("abcdEFGH");
        assert!(Envelope::is_hello(hello.as_bytes()));
        assert!(Envelope::is_from(hello.as_bytes(), "abcdEFGH"), "an instance drops its own announcement");
        assert_eq!(Envelope::decode(hello.as_bytes()), Err(EnvelopeError::Malformed), "not an emit");
        assert!(!Envelope::is_hello(Envelope::hello("abcdEFG").as_bytes()));
        assert!(!Envelope::is_hello(Envelope::hello("abcd\"FGH").as_bytes()));
        assert!(!Envelope::is_hello(hello.replace("hello", "hellx").as_bytes()));
        assert!(!Envelope::is_hello(sample().encode().as_bytes()));
    }

    #[test]
    fn round_trips() {
        let e = sample();
        assert_eq!(Envelope::decode(e.encode().as_bytes()), Ok(e));
    }

    #[test]
    fn own_envelopes_are_recognised_without_parsing() {
        let bytes = sample().encode();
        assert!(Envelope::is_from(bytes.as_bytes(), "abcdEFGH"));
        assert!(!Envelope::is_from(bytes.as_bytes(), "abcdEFGX"));
        assert!(!Envelope::is_from(bytes.as_bytes(), "abcdEFG"), "a prefix of the origin is another origin");
        assert!(!Envelope::is_from(br#"{"v":1,"origin":"abcdEFGH"#, "abcdEFGH"));
        assert!(!Envelope::is_from(br#"{"origin":"abcdEFGH","v":1}"#, "abcdEFGH"));
    }

    #[test]
    fn duplicate_keys_and_other_versions_still_decode_as_before() {
        let dup = sample().encode().replacen(r#""seq":42"#, r#""seq":1,"seq":42"#, 1);
        assert_eq!(Envelope::decode(dup.as_bytes()).map(|e| e.seq), Ok(42));
        let v2 = sample().encode().replacen(r#""v":1"#, r#""v":2"#, 1);
        assert_eq!(Envelope::decode(v2.as_bytes()), Err(EnvelopeError::Version(2)));
        let float = sample().encode().replacen(r#""v":1"#, r#""v":1.0"#, 1);
        assert_eq!(Envelope::decode(float.as_bytes()), Err(EnvelopeError::Malformed));
    }

    #[test]
    fn foreign_or_broken_envelopes_are_rejected() {
        let mut v: serde_json::Value = serde_json::from_str(&sample().encode()).unwrap();
        v["v"] = 2.into();
        assert_eq!(Envelope::decode(v.to_string().as_bytes()), Err(EnvelopeError::Version(2)));
        let mut v: serde_json::Value = serde_json::from_str(&sample().encode()).unwrap();
        v["kind"] = "join".into();
        assert_eq!(Envelope::decode(v.to_string().as_bytes()), Err(EnvelopeError::Kind));
        let mut v: serde_json::Value = serde_json::from_str(&sample().encode()).unwrap();
        v["rooms"] = serde_json::json!(["ADMIN:1"]);
        assert!(Envelope::decode(v.to_string().as_bytes()).is_err());
        let mut v: serde_json::Value = serde_json::from_str(&sample().encode()).unwrap();
        v["origin"] = "x".into();
        assert!(Envelope::decode(v.to_string().as_bytes()).is_err());
        assert_eq!(Envelope::decode(b"\xff\x00garbage"), Err(EnvelopeError::Malformed));
        assert_eq!(Envelope::decode(b"{}"), Err(EnvelopeError::Malformed));
        assert_eq!(Envelope::decode(&vec![b' '; MAX_ENVELOPE_BYTES + 1]), Err(EnvelopeError::TooLarge));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Envelope::decode(&bytes);
        }

        #[test]
        fn the_typed_fast_path_agrees_with_the_generic_parse(at in 0usize..400, insert in "[ -~]{0,6}") {
            let good = sample().encode();
            let at = at.min(good.len());
            let mutated = format!("{}{}{}", &good[..at], insert, &good[at..]);
            if let Ok(fast) = serde_json::from_slice::<Envelope>(mutated.as_bytes()) {
                if fast.v == VERSION {
                    prop_assert_eq!(Envelope::decode_generic(mutated.as_bytes()), Ok(fast));
                }
            }
        }

        #[test]
        fn any_emit_round_trips(seq in any::<u64>(), user in 1..100000i32, packet in "2[ -~]{0,64}") {
            let e = Envelope::emit("AAAAaaaa", seq, vec![format!("USER:{user}")], vec![], packet);
            prop_assert_eq!(Envelope::decode(e.encode().as_bytes()), Ok(e));
        }
    }
}

//! # Engine.IO v4 packets (`realtime.md` §2)
//!
//! An Engine.IO packet is one type digit followed by its payload as text: `0` open,
//! `1` close, `2` ping, `3` pong, `4` message, `5` upgrade, `6` noop. Over WebSocket one
//! text frame carries one packet; over HTTP long-polling a body carries several packets
//! joined by the record separator byte `0x1E` (§2.5).
//!
//! Decoding mirrors `engine.io-parser`: the payload is whatever follows the digit, and a
//! payload after `1`, `5` or `6` is accepted and ignored as the reference does. Two things
//! differ on purpose: an empty packet is an error (the reference turns it into an "error"
//! packet, which closes the session anyway), and base64 binary packets (`b…`) are rejected
//! because the server supports no binary packets at all (§2.3, §3.6).
//!
//! The open packet is written field by field so its bytes are exactly those of the
//! reference server, key order included (§2.2).

use super::jsjson::write_js_str;
use super::ProtocolError;
use std::fmt::Write as _;

/// The record separator that joins packets in a polling body.
pub const SEPARATOR: char = '\u{1e}';

/// One decoded Engine.IO packet; payloads borrow from the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EioPacket<'a> {
    /// `0{…}`: the handshake data (only the server sends it).
    Open(&'a str),
    /// `1`: close the session.
    Close,
    /// `2…`: ping, payload usually empty or `probe`.
    Ping(&'a str),
    /// `3…`: pong, payload usually empty or `probe`.
    Pong(&'a str),
    /// `4…`: a Socket.IO packet (see [`super::socketio::decode`]).
    Message(&'a str),
    /// `5`: the client switches to the probed websocket.
    Upgrade,
    /// `6`: nothing; ends a pending polling request during an upgrade.
    Noop,
}

impl EioPacket<'_> {
    /// The packet's type digit.
    pub fn type_char(&self) -> char {
        match self {
            EioPacket::Open(_) => '0',
            EioPacket::Close => '1',
            EioPacket::Ping(_) => '2',
            EioPacket::Pong(_) => '3',
            EioPacket::Message(_) => '4',
            EioPacket::Upgrade => '5',
            EioPacket::Noop => '6',
        }
    }

    /// Appends the packet's wire form (type digit and payload) to `out`.
    pub fn write(&self, out: &mut String) {
        out.push(self.type_char());
        match self {
            EioPacket::Open(p) | EioPacket::Ping(p) | EioPacket::Pong(p) | EioPacket::Message(p) => out.push_str(p),
            EioPacket::Close | EioPacket::Upgrade | EioPacket::Noop => {}
        }
    }

    /// The packet's wire form (type digit and payload).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

/// Decodes one Engine.IO packet (one websocket text frame or one polling segment).
///
/// # Errors
/// [`ProtocolError::Empty`], [`ProtocolError::BinaryUnsupported`] for `b…`, and
/// [`ProtocolError::UnknownType`] for any other first character than `0`–`6`.
pub fn decode(text: &str) -> Result<EioPacket<'_>, ProtocolError> {
    let mut chars = text.chars();
    let first = chars.next().ok_or(ProtocolError::Empty)?;
    let rest = chars.as_str();
    Ok(match first {
        '0' => EioPacket::Open(rest),
        '1' => EioPacket::Close,
        '2' => EioPacket::Ping(rest),
        '3' => EioPacket::Pong(rest),
        '4' => EioPacket::Message(rest),
        '5' => EioPacket::Upgrade,
        '6' => EioPacket::Noop,
        'b' => return Err(ProtocolError::BinaryUnsupported),
        other => return Err(ProtocolError::UnknownType(other)),
    })
}

/// Writes the open packet, e.g.
/// `0{"sid":"…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`.
/// A message packet (`4` + the Socket.IO packet), the text of one WebSocket frame.
pub fn message(packet: &str) -> bytestring::ByteString {
    let mut frame = String::with_capacity(packet.len() + 1);
    frame.push('4');
    frame.push_str(packet);
    frame.into()
}

pub fn encode_open(
    sid: &str,
    upgrades: &[&str],
    ping_interval_ms: u64,
    ping_timeout_ms: u64,
    max_payload: u64,
) -> String {
    let mut out = String::with_capacity(112 + sid.len());
    out.push_str("0{\"sid\":");
    write_js_str(&mut out, sid);
    out.push_str(",\"upgrades\":[");
    for (i, u) in upgrades.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_js_str(&mut out, u);
    }
    let _ = write!(
        out,
        "],\"pingInterval\":{ping_interval_ms},\"pingTimeout\":{ping_timeout_ms},\"maxPayload\":{max_payload}}}"
    );
    out
}

/// Splits a polling POST body into its packets (joined by `0x1E`).
///
/// The body must be UTF-8 and hold at least one packet; an empty segment (empty body,
/// leading, trailing or doubled separator) is an error. The caller enforces `maxPayload`
/// on the body first, which bounds the returned vector.
///
/// # Errors
/// [`ProtocolError::InvalidUtf8`] or [`ProtocolError::EmptySegment`].
pub fn split_payload(body: &[u8]) -> Result<Vec<&str>, ProtocolError> {
    let text = std::str::from_utf8(body).map_err(|_| ProtocolError::InvalidUtf8)?;
    let mut packets = Vec::new();
    for segment in text.split(SEPARATOR) {
        if segment.is_empty() {
            return Err(ProtocolError::EmptySegment);
        }
        packets.push(segment);
    }
    Ok(packets)
}

/// Joins encoded packets with `0x1E` into a polling GET body.
pub fn join_payload<I>(packets: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut out = String::new();
    for (i, p) in packets.into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.push_str(p.as_ref());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_every_packet_type() {
        assert_eq!(decode("0{\"sid\":\"x\"}"), Ok(EioPacket::Open("{\"sid\":\"x\"}")));
        assert_eq!(decode("1"), Ok(EioPacket::Close));
        assert_eq!(decode("2"), Ok(EioPacket::Ping("")));
        assert_eq!(decode("2probe"), Ok(EioPacket::Ping("probe")));
        assert_eq!(decode("3"), Ok(EioPacket::Pong("")));
        assert_eq!(decode("3probe"), Ok(EioPacket::Pong("probe")));
        assert_eq!(decode("5"), Ok(EioPacket::Upgrade));
        assert_eq!(decode("6"), Ok(EioPacket::Noop));
        assert_eq!(decode("40/remote-control,"), Ok(EioPacket::Message("0/remote-control,")));
        assert_eq!(decode("4"), Ok(EioPacket::Message("")));
    }

    #[test]
    fn ignores_payload_of_payloadless_types_like_the_reference() {
        assert_eq!(decode("1x"), Ok(EioPacket::Close));
        assert_eq!(decode("5x"), Ok(EioPacket::Upgrade));
        assert_eq!(decode("6x"), Ok(EioPacket::Noop));
    }

    #[test]
    fn rejects_malformed_packets() {
        assert_eq!(decode(""), Err(ProtocolError::Empty));
        assert_eq!(decode("7"), Err(ProtocolError::UnknownType('7')));
        assert_eq!(decode("9hello"), Err(ProtocolError::UnknownType('9')));
        assert_eq!(decode("x"), Err(ProtocolError::UnknownType('x')));
        assert_eq!(decode(" 2"), Err(ProtocolError::UnknownType(' ')));
        assert_eq!(decode("é"), Err(ProtocolError::UnknownType('é')));
        assert_eq!(decode("bAQID"), Err(ProtocolError::BinaryUnsupported));
    }

    #[test]
    fn encodes_packets() {
        assert_eq!(EioPacket::Ping("").encode(), "2");
        assert_eq!(EioPacket::Pong("probe").encode(), "3probe");
        assert_eq!(EioPacket::Noop.encode(), "6");
        assert_eq!(EioPacket::Close.encode(), "1");
        assert_eq!(EioPacket::Upgrade.encode(), "5");
        assert_eq!(EioPacket::Message("2[\"x\"]").encode(), "42[\"x\"]");
        assert_eq!(EioPacket::Open("{}").encode(), "0{}");
    }

    #[test]
    fn open_packet_has_the_reference_bytes() {
        assert_eq!(
            encode_open("AbCdEfGh123456789012", &["websocket"], 25000, 20000, 1_000_000),
            "0{\"sid\":\"AbCdEfGh123456789012\",\"upgrades\":[\"websocket\"],\
             \"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
        );
        assert_eq!(
            encode_open("s", &[], 25000, 20000, 1_000_000),
            "0{\"sid\":\"s\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
        );
        let open = encode_open("s\"", &["a", "b"], 1, 2, 3);
        let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
        assert_eq!(v["sid"], "s\"");
        assert_eq!(v["upgrades"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn splits_polling_bodies() {
        assert_eq!(split_payload(b"2"), Ok(vec!["2"]));
        assert_eq!(
            split_payload(b"40/remote-control,\x1e42/remote-control,[\"ping\"]"),
            Ok(vec!["40/remote-control,", "42/remote-control,[\"ping\"]"])
        );
        assert_eq!(split_payload(b""), Err(ProtocolError::EmptySegment));
        assert_eq!(split_payload(b"\x1e"), Err(ProtocolError::EmptySegment));
        assert_eq!(split_payload(b"2\x1e"), Err(ProtocolError::EmptySegment));
        assert_eq!(split_payload(b"\x1e2"), Err(ProtocolError::EmptySegment));
        assert_eq!(split_payload(b"2\x1e\x1e3"), Err(ProtocolError::EmptySegment));
        assert_eq!(split_payload(b"4\xff"), Err(ProtocolError::InvalidUtf8));
        assert_eq!(split_payload("4é".as_bytes()), Ok(vec!["4é"]));
    }

    #[test]
    fn joins_polling_bodies() {
        assert_eq!(join_payload(["2"]), "2");
        assert_eq!(join_payload(vec!["6", "2".to_string().as_str()]), "6\u{1e}2");
        assert_eq!(join_payload(vec![String::from("40"), String::from("3")]), "40\u{1e}3");
        assert_eq!(join_payload(Vec::<String>::new()), "");
    }

    proptest! {
        #[test]
        fn decode_never_panics(s in any::<String>()) {
            let _ = decode(&s);
        }

        #[test]
        fn split_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(parts) = split_payload(&bytes) {
                prop_assert!(!parts.is_empty());
                for p in parts {
                    prop_assert!(!p.is_empty() && !p.contains(SEPARATOR));
                    let _ = decode(p);
                }
            }
        }

        #[test]
        fn split_inverts_join(packets in prop::collection::vec("[^\u{1e}]{1,20}", 1..8)) {
            let body = join_payload(&packets);
            prop_assert_eq!(split_payload(body.as_bytes()).unwrap(), packets);
        }

        #[test]
        fn encode_inverts_decode(s in "[0-6][^\u{1e}]{0,12}") {
            let p = decode(&s).unwrap();
            let again = p.encode();
            prop_assert_eq!(decode(&again).unwrap(), p);
            if !matches!(p, EioPacket::Close | EioPacket::Upgrade | EioPacket::Noop) {
                prop_assert_eq!(again, s);
            }
        }
    }
}

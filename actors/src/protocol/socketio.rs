//! # Socket.IO v5 packets (`realtime.md` §3)
//!
//! A Socket.IO packet travels as the payload of one Engine.IO message (`4…`); the callers
//! strip and add that `4`. Its text form is:
//!
//! ```text
//! <type digit>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//! ```
//!
//! The decoder follows `socket.io-parser` (v4, protocol 5) step by step so that anything the
//! reference accepted from real clients is accepted here, with these deliberate tightenings,
//! all of which the reference server would have turned into an error or a dead packet later:
//!
//! * type and counts are ASCII digits only (JavaScript's `Number()` also took spaces);
//! * ack ids above 2^53 are rejected instead of silently losing precision;
//! * the payload shape is checked for every type, including when it is absent (the
//!   reference skipped the check when there was no payload), so an EVENT without an
//!   array, an ACK without an array and a CONNECT_ERROR without a payload are errors;
//! * an EVENT's first element must be a string (the reference also took a number, which
//!   no client sends and the spec forbids, §3.4).
//!
//! Binary types (BINARY_EVENT, BINARY_ACK) are decoded, not reassembled: the session layer
//! rejects them (§3.6). A namespace runs from `/` to the first `,` or to the end of the
//! packet, as in the reference: `0/remote-control` is a CONNECT without payload.
//!
//! Decoding never allocates in proportion to numbers found in the input: counts and ids are
//! accumulated with checked arithmetic, and only the JSON payload is materialised.
//! Encoders write the exact bytes of the reference server, numbers in JavaScript's form
//! (see [`super::jsjson`]).

use super::jsjson::{write_js, write_js_str};
use super::ProtocolError;
use serde_json::Value;
use std::fmt::Write as _;

/// Largest accepted ack id: 2^53, the end of JavaScript's exact integer range.
pub const MAX_ACK_ID: u64 = 1 << 53;

/// Event names that Socket.IO reserves; a client EVENT using one is a protocol error.
pub const RESERVED_EVENTS: [&str; 6] =
    ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// Whether `name` is reserved by Socket.IO and may not be used as an event name.
pub fn is_reserved_event(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

/// The Socket.IO packet type (the first character of a packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SioType {
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

impl SioType {
    /// The type for a type digit, if it is one.
    pub fn from_char(c: char) -> Option<SioType> {
        Some(match c {
            '0' => SioType::Connect,
            '1' => SioType::Disconnect,
            '2' => SioType::Event,
            '3' => SioType::Ack,
            '4' => SioType::ConnectError,
            '5' => SioType::BinaryEvent,
            '6' => SioType::BinaryAck,
            _ => return None,
        })
    }

    /// The type digit.
    pub fn as_char(self) -> char {
        match self {
            SioType::Connect => '0',
            SioType::Disconnect => '1',
            SioType::Event => '2',
            SioType::Ack => '3',
            SioType::ConnectError => '4',
            SioType::BinaryEvent => '5',
            SioType::BinaryAck => '6',
        }
    }

    /// Whether the type carries binary attachments (unsupported by the server, §3.6).
    pub fn is_binary(self) -> bool {
        matches!(self, SioType::BinaryEvent | SioType::BinaryAck)
    }
}

/// One decoded Socket.IO packet. The namespace borrows from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct SioPacket<'a> {
    pub kind: SioType,
    /// The namespace, `"/"` when the packet names none.
    pub nsp: &'a str,
    pub ack_id: Option<u64>,
    /// The JSON payload; its shape has been checked against `kind` (see [`decode`]).
    pub payload: Option<Value>,
}

impl SioPacket<'_> {
    /// The event name of an EVENT / BINARY_EVENT packet.
    pub fn event_name(&self) -> Option<&str> {
        match (self.kind, &self.payload) {
            (SioType::Event | SioType::BinaryEvent, Some(Value::Array(items))) => items.first().and_then(Value::as_str),
            _ => None,
        }
    }

    /// The arguments: an event's array after its name, an ack's whole array, else none.
    pub fn args(&self) -> &[Value] {
        match (self.kind, &self.payload) {
            (SioType::Event | SioType::BinaryEvent, Some(Value::Array(items))) => items.get(1..).unwrap_or(&[]),
            (SioType::Ack | SioType::BinaryAck, Some(Value::Array(items))) => items,
            _ => &[],
        }
    }
}

/// Decodes one Socket.IO packet (the text after the Engine.IO `4`).
///
/// Payload shapes, as `socket.io-parser`'s `isPayloadValid`: CONNECT absent or an object;
/// DISCONNECT absent; CONNECT_ERROR an object or a string; EVENT / BINARY_EVENT a non-empty
/// array whose first element is a string that is not a reserved name; ACK / BINARY_ACK an
/// array.
///
/// # Errors
/// One [`ProtocolError`] variant per failing step: empty text, unknown type digit, bad
/// attachment count, ack id above 2^53, invalid JSON (including nesting deeper than 128),
/// wrong payload shape, reserved event name.
pub fn decode(s: &str) -> Result<SioPacket<'_>, ProtocolError> {
    let bytes = s.as_bytes();
    let first = s.chars().next().ok_or(ProtocolError::Empty)?;
    let kind = SioType::from_char(first).ok_or(ProtocolError::UnknownType(first))?;
    // The type digit is ASCII, and `i` only ever moves past ASCII bytes, so every slice
    // `s[i..]` below starts on a char boundary.
    let mut i = 1;

    if kind.is_binary() {
        let start = i;
        let mut count: u64 = 0;
        while let Some(d) = digit_at(bytes, i) {
            count = count.checked_mul(10).and_then(|c| c.checked_add(d)).ok_or(ProtocolError::IllegalAttachments)?;
            i += 1;
        }
        if i == start || bytes.get(i) != Some(&b'-') {
            return Err(ProtocolError::IllegalAttachments);
        }
        i += 1;
    }

    let nsp = if bytes.get(i) == Some(&b'/') {
        let start = i;
        match s[i..].find(',') {
            Some(offset) => {
                i += offset + 1;
                &s[start..i - 1]
            }
            None => {
                i = s.len();
                &s[start..]
            }
        }
    } else {
        "/"
    };

    let mut ack_id = None;
    while let Some(d) = digit_at(bytes, i) {
        let id = ack_id
            .unwrap_or(0u64)
            .checked_mul(10)
            .and_then(|n| n.checked_add(d))
            .filter(|n| *n <= MAX_ACK_ID)
            .ok_or(ProtocolError::AckIdOutOfRange)?;
        ack_id = Some(id);
        i += 1;
    }

    let rest = &s[i..];
    let payload = if rest.is_empty() {
        None
    } else {
        let value: Value = serde_json::from_str(rest).map_err(|e| ProtocolError::InvalidJson(e.to_string()))?;
        Some(value)
    };
    check_payload(kind, payload.as_ref())?;
    Ok(SioPacket { kind, nsp, ack_id, payload })
}

fn digit_at(bytes: &[u8], i: usize) -> Option<u64> {
    bytes.get(i).filter(|b| b.is_ascii_digit()).map(|b| u64::from(b - b'0'))
}

fn check_payload(kind: SioType, payload: Option<&Value>) -> Result<(), ProtocolError> {
    let ok = match (kind, payload) {
        (SioType::Connect, None | Some(Value::Object(_))) => true,
        (SioType::Disconnect, None) => true,
        (SioType::ConnectError, Some(Value::Object(_) | Value::String(_))) => true,
        (SioType::Event | SioType::BinaryEvent, Some(Value::Array(items))) => match items.first() {
            Some(Value::String(name)) if is_reserved_event(name) => {
                return Err(ProtocolError::ReservedEvent(name.clone()))
            }
            Some(Value::String(_)) => true,
            _ => false,
        },
        (SioType::Ack | SioType::BinaryAck, Some(Value::Array(_))) => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ProtocolError::InvalidPayload(kind))
    }
}

/// Writes the packet header: type digit, attachment count `0-` for binary types (the
/// server never sends those), `nsp,` unless the namespace is the root, and the ack id.
///
/// `nsp` must be `/` or start with `/` and contain no `,` (true of every namespace that
/// [`decode`] returns); ack ids above [`MAX_ACK_ID`] would not decode.
fn write_header(out: &mut String, kind: SioType, nsp: &str, ack_id: Option<u64>) {
    out.push(kind.as_char());
    if kind.is_binary() {
        out.push_str("0-");
    }
    if !nsp.is_empty() && nsp != "/" {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = ack_id {
        let _ = write!(out, "{id}");
    }
}

/// Encodes any packet; the payload is written in JavaScript's JSON form.
pub fn encode(packet: &SioPacket<'_>) -> String {
    let mut out = String::new();
    write_header(&mut out, packet.kind, packet.nsp, packet.ack_id);
    if let Some(payload) = &packet.payload {
        write_js(&mut out, payload);
    }
    out
}

/// `0/remote-control,{"sid":"…"}`: CONNECT accepted.
pub fn encode_connect_ok(nsp: &str, sid: &str) -> String {
    let mut out = String::with_capacity(nsp.len() + sid.len() + 12);
    write_header(&mut out, SioType::Connect, nsp, None);
    out.push_str("{\"sid\":");
    write_js_str(&mut out, sid);
    out.push('}');
    out
}

/// `4/remote-control,{"message":"UNAUTHORIZED"}`: CONNECT refused (no `data` key).
pub fn encode_connect_error(nsp: &str, message: &str) -> String {
    let mut out = String::with_capacity(nsp.len() + message.len() + 16);
    write_header(&mut out, SioType::ConnectError, nsp, None);
    out.push_str("{\"message\":");
    write_js_str(&mut out, message);
    out.push('}');
    out
}

/// `2/remote-control,["name",arg…]`: an event from the server (which never asks for acks).
pub fn encode_event(nsp: &str, name: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(nsp.len() + name.len() + 8);
    write_header(&mut out, SioType::Event, nsp, None);
    out.push('[');
    write_js_str(&mut out, name);
    for arg in args {
        out.push(',');
        write_js(&mut out, arg);
    }
    out.push(']');
    out
}

/// Like [`encode_event`] with arguments that are already serialised JSON texts (for
/// example a payload relayed from another instance, already in JavaScript form). The
/// caller guarantees each fragment is one valid JSON value.
pub fn encode_event_raw(nsp: &str, name: &str, raw_args: &[&str]) -> String {
    let len: usize = raw_args.iter().map(|a| a.len() + 1).sum();
    let mut out = String::with_capacity(nsp.len() + name.len() + len + 8);
    write_header(&mut out, SioType::Event, nsp, None);
    out.push('[');
    write_js_str(&mut out, name);
    for arg in raw_args {
        out.push(',');
        out.push_str(arg);
    }
    out.push(']');
    out
}

/// `3/remote-control,12[arg…]`: the answer to a client EVENT that carried ack id `id`.
pub fn encode_ack(nsp: &str, id: u64, args: &[Value]) -> String {
    let mut out = String::with_capacity(nsp.len() + 24);
    write_header(&mut out, SioType::Ack, nsp, Some(id));
    out.push('[');
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_js(&mut out, arg);
    }
    out.push(']');
    out
}

/// Like [`encode_ack`] with already serialised JSON arguments.
pub fn encode_ack_raw(nsp: &str, id: u64, raw_args: &[&str]) -> String {
    let mut out = String::with_capacity(nsp.len() + 24);
    write_header(&mut out, SioType::Ack, nsp, Some(id));
    out.push('[');
    out.push_str(&raw_args.join(","));
    out.push(']');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "socketio_tests.rs"]
mod tests;

//! # Wire codecs for the realtime API (Engine.IO v4 / Socket.IO v5)
//!
//! Pure functions only: text in, packets out, and back. Nothing here knows about sessions,
//! sockets, timers or authentication, so every rule of `realtime.md` §2.3 and §3.1 can be
//! tested byte for byte without a server.
//!
//! * [`engineio`] — the outer layer: one type digit plus a payload per packet, the `0{…}`
//!   open packet, and polling bodies joined by the record separator `0x1E`.
//! * [`socketio`] — the inner layer carried by Engine.IO `4` (message) packets: type digit,
//!   attachment count for binary types, namespace, ack id and JSON payload, decoded with the
//!   rules of the reference `socket.io-parser` (including its payload-shape checks).
//! * [`jsjson`] — JSON written the way JavaScript's `JSON.stringify` writes it. Relayed
//!   payloads are re-serialised, and the desktop client misreads `240.0` where the
//!   reference server (Node.js) always wrote `240`, so serde_json's own float form is not
//!   acceptable on the wire (§3.1 "JSON number form").
//!
//! Every decoder returns a [`ProtocolError`] for malformed input and never panics; the
//! session layer maps any error to "close the session, websocket code 1002" (§3.7).
//! Decoders borrow from the input and allocate only for the parsed JSON payload (whose
//! nesting depth is capped by serde_json's recursion limit of 128).

pub mod engineio;
pub mod jsjson;
pub mod socketio;

pub use engineio::EioPacket;
pub use socketio::{SioPacket, SioType};

/// Why a frame, polling body or packet could not be decoded.
///
/// The session layer treats every variant the same way (protocol error → close); the
/// variants exist so logs say what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// An empty packet (no type digit).
    #[error("empty packet")]
    Empty,
    /// The first character is not a known packet type digit.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// An Engine.IO `b…` base64 binary packet; the server supports text packets only.
    #[error("binary packets are not supported")]
    BinaryUnsupported,
    /// A polling body that is not valid UTF-8.
    #[error("payload is not valid UTF-8")]
    InvalidUtf8,
    /// A polling body with no packet, or an empty packet between two `0x1E` separators.
    #[error("empty packet in polling payload")]
    EmptySegment,
    /// A binary Socket.IO packet whose attachment count is missing, not decimal, too large
    /// or not followed by `-`.
    #[error("illegal attachment count")]
    IllegalAttachments,
    /// An ack id that does not fit in 2^53 (JavaScript's safe integer range).
    #[error("ack id out of range")]
    AckIdOutOfRange,
    /// The payload text is not valid JSON (or nests deeper than 128 levels).
    #[error("invalid JSON payload: {0}")]
    InvalidJson(String),
    /// The payload is valid JSON but has the wrong shape for the packet type.
    #[error("invalid payload for {0:?} packet")]
    InvalidPayload(SioType),
    /// An EVENT whose name is reserved by Socket.IO (`connect`, `disconnect`, …).
    #[error("reserved event name {0:?}")]
    ReservedEvent(String),
}

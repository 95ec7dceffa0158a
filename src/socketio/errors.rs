//! Engine.IO's HTTP error answers (`realtime.md` §2.7).

use actix_web::http::header;
use actix_web::HttpResponse;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EioError {
    TransportUnknown,
    SessionIdUnknown,
    BadHandshakeMethod,
    BadRequest,
    UnsupportedProtocolVersion,
}

impl EioError {
    fn code_message(self) -> (u8, &'static str) {
        match self {
            EioError::TransportUnknown => (0, "Transport unknown"),
            EioError::SessionIdUnknown => (1, "Session ID unknown"),
            EioError::BadHandshakeMethod => (2, "Bad handshake method"),
            EioError::BadRequest => (3, "Bad request"),
            EioError::UnsupportedProtocolVersion => (5, "Unsupported protocol version"),
        }
    }

    /// JSON answer for polling and plain HTTP requests.
    pub fn json(self) -> HttpResponse {
        let (code, message) = self.code_message();
        HttpResponse::BadRequest().json(json!({"code": code, "message": message}))
    }

    /// Answer to a failed websocket upgrade: unknown sid and bad requests get a raw
    /// `400 Bad request`; the others keep their JSON form.
    pub fn upgrade(self) -> HttpResponse {
        match self {
            EioError::SessionIdUnknown | EioError::BadRequest => HttpResponse::BadRequest()
                .insert_header((header::CONNECTION, "close"))
                .content_type("text/plain")
                .body("Bad request"),
            other => other.json(),
        }
    }
}

//! `JsonBody`: the lenient JSON body of `rest-api.md` §1.4.
//!
//! Parsed when `Content-Type` is `application/json` (any parameters) or absent; an empty
//! body is `{}`; malformed JSON → 400 `Invalid JSON body.`; over 100 kB → 413. Bodies
//! are kept as `serde_json::Value` and validated field by field by the handlers, which
//! is what lets them report every violation with the reference's messages.

use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::error::{ApiError, INVALID_JSON};
use crate::state::AppState;

pub struct JsonBody(pub Map<String, Value>);

const DEFAULT_LIMIT: usize = 100_000;

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<JsonBody, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<AppState>>().map_or(DEFAULT_LIMIT, |s| s.settings.json_body_limit);
        let content_type = req.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap_or("").to_ascii_lowercase());
        let declared_len = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if let Some(ct) = &content_type {
                let essence = ct.split(';').next().unwrap_or("").trim();
                if essence != "application/json" {
                    return Err(ApiError::BadRequest("Content-Type must be application/json.".into()));
                }
            }
            if declared_len.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge);
            }
            let mut buf = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::BadRequest(INVALID_JSON.into()))?;
                if buf.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge);
                }
                buf.extend_from_slice(&chunk);
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(JsonBody(Map::new()));
            }
            match serde_json::from_slice::<Value>(&buf) {
                Ok(Value::Object(map)) => Ok(JsonBody(map)),
                Ok(_) => Err(ApiError::invalid("body", &[], "{} must be of type object")),
                Err(_) => Err(ApiError::BadRequest(INVALID_JSON.into())),
            }
        })
    }
}

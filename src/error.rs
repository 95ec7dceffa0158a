//! The one error type at the HTTP edge and the reference envelope
//! `{success, message?, data?}` (`rest-api.md` §1.2).
//!
//! Handlers return `Result<HttpResponse, ApiError>`; each variant names its status and
//! fixed message. Internal causes (`Internal`, `Unavailable`) are logged here and never
//! shown to clients.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use infinidream_actors::DomainError;
use serde::Serialize;
use serde_json::{json, Value};

pub const NOT_FOUND: &str = "Not found.";
pub const NOT_ALLOWED: &str = "Action not allowed.";
pub const INTERNAL: &str = "Internal Server Error.";
pub const NO_CREDENTIALS: &str = "Invalid credentials provided.";
pub const AUTH_FAILED: &str = "Authentication failed.";
pub const INVALID_API_KEY: &str = "Invalid apikey.";
pub const INVALID_JSON: &str = "Invalid JSON body.";
pub const TOO_LARGE: &str = "Payload too large.";
pub const UNAVAILABLE: &str = "Service unavailable.";
pub const CORS_DENIED: &str = "Not allowed by CORS.";

/// One violation of a request's shape (`rest-api.md` §1.5).
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// Path joined with `", "`, starting with the part: `body, name`.
    pub field: String,
    pub message: String,
}

impl Violation {
    /// `part` is `body`, `query` or `params`; `path` the keys below it. The label inside
    /// the message is the dotted path (`"body.name" is required`) and `template` uses
    /// `{}` for it.
    pub fn new(part: &str, path: &[&str], template: &str) -> Violation {
        let mut field = vec![part];
        field.extend_from_slice(path);
        let mut label = part.to_string();
        for seg in path {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                label.push_str(&format!("[{seg}]"));
            } else {
                label.push('.');
                label.push_str(seg);
            }
        }
        Violation { field: field.join(", "), message: template.replace("{}", &format!("\"{label}\"")) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    /// 404 with an endpoint-specific message (`Start keyframe not found`, …).
    #[error("not found: {0}")]
    NotFoundWith(&'static str),
    #[error("forbidden")]
    Forbidden,
    /// 401; `authorization_url` is added as `data.authorizationUrl` where the spec says so.
    #[error("unauthorized: {message}")]
    Unauthorized { message: &'static str, authorization_url: Option<String>, clear_cookie: bool },
    #[error("validation failed")]
    Validation(Vec<Violation>),
    /// 400 with a fixed client-facing message.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("cors origin denied")]
    CorsDenied,
    #[error("too many requests")]
    TooManyRequests { message: &'static str, retry_after_secs: u64 },
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(part: &str, path: &[&str], template: &str) -> ApiError {
        ApiError::Validation(vec![Violation::new(part, path, template)])
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Conflict(m) => ApiError::Conflict(m),
            DomainError::Invalid(m) => ApiError::BadRequest(m),
            DomainError::Unavailable(m) => ApiError::Unavailable(m),
            DomainError::Internal(m) => ApiError::Internal(m),
        }
    }
}

/// `{"success":false,"message":…}` plus `data` when given.
pub fn error_body(message: &str, data: Option<Value>) -> Value {
    match data {
        Some(d) => json!({"success": false, "message": message, "data": d}),
        None => json!({"success": false, "message": message}),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound | ApiError::NotFoundWith(_) => StatusCode::NOT_FOUND,
            ApiError::Forbidden | ApiError::CorsDenied => StatusCode::FORBIDDEN,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Validation(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            ApiError::NotFound => error_body(NOT_FOUND, None),
            ApiError::NotFoundWith(m) => error_body(m, None),
            ApiError::Forbidden => error_body(NOT_ALLOWED, None),
            ApiError::CorsDenied => error_body(CORS_DENIED, None),
            ApiError::Unauthorized { message, authorization_url, .. } => {
                error_body(message, authorization_url.as_ref().map(|u| json!({"authorizationUrl": u})))
            }
            ApiError::Validation(v) => {
                let message = v.iter().map(|x| x.message.as_str()).collect::<Vec<_>>().join(". ");
                error_body(&message, Some(json!(v)))
            }
            ApiError::BadRequest(m) => error_body(m, None),
            ApiError::Conflict(m) => error_body(m, None),
            ApiError::PayloadTooLarge => error_body(TOO_LARGE, None),
            ApiError::TooManyRequests { message, .. } => error_body(message, None),
            ApiError::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "dependency unavailable");
                error_body(UNAVAILABLE, None)
            }
            ApiError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                error_body(INTERNAL, None)
            }
        };
        let mut res = HttpResponse::build(self.status_code());
        if let ApiError::TooManyRequests { retry_after_secs, .. } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let ApiError::Unauthorized { clear_cookie: true, .. } = self {
            res.cookie(crate::auth::clearing_cookie());
        }
        res.json(body)
    }
}

/// `{"success":true,"data":<data>}`, written straight from `data`. (`json!` would first
/// copy `data` into a new `Value` tree, a deep copy of every list answered.)
#[derive(Serialize)]
pub struct Success<T> {
    success: bool,
    data: T,
}

pub fn success<T: Serialize>(data: T) -> Success<T> {
    Success { success: true, data }
}

/// `200 {"success":true,"data":<data>}`.
pub fn ok(data: impl Serialize) -> HttpResponse {
    HttpResponse::Ok().json(success(data))
}

/// `200 {"success":true,"message":<message>}`.
pub fn ok_message(message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({"success": true, "message": message}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_envelope_is_the_json_macro_shape() {
        let data = json!({"dreams": [{"id": 1, "name": "a\"b"}], "count": 1});
        let want = serde_json::to_string(&json!({"success": true, "data": data.clone()})).unwrap_or_default();
        assert_eq!(serde_json::to_string(&success(&data)).unwrap_or_default(), want);
        assert_eq!(serde_json::to_string(&success(7)).unwrap_or_default(), r#"{"success":true,"data":7}"#);
    }

    #[test]
    fn violation_labels_and_fields_follow_the_reference_format() {
        let v = Violation::new("body", &["order", "0", "id"], "{} is required");
        assert_eq!(v.field, "body, order, 0, id");
        assert_eq!(v.message, "\"body.order[0].id\" is required");
        let v = Violation::new("params", &["uuid"], "{} must be a valid GUID");
        assert_eq!(v.message, "\"params.uuid\" must be a valid GUID");
    }

    #[test]
    fn every_error_has_an_envelope_with_success_false() {
        let errors = [
            ApiError::NotFound,
            ApiError::Forbidden,
            ApiError::PayloadTooLarge,
            ApiError::Internal("secret cause".into()),
            ApiError::Unavailable("db down".into()),
            ApiError::Validation(vec![Violation::new("body", &["a"], "{} is required")]),
        ];
        for e in errors {
            let res = e.error_response();
            assert!(res.status().is_client_error() || res.status().is_server_error());
        }
    }
}

//! The edge middleware every request passes through, outermost first:
//!
//! 0. the path is normalised before anything looks at it: trailing slashes trimmed,
//!    repeated slashes merged (`/api/v1//keyframe/` → `/api/v1/keyframe`), the query kept;
//!    the Engine.IO path `/socket.io/` is routed as clients send it.
//!    This is actix's `NormalizePath::trim` semantics, without its per-request regex and
//!    copy for the usual path that needs nothing;
//! 1. a tracing span with a request id (echoed as `X-Request-Id`); the path is logged
//!    without its query string, headers and bodies are never logged;
//! 2. CORS (`cors.rs`): preflights answered here, disallowed origins get 403;
//! 3. the request time-out (`REQUEST_TIMEOUT_SECS` → 503), except for the realtime
//!    transport whose long-polls and upgrades manage their own time;
//! 4. panic containment: a panicking handler answers 500 in the envelope;
//! 5. the envelope safety net: any error response that is not already JSON (actix's own
//!    404/405/413 answers, extractor errors) is rewritten into the envelope, and an
//!    unmatched method answers 404 like an unmatched path;
//! 6. the `wos-session` cookie: rendered with its configured attributes, including a token
//!    rotated while authenticating the request (`auth::cookie::finalize`).

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse, Url};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use futures_util::FutureExt;
use tracing::Instrument;

use super::cors::{self, CorsDecision};
use crate::error::{
    error_body, ApiError, CORS_DENIED, INTERNAL, NOT_ALLOWED, NOT_FOUND, NO_CREDENTIALS, TOO_LARGE, UNAVAILABLE,
};
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Sent on every answer (API and realtime transport). All are standard names, so none is
/// parsed per response.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")),
    (header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000")),
];
const POWERED_BY: HeaderName = HeaderName::from_static("x-powered-by");

/// True for paths served by the Engine.IO transport, which answers in its own formats.
pub fn is_realtime_path(path: &str) -> bool {
    path == "/socket.io" || path.starts_with("/socket.io/")
}

/// The path of every Engine.IO request of the standard clients: routed as is, so the
/// trailing slash is not rewritten on each realtime request.
pub const ENGINE_IO_PATH: &str = "/socket.io/";

/// `path` with trailing slashes trimmed and runs of slashes merged, or `None` when that
/// changes nothing (the common case, decided without allocating). An all-slash path
/// becomes `/`; [`ENGINE_IO_PATH`] stays.
fn normalized(path: &str) -> Option<String> {
    if path == ENGINE_IO_PATH {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() && !path.contains("//") {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for c in trimmed.chars() {
        if c != '/' || !out.ends_with('/') {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    (out != path).then_some(out)
}

/// Rewrites the request's URI (and the router's view of it) to the normalised path.
fn normalize_path(req: &mut ServiceRequest) {
    let head = req.head_mut();
    let Some(path) = normalized(head.uri.path()) else { return };
    let mut parts = head.uri.clone().into_parts();
    let with_query = match parts.path_and_query.as_ref().and_then(|pq| pq.query()) {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    // Both parses only fail for bytes the original URI could not have held.
    let Ok(pq) = PathAndQuery::try_from(with_query) else { return };
    parts.path_and_query = Some(pq);
    let Ok(uri) = Uri::from_parts(parts) else { return };
    req.match_info_mut().set(Url::new(uri.clone()));
    req.head_mut().uri = uri;
}

pub async fn edge(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    normalize_path(&mut req);
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.into_response(HttpResponse::InternalServerError().json(error_body(INTERNAL, None))));
    };
    let request_id = crate::config::random_b64url(12);
    let span = tracing::info_span!("http", request_id = %request_id, method = %req.method(), path = %req.path());
    async move {
        let started = Instant::now();
        let realtime = is_realtime_path(req.path());
        let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_string);
        let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
        let decision = match origin.as_deref() {
            Some(o) if cors::same_origin(o, host) => CorsDecision::NoOrigin,
            o => cors::decide(&state.settings, o),
        };
        if decision == CorsDecision::Denied && realtime {
            // Engine.IO answers a bad Origin with its own "Bad request" (§2.7): raw for a
            // websocket upgrade, JSON for polling.
            tracing::info!(status = 400, "realtime origin not allowed");
            let upgrade = req
                .headers()
                .get(header::UPGRADE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
            let res = if upgrade {
                HttpResponse::BadRequest()
                    .insert_header((header::CONNECTION, "close"))
                    .content_type("text/plain")
                    .body("Bad request")
            } else {
                HttpResponse::BadRequest().json(serde_json::json!({"code": 3, "message": "Bad request"}))
            };
            return Ok(req.into_response(res));
        }
        if decision == CorsDecision::Denied {
            tracing::info!(status = 403, "origin not allowed by CORS");
            return Ok(req.into_response(HttpResponse::Forbidden().json(error_body(CORS_DENIED, None))));
        }
        if req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
            let methods = if realtime { "GET, POST" } else { cors::ALLOWED_METHODS };
            let mut res = HttpResponse::NoContent();
            res.insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods));
            res.insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, cors::ALLOWED_HEADERS));
            res.insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"));
            let mut res = req.into_response(res.finish());
            decorate(&mut res, &state, &request_id, origin.as_deref());
            return Ok(res);
        }

        // No clone of the request may be held across the inner call: routing needs
        // unique access to it. Failures below are returned as `ApiError`s, which actix
        // renders through `ResponseError` (the envelope).
        let call = match std::panic::catch_unwind(AssertUnwindSafe(move || next.call(req))) {
            Ok(call) => AssertUnwindSafe(call).catch_unwind(),
            Err(_panic) => {
                tracing::error!("request handling panicked");
                return Err(ApiError::Internal("handler panicked".into()).into());
            }
        };
        let outcome = if realtime {
            Some(call.await)
        } else {
            tokio::time::timeout(state.settings.request_timeout, call).await.ok()
        };
        let mut res = match outcome {
            Some(Ok(Ok(res))) => res.map_into_boxed_body(),
            Some(Ok(Err(e))) => return Err(e),
            Some(Err(_panic)) => {
                tracing::error!("handler panicked");
                return Err(ApiError::Internal("handler panicked".into()).into());
            }
            None => {
                tracing::warn!("request timed out");
                return Err(ApiError::Unavailable("request timed out".into()).into());
            }
        };
        if !realtime {
            res = envelope_safety_net(res);
            crate::auth::cookie::finalize(&mut res, &state.settings.auth);
        }
        decorate(&mut res, &state, &request_id, origin.as_deref());
        let status = res.status().as_u16();
        crate::http::metrics::record_http(res.request().match_pattern().as_deref(), status);
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::warn!(status, latency_ms, "request failed");
        } else {
            tracing::info!(status, latency_ms, "request");
        }
        Ok(res)
    }
    .instrument(span)
    .await
}

fn is_json(res: &ServiceResponse<BoxBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

/// Rewrites non-envelope error responses into the envelope.
fn envelope_safety_net(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if status.as_u16() < 400 || is_json(&res) {
        return res;
    }
    let (status, message) = match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => (StatusCode::NOT_FOUND, NOT_FOUND),
        StatusCode::PAYLOAD_TOO_LARGE => (status, TOO_LARGE),
        StatusCode::UNAUTHORIZED => (status, NO_CREDENTIALS),
        StatusCode::FORBIDDEN => (status, NOT_ALLOWED),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => (StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE),
        s if s.is_server_error() => (status, INTERNAL),
        _ => (status, "Bad request."),
    };
    let (req, _) = res.into_parts();
    ServiceResponse::new(req, HttpResponse::build(status).json(error_body(message, None)))
}

fn decorate(res: &mut ServiceResponse<BoxBody>, state: &AppState, request_id: &str, origin: Option<&str>) {
    let headers = res.headers_mut();
    if let Some(v) = &state.powered_by {
        headers.insert(POWERED_BY, v.clone());
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID, v);
    }
    // A JSON API: nothing here is meant to be framed, sniffed or rendered as a page. The
    // one HTML page (the API docs) sets its own, wider, policy, which is kept.
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
    if let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn normalized_paths() {
        for unchanged in ["/", "", "/api/v1/client/hello", "/socket.io", "/socket.io/", "/a/b%2F/c"] {
            assert_eq!(normalized(unchanged), None, "{unchanged}");
        }
        for (path, want) in [
            ("/api/v1/keyframe/", "/api/v1/keyframe"),
            ("/api/v1//keyframe", "/api/v1/keyframe"),
            ("//api///v1//keyframe///", "/api/v1/keyframe"),
            ("//", "/"),
            ("///", "/"),
            ("/a/", "/a"),
            ("/socket.io//", "/socket.io"),
        ] {
            assert_eq!(normalized(path).as_deref(), Some(want), "{path}");
        }
    }

    #[test]
    fn normalize_path_keeps_the_query_and_updates_the_router_view() {
        let mut req = TestRequest::with_uri("/api/v1//dream/?take=5&q=a//b").to_srv_request();
        normalize_path(&mut req);
        assert_eq!(req.uri().path(), "/api/v1/dream");
        assert_eq!(req.uri().query(), Some("take=5&q=a//b"));
        assert_eq!(req.match_info().as_str(), "/api/v1/dream");

        let mut req = TestRequest::with_uri("/api/v1/dream?take=5").to_srv_request();
        normalize_path(&mut req);
        assert_eq!(req.uri().to_string(), "/api/v1/dream?take=5");
    }
}

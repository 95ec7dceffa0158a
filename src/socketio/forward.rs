//! Long-polling without sticky sessions (`realtime.md` §2.8).
//!
//! Every instance advertises itself in Redis as `instance:<id>` →
//! `{"addr": INSTANCE_ADVERTISE_ADDR, "started_at": <ms>}` (TTL 30 s, refreshed every
//! 10 s, deleted at shutdown). Engine.IO sids start with the owning instance's id, so a
//! polling request that reaches the wrong instance is forwarded over HTTP to the owner,
//! marked with `X-Infinidream-Forwarded`, and the owner's answer is relayed unchanged.
//! Requests are never forwarded twice; an unknown or unreachable owner gets
//! `Session ID unknown`, and the client reconnects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::http::header::{self, HeaderName};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use infinidream_actors::kv::Kv;
use serde_json::json;

use super::errors::EioError;
use super::MAX_PAYLOAD;

pub const FORWARDED_HEADER: &str = "x-infinidream-forwarded";
pub const REGISTRY_TTL: Duration = Duration::from_secs(30);
pub const REGISTRY_REFRESH: Duration = Duration::from_secs(10);
/// Longer than `pingInterval`: a forwarded GET may be held that long by the owner.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(60);

pub fn registry_key(instance: &str) -> String {
    format!("instance:{instance}")
}

/// Writes this instance's registry entry (called every `REGISTRY_REFRESH`).
pub async fn advertise(kv: &Kv, instance: &str, addr: &str, started_at_ms: u64) {
    let value = json!({"addr": addr, "started_at": started_at_ms}).to_string();
    if let Err(e) = kv.set_ex(&registry_key(instance), &value, REGISTRY_TTL).await {
        tracing::warn!(error = %e, "instance registry refresh failed");
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

async fn owner_addr(kv: &Kv, owner: &str) -> Option<String> {
    let raw = kv.get(&registry_key(owner)).await.ok()??;
    let v: serde_json::Value = serde_json::from_str(&raw).ok()?;
    Some(v.get("addr")?.as_str()?.trim_end_matches('/').to_string())
}

/// Headers that describe one hop and must not be copied.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "te" | "trailer" | "upgrade" | "host" | "content-length"
    )
}

/// Forwards a polling request to the instance named by `owner` (the sid's prefix).
pub async fn forward(
    req: &HttpRequest,
    mut body: web::Payload,
    kv: &Kv,
    me: &str,
    owner: &str,
    client: &reqwest::Client,
) -> HttpResponse {
    if req.headers().contains_key(FORWARDED_HEADER) {
        return EioError::SessionIdUnknown.json();
    }
    let Some(addr) = owner_addr(kv, owner).await else {
        return EioError::SessionIdUnknown.json();
    };
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else { return EioError::BadRequest.json() };
        if bytes.len() + chunk.len() > MAX_PAYLOAD {
            return HttpResponse::PayloadTooLarge().finish();
        }
        bytes.extend_from_slice(&chunk);
    }
    let url = format!("{addr}{}?{}", req.path(), req.query_string());
    let Ok(method) = reqwest::Method::from_bytes(req.method().as_str().as_bytes()) else {
        return EioError::BadRequest.json();
    };
    let mut out = client.request(method, &url).timeout(FORWARD_TIMEOUT).header(FORWARDED_HEADER, me);
    for (name, value) in req.headers() {
        if !hop_by_hop(name) {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let res = match out.body(bytes.freeze()).send().await {
        Ok(res) => res,
        Err(e) => {
            tracing::warn!(owner, error = %e, "polling forward failed");
            return EioError::SessionIdUnknown.json();
        }
    };
    let status = actix_web::http::StatusCode::from_u16(res.status().as_u16())
        .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    let mut answer = HttpResponse::build(status);
    for (name, value) in res.headers() {
        if let Ok(name) = HeaderName::from_bytes(name.as_str().as_bytes()) {
            if !hop_by_hop(&name) && name != header::DATE && name.as_str() != "x-request-id" {
                answer.insert_header((name, value.as_bytes()));
            }
        }
    }
    match res.bytes().await {
        Ok(body) => answer.body(body),
        Err(_) => EioError::SessionIdUnknown.json(),
    }
}

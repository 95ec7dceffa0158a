//! Abuse limits on the auth endpoints (issue #5): a fixed-window counter per client
//! address and one per account (email or session) for each endpoint, answered with 429
//! `Too many requests, please try, again later.` and `Retry-After` (seconds to the end
//! of the window). Counters live in Redis under `REDIS_PREFIX` (shared by instances).
//!
//! Accounts are keyed by a digest of the lower-cased email, so Redis never holds
//! addresses. The client address is the peer address, or the last `X-Forwarded-For` hop
//! when `TRUST_X_FORWARDED_FOR=true` (set only behind a proxy that appends it; the first
//! hops are client-controlled).

use actix_web::HttpRequest;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

pub const TOO_MANY: &str = "Too many requests, please try, again later.";

/// The client address used for per-IP limits.
pub fn client_ip(state: &AppState, req: &HttpRequest) -> String {
    if state.settings.auth.trust_forwarded_for {
        let last_hop = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if let Some(ip) = last_hop {
            return ip;
        }
    }
    req.peer_addr().map_or_else(|| "unknown".to_string(), |a| a.ip().to_string())
}

fn limited(hits: u64, limit: u32, ttl: u64) -> Result<(), ApiError> {
    if hits > u64::from(limit) {
        Err(ApiError::TooManyRequests { message: TOO_MANY, retry_after_secs: ttl })
    } else {
        Ok(())
    }
}

/// Counts one request to `endpoint` from the client address. Runs before body
/// validation, so malformed requests count too.
pub async fn ip(state: &AppState, req: &HttpRequest, endpoint: &str) -> Result<(), ApiError> {
    let key = format!("ratelimit:{endpoint}:ip:{}", client_ip(state, req));
    let (hits, ttl) = state.auth.kv.hit(&key, state.settings.auth.rate_limit_window).await;
    limited(hits, state.settings.auth.rate_limit_per_ip, ttl)
}

/// Counts one request to `endpoint` for an account (an email, case-insensitive).
pub async fn account(state: &AppState, endpoint: &str, account: &str) -> Result<(), ApiError> {
    let digest = hex::encode(Sha256::digest(account.trim().to_lowercase().as_bytes()));
    let key = format!("ratelimit:{endpoint}:acct:{}", &digest[..32]);
    let (hits, ttl) = state.auth.kv.hit(&key, state.settings.auth.rate_limit_window).await;
    limited(hits, state.settings.auth.rate_limit_per_account, ttl)
}

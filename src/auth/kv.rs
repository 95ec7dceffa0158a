//! Small expiring state for auth: fixed-window rate-limit counters (here) and the API-key
//! reveal copies (the shared [`infinidream_actors::kv::Kv`]). Redis under `REDIS_PREFIX`
//! when configured, so limits and reveals hold across instances; in-process otherwise
//! (single-instance mode).
//!
//! Rate-limit counters fall back to the in-process map when Redis fails (a Redis outage
//! must not lock everybody out); reveal reads/writes report the failure (503) instead.
//! The in-process counter map is pruned on write so it stays bounded by live keys.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;
use crate::state::RedisPool;

pub struct Kv {
    redis: Option<RedisPool>,
    prefix: String,
    counters: Mutex<HashMap<String, (u64, Instant)>>,
    values: infinidream_actors::kv::Kv,
}

/// Entries beyond which the in-process maps are swept for expired keys on write.
const SWEEP_AT: usize = 10_000;

impl Kv {
    pub fn new(redis: Option<RedisPool>, prefix: &str) -> Kv {
        let values = match &redis {
            Some(pool) => infinidream_actors::kv::Kv::redis(pool.clone(), prefix),
            None => infinidream_actors::kv::Kv::memory(),
        };
        Kv { redis, prefix: prefix.to_string(), counters: Mutex::default(), values }
    }

    fn key(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    /// Counts a hit in the current fixed window; returns (hits, seconds until the window ends).
    pub async fn hit(&self, key: &str, window: Duration) -> (u64, u64) {
        let key = self.key(key);
        if let Some(pool) = &self.redis {
            match redis_hit(pool, &key, window).await {
                Ok(r) => return r,
                Err(e) => tracing::warn!(error = %e, "rate limit counter: Redis failed, counting in memory"),
            }
        }
        let now = Instant::now();
        let Ok(mut map) = self.counters.lock() else { return (0, 0) };
        if map.len() > SWEEP_AT {
            map.retain(|_, (_, until)| *until > now);
        }
        let entry = map.entry(key).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        (entry.0, entry.1.saturating_duration_since(now).as_secs().max(1))
    }

    pub async fn set_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<(), ApiError> {
        self.values.set_ex(key, value, ttl).await.map_err(|e| ApiError::Unavailable(e.to_string()))
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.values.get(key).await.map_err(|e| ApiError::Unavailable(e.to_string()))
    }

    pub async fn del(&self, key: &str) -> Result<(), ApiError> {
        self.values.del(key).await.map_err(|e| ApiError::Unavailable(e.to_string()))
    }
}

async fn redis_hit(pool: &RedisPool, key: &str, window: Duration) -> Result<(u64, u64), String> {
    let mut conn = pool.get().await.map_err(|e| e.0)?;
    let (count, ttl): (u64, i64) = redis::pipe()
        .atomic()
        .cmd("INCR")
        .arg(key)
        .cmd("EXPIRE")
        .arg(key)
        .arg(window.as_secs().max(1))
        .arg("NX")
        .ignore()
        .cmd("TTL")
        .arg(key)
        .query_async(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok((count, u64::try_from(ttl).unwrap_or(1).max(1)))
}

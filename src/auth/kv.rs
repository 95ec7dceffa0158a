//! Small expiring key-value state for auth: fixed-window rate-limit counters and the API
//! key reveal copies. Redis (under `REDIS_PREFIX`) when configured, so limits and reveals
//! are shared by every instance; an in-process map otherwise (single-instance mode).
//!
//! Rate-limit counters fall back to the in-process map when Redis fails (a Redis outage
//! must not lock everybody out); reveal reads/writes report the failure instead. The
//! in-process maps are pruned on write so they stay bounded by live keys.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;
use crate::state::RedisPool;

pub struct Kv {
    redis: Option<RedisPool>,
    prefix: String,
    counters: Mutex<HashMap<String, (u64, Instant)>>,
    values: Mutex<HashMap<String, (String, Instant)>>,
}

/// Entries beyond which the in-process maps are swept for expired keys on write.
const SWEEP_AT: usize = 10_000;

impl Kv {
    pub fn new(redis: Option<RedisPool>, prefix: &str) -> Kv {
        Kv { redis, prefix: prefix.to_string(), counters: Mutex::default(), values: Mutex::default() }
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
        let key = self.key(key);
        if let Some(pool) = &self.redis {
            let mut conn = pool.get().await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
            return redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .query_async::<()>(&mut *conn)
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()));
        }
        let now = Instant::now();
        let mut map = self.values.lock().map_err(|_| ApiError::internal("kv lock poisoned"))?;
        if map.len() > SWEEP_AT {
            map.retain(|_, (_, until)| *until > now);
        }
        map.insert(key, (value.to_string(), now + ttl));
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, ApiError> {
        let key = self.key(key);
        if let Some(pool) = &self.redis {
            let mut conn = pool.get().await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
            return redis::cmd("GET")
                .arg(&key)
                .query_async::<Option<String>>(&mut *conn)
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()));
        }
        let map = self.values.lock().map_err(|_| ApiError::internal("kv lock poisoned"))?;
        Ok(map.get(&key).filter(|(_, until)| *until > Instant::now()).map(|(v, _)| v.clone()))
    }

    pub async fn del(&self, key: &str) -> Result<(), ApiError> {
        let key = self.key(key);
        if let Some(pool) = &self.redis {
            let mut conn = pool.get().await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
            return redis::cmd("DEL")
                .arg(&key)
                .query_async::<()>(&mut *conn)
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()));
        }
        self.values.lock().map_err(|_| ApiError::internal("kv lock poisoned"))?.remove(&key);
        Ok(())
    }
}

async fn redis_hit(pool: &RedisPool, key: &str, window: Duration) -> Result<(u64, u64), String> {
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
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
        .query_async(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok((count, u64::try_from(ttl).unwrap_or(1).max(1)))
}

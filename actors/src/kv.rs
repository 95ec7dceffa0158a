//! Short-lived shared state (`state_sync`, job progress, reveal windows): Redis when
//! `REDIS_URL` is set, so every instance sees it, else an in-memory TTL map
//! (single-instance mode). Keys are given without `REDIS_PREFIX`; the store adds it.
//!
//! Failures are returned, never retried here: callers log them and carry on (a lost
//! `state_sync` replay must not block a relay).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::redisconn::RedisConn;
pub use crate::redisconn::RedisPool;

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("redis unavailable: {0}")]
    Unavailable(String),
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
}

#[derive(Clone)]
pub enum Kv {
    Redis { pool: RedisPool, prefix: Arc<str> },
    Memory(Arc<Mutex<HashMap<String, (String, Instant)>>>),
}

/// Bound on the in-memory map: expired entries are swept when it grows past this.
const MEMORY_SWEEP_AT: usize = 10_000;

impl Kv {
    pub fn redis(pool: RedisPool, prefix: &str) -> Kv {
        Kv::Redis { pool, prefix: prefix.into() }
    }

    pub fn memory() -> Kv {
        Kv::Memory(Arc::new(Mutex::new(HashMap::new())))
    }

    pub fn prefix(&self) -> &str {
        match self {
            Kv::Redis { prefix, .. } => prefix,
            Kv::Memory(_) => "",
        }
    }

    async fn conn(pool: &RedisPool) -> Result<RedisConn<'_>, KvError> {
        pool.get().await.map_err(|e| KvError::Unavailable(e.0))
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        match self {
            Kv::Redis { pool, prefix } => {
                let mut c = Self::conn(pool).await?;
                Ok(redis::cmd("GET").arg(format!("{prefix}{key}")).query_async(&mut c).await?)
            }
            Kv::Memory(m) => {
                let map = m.lock().unwrap_or_else(|p| p.into_inner());
                Ok(map.get(key).filter(|(_, exp)| *exp > Instant::now()).map(|(v, _)| v.clone()))
            }
        }
    }

    /// Several keys at once, in order: one `MGET` on a single node; on a cluster (keys in
    /// different slots) one `GET` per key, all in flight together on the shared
    /// connection.
    pub async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, KvError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Kv::Redis { pool, .. } if pool.is_cluster() => {
                futures_util::future::join_all(keys.iter().map(|k| self.get(k))).await.into_iter().collect()
            }
            Kv::Redis { pool, prefix } => {
                let mut c = Self::conn(pool).await?;
                let mut cmd = redis::cmd("MGET");
                for key in keys {
                    cmd.arg(format!("{prefix}{key}"));
                }
                Ok(cmd.query_async(&mut c).await?)
            }
            Kv::Memory(m) => {
                let map = m.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                Ok(keys.iter().map(|k| map.get(k).filter(|(_, exp)| *exp > now).map(|(v, _)| v.clone())).collect())
            }
        }
    }

    pub async fn set_ex(&self, key: &str, value: &str, ttl: Duration) -> Result<(), KvError> {
        match self {
            Kv::Redis { pool, prefix } => {
                let mut c = Self::conn(pool).await?;
                let _: () = redis::cmd("SET")
                    .arg(format!("{prefix}{key}"))
                    .arg(value)
                    .arg("EX")
                    .arg(ttl.as_secs().max(1))
                    .query_async(&mut c)
                    .await?;
                Ok(())
            }
            Kv::Memory(m) => {
                let mut map = m.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                if map.len() >= MEMORY_SWEEP_AT {
                    map.retain(|_, (_, exp)| *exp > now);
                }
                map.insert(key.to_string(), (value.to_string(), now + ttl));
                Ok(())
            }
        }
    }

    pub async fn del(&self, key: &str) -> Result<(), KvError> {
        match self {
            Kv::Redis { pool, prefix } => {
                let mut c = Self::conn(pool).await?;
                let _: i64 = redis::cmd("DEL").arg(format!("{prefix}{key}")).query_async(&mut c).await?;
                Ok(())
            }
            Kv::Memory(m) => {
                m.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_honours_ttl_and_delete() {
        let kv = Kv::memory();
        kv.set_ex("a", "1", Duration::from_secs(60)).await.unwrap();
        assert_eq!(kv.get("a").await.unwrap().as_deref(), Some("1"));
        kv.set_ex("b", "2", Duration::ZERO).await.unwrap();
        assert_eq!(kv.get("b").await.unwrap(), None);
        kv.del("a").await.unwrap();
        assert_eq!(kv.get("a").await.unwrap(), None);
    }

    #[tokio::test]
    async fn memory_get_many_keeps_the_order_and_misses() {
        let kv = Kv::memory();
        kv.set_ex("a", "1", Duration::from_secs(60)).await.unwrap();
        kv.set_ex("c", "3", Duration::from_secs(60)).await.unwrap();
        let keys: Vec<String> = ["c", "b", "a"].iter().map(|k| k.to_string()).collect();
        assert_eq!(kv.get_many(&keys).await.unwrap(), vec![Some("3".into()), None, Some("1".into())]);
        assert_eq!(kv.get_many(&[]).await.unwrap(), Vec::<Option<String>>::new());
    }
}

//! `job:progress` emission (`realtime.md` §9) behind one small trait, so the REST
//! handlers that change a dream's processing state have a single call site.
//!
//! [`JobProgressSink::publish`] is called after the database change is committed. The
//! implementation here ([`RedisJobProgress`]) does the cache half of §9: terminal
//! payloads (`COMPLETED`/`FAILED`) `DEL <prefix>job:progress:<uuid>`, the others
//! `SET … EX 10800` (so a socket joining a dream room later can be sent the last state),
//! plus one log line per event. Delivery to the `USER:<owner id>` ∪ `DREAM:<uuid>` rooms
//! (one copy per socket) is added by the realtime layer, which wraps or replaces this
//! implementation; the call sites stay as they are. Failures are logged, never
//! surfaced: progress is advisory and the dream row is already written.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use uuid::Uuid;

use crate::ids::UserId;

/// Cache lifetime of the last progress payload: three hours, longer than any render.
pub const JOB_PROGRESS_TTL_SECS: u64 = 10_800;

/// Where `job:progress` events go.
pub trait JobProgressSink: Send + Sync {
    /// `payload` is the event body of `realtime.md` §9 (`dream_uuid`, `status`, …).
    fn publish(&self, owner: UserId, dream_uuid: Uuid, payload: Value)
        -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

pub type RedisPool = bb8::Pool<bb8_redis::RedisConnectionManager>;

/// Redis cache + log implementation. Without Redis (single-instance mode) it only logs.
pub struct RedisJobProgress {
    pool: Option<RedisPool>,
    prefix: String,
}

impl RedisJobProgress {
    pub fn new(pool: Option<RedisPool>, prefix: String) -> Self {
        RedisJobProgress { pool, prefix }
    }

    fn key(&self, dream_uuid: Uuid) -> String {
        format!("{}job:progress:{dream_uuid}", self.prefix)
    }
}

/// True for the statuses after which no further progress comes.
pub fn is_terminal(payload: &Value) -> bool {
    matches!(payload.get("status").and_then(Value::as_str), Some("COMPLETED" | "FAILED"))
}

impl JobProgressSink for RedisJobProgress {
    fn publish(
        &self,
        owner: UserId,
        dream_uuid: Uuid,
        payload: Value,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            tracing::info!(target: "job_progress", owner = %owner, dream_uuid = %dream_uuid, payload = %payload, "job:progress");
            let Some(pool) = &self.pool else { return };
            let key = self.key(dream_uuid);
            let result = async {
                let mut conn = pool.get().await.map_err(|e| e.to_string())?;
                if is_terminal(&payload) {
                    redis::cmd("DEL").arg(&key).query_async::<()>(&mut *conn).await.map_err(|e| e.to_string())
                } else {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(payload.to_string())
                        .arg("EX")
                        .arg(JOB_PROGRESS_TTL_SECS)
                        .query_async::<()>(&mut *conn)
                        .await
                        .map_err(|e| e.to_string())
                }
            }
            .await;
            if let Err(e) = result {
                tracing::warn!(error = %e, dream_uuid = %dream_uuid, "job:progress cache write failed");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_completed_and_failed_are_terminal() {
        assert!(is_terminal(&serde_json::json!({"status": "COMPLETED"})));
        assert!(is_terminal(&serde_json::json!({"status": "FAILED"})));
        assert!(!is_terminal(&serde_json::json!({"status": "IN_QUEUE"})));
        assert!(!is_terminal(&serde_json::json!({"progress": 10})));
    }
}

//! `job:progress` emission (`realtime.md` §9) behind one small trait, so the REST
//! handlers that change a dream's processing state have a single call site.
//!
//! [`JobProgressSink::publish`] is called after the database change is committed.
//! [`JobProgressFanout`] does both halves of §9: the cache (terminal payloads,
//! `COMPLETED`/`FAILED`, `DEL job:progress:<uuid>`; the others `SET … EX 10800`, through
//! the shared [`Kv`], which adds `REDIS_PREFIX` and is what a socket joining a dream room
//! reads), then one `job:progress` frame per socket to `USER:<owner id>` ∪
//! `DREAM:<uuid>` through the room registry (`emit_job`), plus one log line. Failures
//! are logged, never surfaced: progress is advisory and the dream row is already written.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use crate::ids::UserId;
use crate::kv::Kv;
use crate::room::RoomRegistryHandle;

/// Cache lifetime of the last progress payload: three hours, longer than any render.
pub const JOB_PROGRESS_TTL: Duration = Duration::from_secs(10_800);

/// Namespace of the realtime events.
const NSP: &str = "/remote-control";

/// Where `job:progress` events go.
pub trait JobProgressSink: Send + Sync {
    /// `payload` is the event body of `realtime.md` §9 (`dream_uuid`, `status`, …).
    fn publish(&self, owner: UserId, dream_uuid: Uuid, payload: Value)
        -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Cache + room delivery. Without rooms (CLI, or before the realtime layer starts) it
/// only caches and logs.
pub struct JobProgressFanout {
    kv: Kv,
    rooms: Option<RoomRegistryHandle>,
}

impl JobProgressFanout {
    pub fn new(kv: Kv, rooms: Option<RoomRegistryHandle>) -> Self {
        JobProgressFanout { kv, rooms }
    }
}

/// True for the statuses after which no further progress comes.
pub fn is_terminal(payload: &Value) -> bool {
    matches!(payload.get("status").and_then(Value::as_str), Some("COMPLETED" | "FAILED"))
}

impl JobProgressSink for JobProgressFanout {
    fn publish(
        &self,
        owner: UserId,
        dream_uuid: Uuid,
        payload: Value,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            tracing::info!(target: "job_progress", owner = %owner, dream_uuid = %dream_uuid, payload = %payload, "job:progress");
            let key = format!("job:progress:{dream_uuid}");
            let cached = if is_terminal(&payload) {
                self.kv.del(&key).await
            } else {
                self.kv.set_ex(&key, &payload.to_string(), JOB_PROGRESS_TTL).await
            };
            if let Err(e) = cached {
                tracing::warn!(error = %e, dream_uuid = %dream_uuid, "job:progress cache write failed");
            }
            if let Some(rooms) = &self.rooms {
                let frame = crate::session::event_frame(NSP, "job:progress", std::slice::from_ref(&payload));
                if let Err(e) = rooms.emit_job(owner, dream_uuid, frame).await {
                    tracing::warn!(error = %e, dream_uuid = %dream_uuid, "job:progress delivery failed");
                }
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

//! Cluster-wide presence (`realtime.md` §10).
//!
//! Two sorted sets per user — `presence:<id>` (every `/remote-control` socket) and
//! `presence:web:<id>` (sockets whose last `web_client_status` was active) — whose
//! members are `<instance id>:<socket id>` scored with a lease expiry (epoch ms). Every
//! change runs one Lua script that applies it, drops expired members and returns both
//! counts, so an update and the presence it produces are one atomic round trip. Each
//! instance re-scores its own sockets every lease/3; the entries of an instance that
//! died expire with their lease and the next refresh anywhere emits corrected presence.
//! Without Redis (or when it fails) presence is computed from the local sockets only.
//!
//! On a Redis Cluster the script's two keys must live in one slot, so the user id is a
//! hash tag there: `presence:{<id>}` and `presence:web:{<id>}` (each user's presence on
//! one shard, users spread over the shards). A single node keeps the spec's untagged
//! names, so existing deployments see the same keys.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ids::UserId;
use crate::kv::RedisPool;
use crate::room::Presence;

/// Bound of one presence update; past it the caller uses local counts.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(1);

/// Default lease of a presence entry (refreshed every third of it).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

const SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local exp = now + lease
local op = ARGV[3]
if op == 'add' or op == 'refresh' then
  for i = 4, #ARGV, 2 do
    redis.call('ZADD', KEYS[1], exp, ARGV[i])
    if ARGV[i + 1] == '1' then redis.call('ZADD', KEYS[2], exp, ARGV[i]) else redis.call('ZREM', KEYS[2], ARGV[i]) end
  end
elseif op == 'remove' then
  for i = 4, #ARGV do
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
local n = redis.call('ZCARD', KEYS[1])
local w = redis.call('ZCARD', KEYS[2])
if n > 0 then redis.call('PEXPIRE', KEYS[1], lease * 2) end
if w > 0 then redis.call('PEXPIRE', KEYS[2], lease * 2) end
return {n, w}
";

/// What changed for this instance's sockets of one user.
pub enum PresenceOp {
    /// Add or re-score sockets `(socket id, web player)`.
    Upsert(Vec<(String, bool)>),
    Remove(Vec<String>),
    /// Only read (after dropping expired entries).
    Count,
}

#[derive(Clone)]
pub enum PresenceStore {
    Local,
    Redis { pool: RedisPool, prefix: Arc<str>, instance: Arc<str>, lease: Duration, script: Arc<redis::Script> },
}

/// The two keys of one user's presence (without `REDIS_PREFIX`); hash-tagged on a cluster
/// so that the script's keys share a slot.
pub fn presence_keys(user: UserId, cluster: bool) -> (String, String) {
    presence_keys_with("", user, cluster)
}

/// [`presence_keys`] behind `prefix`, joined without `format!` (two per presence update:
/// `format!` grows its string step by step, a measurable share of a connect).
fn presence_keys_with(prefix: &str, user: UserId, cluster: bool) -> (String, String) {
    let mut id = itoa::Buffer::new();
    let id = id.format(user.0);
    let (open, close) = if cluster { ("{", "}") } else { ("", "") };
    let key = |kind: &str| [prefix, kind, open, id, close].concat();
    (key("presence:"), key("presence:web:"))
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl PresenceStore {
    pub fn redis(pool: RedisPool, prefix: &str, instance: &str, lease: Duration) -> PresenceStore {
        PresenceStore::Redis {
            pool,
            prefix: prefix.into(),
            instance: instance.into(),
            lease,
            script: Arc::new(redis::Script::new(SCRIPT)),
        }
    }

    pub fn lease(&self) -> Duration {
        match self {
            PresenceStore::Local => DEFAULT_LEASE,
            PresenceStore::Redis { lease, .. } => *lease,
        }
    }

    pub fn is_shared(&self) -> bool {
        matches!(self, PresenceStore::Redis { .. })
    }

    /// Applies `op` and returns the cluster-wide presence; `None` when there is no shared
    /// store or it failed (callers then use local counts).
    pub async fn update(&self, user: UserId, op: PresenceOp) -> Option<Presence> {
        let PresenceStore::Redis { pool, prefix, instance, lease, script } = self else { return None };
        let mut inv = script.prepare_invoke();
        let (all, web) = presence_keys_with(prefix, user, pool.is_cluster());
        inv.key(all).key(web);
        inv.arg(now_ms()).arg(lease.as_millis() as u64);
        match op {
            PresenceOp::Upsert(members) => {
                inv.arg("add");
                for (socket, web) in members {
                    inv.arg([instance, ":", &socket].concat()).arg(if web { "1" } else { "0" });
                }
            }
            PresenceOp::Remove(sockets) => {
                inv.arg("remove");
                for socket in sockets {
                    inv.arg([instance, ":", &socket].concat());
                }
            }
            PresenceOp::Count => {
                inv.arg("count");
            }
        }
        let result = async {
            let mut conn = pool.get().await.map_err(|e| failed(&e)).ok()?;
            inv.invoke_async::<(i64, i64)>(&mut conn).await.map_err(|e| failed(&e)).ok()
        };
        let (n, w) = match tokio::time::timeout(UPDATE_TIMEOUT, result).await {
            Ok(counts) => counts?,
            Err(_) => {
                failed(&"no answer within 1 s");
                return None;
            }
        };
        Some(Presence { connected_devices: n.max(0) as usize, has_web_player: w > 0 })
    }
}

/// Counts a failed presence script and logs it, at most one warning per second. Failures
/// come in bursts (a Redis that stops answering fails every room's update at once); the
/// warning says how many it stands for, and `infinidream_presence_failures_total` counts
/// them all.
fn failed(e: &dyn std::fmt::Display) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST_WARNED_S: AtomicU64 = AtomicU64::new(0);
    static UNREPORTED: AtomicU64 = AtomicU64::new(0);
    crate::metrics::bump(&crate::metrics::PRESENCE_FAILURES);
    UNREPORTED.fetch_add(1, Ordering::Relaxed);
    let now = now_ms() / 1000;
    let last = LAST_WARNED_S.load(Ordering::Relaxed);
    if now != last && LAST_WARNED_S.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        let failures = UNREPORTED.swap(0, Ordering::Relaxed);
        tracing::warn!(error = %e, failures, "presence update failed (local counts used meanwhile)");
    }
}

#[cfg(test)]
mod tests {
    use redis::cluster_routing::Slot;

    use super::*;

    #[test]
    fn cluster_presence_keys_share_a_slot_and_single_node_names_are_unchanged() {
        let (all, web) = presence_keys(UserId(42), true);
        assert_eq!((all.as_str(), web.as_str()), ("presence:{42}", "presence:web:{42}"));
        assert_eq!(Slot::for_key(format!("app:{all}")), Slot::for_key(format!("app:{web}")));
        assert_ne!(Slot::for_key("app:presence:{42}"), Slot::for_key("app:presence:{43}"));
        assert_eq!(presence_keys(UserId(42), false), ("presence:42".into(), "presence:web:42".into()));
        assert_eq!(
            presence_keys_with("app:", UserId(-7), true),
            ("app:presence:{-7}".into(), "app:presence:web:{-7}".into())
        );
        assert_eq!(
            presence_keys_with("app:", UserId(0), false),
            ("app:presence:0".into(), "app:presence:web:0".into())
        );
    }
}

//! `state_sync` replay to new sockets (`realtime.md` §6.1 step 4) for the whole
//! instance: one queue and one task instead of a timer and a Redis `GET` per socket.
//!
//! A socket that joins `/remote-control` is queued with the time its replay is due
//! ([`REPLAY_DELAY`] later). The task sleeps until the oldest entry is due, rounded up
//! by [`BATCH_WINDOW`], takes every entry due by then and reads the cached `state_sync`
//! of all their users at once (one `MGET`; on a Redis Cluster one `GET` per user, all in
//! flight together), then pushes each value into the outbox of the sockets that are
//! still joined. During a reconnect wave that is one round trip for dozens of sockets.
//! The delay is the same for every socket, so the queue is in due order.
//!
//! A socket that left `/remote-control` (or whose session ended) before its replay is
//! skipped: the entry holds the session weakly with the socket's join epoch.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use serde_json::Value;
use tokio::sync::Notify;

use super::actor::NSP;
use super::shared::SessionShared;
use crate::ids::UserId;
use crate::kv::Kv;
use crate::protocol::{engineio, socketio};

/// Delay between the CONNECT ack and the replay (`realtime.md` §6.1).
pub const REPLAY_DELAY: Duration = Duration::from_millis(100);
/// Entries due within this window of the oldest one are replayed together.
pub const BATCH_WINDOW: Duration = Duration::from_millis(5);
/// Bound on one batch read; a slower store skips the batch (logged).
const READ_TIMEOUT: Duration = Duration::from_secs(1);

struct Due {
    at: Instant,
    user: UserId,
    session: Weak<SessionShared>,
    epoch: u32,
}

pub struct StateSyncReplay {
    queue: Mutex<VecDeque<Due>>,
    wake: Notify,
    delay: Duration,
}

/// Redis key of a user's cached `state_sync` (without `REDIS_PREFIX`).
pub fn state_sync_key(user: UserId) -> String {
    format!("user:state_sync:{user}")
}

impl StateSyncReplay {
    pub fn new() -> StateSyncReplay {
        StateSyncReplay::with_delay(REPLAY_DELAY)
    }

    pub fn with_delay(delay: Duration) -> StateSyncReplay {
        StateSyncReplay { queue: Mutex::new(VecDeque::new()), wake: Notify::new(), delay }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Due>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues the replay for a socket of `user` that just joined, as join `epoch` of
    /// its session ([`SessionShared::rc_epoch`]).
    pub fn schedule(&self, user: UserId, session: &Arc<SessionShared>, epoch: u32) {
        let due = Due { at: Instant::now() + self.delay, user, session: Arc::downgrade(session), epoch };
        let mut queue = self.lock();
        let was_empty = queue.is_empty();
        queue.push_back(due);
        drop(queue);
        if was_empty {
            // Stores a permit if the task is not waiting yet: no wake-up is lost.
            self.wake.notify_one();
        }
    }

    /// Entries waiting (tests, metrics).
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// The replay task: runs for the life of the instance.
    pub async fn run(self: Arc<Self>, kv: Kv) {
        loop {
            let first = self.lock().front().map(|d| d.at);
            let Some(first) = first else {
                self.wake.notified().await;
                continue;
            };
            tokio::time::sleep_until((first + BATCH_WINDOW).into()).await;
            let now = Instant::now();
            let due: Vec<Due> = {
                let mut queue = self.lock();
                let n = queue.iter().take_while(|d| d.at <= now).count();
                queue.drain(..n).collect()
            };
            replay(&kv, due).await;
        }
    }
}

impl Default for StateSyncReplay {
    fn default() -> Self {
        StateSyncReplay::new()
    }
}

async fn replay(kv: &Kv, due: Vec<Due>) {
    // Sockets already gone or no longer joined need no read.
    let live: Vec<(UserId, Arc<SessionShared>)> = due
        .into_iter()
        .filter_map(|d| {
            let s = d.session.upgrade()?;
            (s.rc_epoch() == d.epoch && !s.outbox.is_closing()).then_some((d.user, s))
        })
        .collect();
    if live.is_empty() {
        return;
    }
    let mut users: Vec<UserId> = live.iter().map(|(u, _)| *u).collect();
    users.sort_unstable_by_key(|u| u.0);
    users.dedup();
    let keys: Vec<String> = users.iter().map(|u| state_sync_key(*u)).collect();
    let values = match tokio::time::timeout(READ_TIMEOUT, kv.get_many(&keys)).await {
        Ok(Ok(values)) => values,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, sockets = live.len(), "state_sync replay skipped");
            return;
        }
        Err(_) => {
            tracing::warn!(sockets = live.len(), "state_sync replay skipped: store timed out");
            return;
        }
    };
    let frames: HashMap<UserId, ByteString> = users
        .into_iter()
        .zip(values)
        .filter_map(|(user, raw)| {
            let value: Value = serde_json::from_str(&raw?).ok()?;
            Some((user, engineio::message(&socketio::encode_event(NSP, "state_sync", &[value]))))
        })
        .collect();
    for (user, session) in live {
        if let Some(frame) = frames.get(&user) {
            // Re-checked: the socket may have left while the values were read.
            if session.outbox.push(frame.clone()).is_ok() {
                crate::metrics::count_out("state_sync");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::outbox::Batch;

    fn session() -> Arc<SessionShared> {
        Arc::new(SessionShared::new("s".into()))
    }

    #[tokio::test]
    async fn due_sockets_get_their_users_value_in_one_batch_and_departed_ones_nothing() {
        let kv = Kv::memory();
        kv.set_ex(&state_sync_key(UserId(1)), r#"{"playing":true}"#, Duration::from_secs(60)).await.unwrap();
        kv.set_ex(&state_sync_key(UserId(3)), "not json", Duration::from_secs(60)).await.unwrap();
        let replay = Arc::new(StateSyncReplay::with_delay(Duration::from_millis(20)));
        let (a, b, c, left, none, bad) = (session(), session(), session(), session(), session(), session());
        for s in [&a, &b] {
            replay.schedule(UserId(1), s, s.rc_epoch());
        }
        // Joined, then left the namespace before the replay.
        replay.schedule(UserId(1), &left, left.rc_epoch());
        left.bump_rc_epoch();
        replay.schedule(UserId(2), &none, none.rc_epoch());
        replay.schedule(UserId(3), &bad, bad.rc_epoch());
        // A session that is gone entirely.
        replay.schedule(UserId(1), &session(), 0);
        c.outbox.close(crate::session::outbox::CloseReason::ClientClosed);
        replay.schedule(UserId(1), &c, c.rc_epoch());
        let started = Instant::now();
        let task = tokio::spawn(replay.clone().run(kv));
        while replay.pending() > 0 || a.outbox.is_empty() {
            assert!(started.elapsed() < Duration::from_secs(5), "replay never ran");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(started.elapsed() >= Duration::from_millis(15), "replayed before the delay");
        let frame = r#"42/remote-control,["state_sync",{"playing":true}]"#;
        for s in [&a, &b] {
            assert_eq!(s.outbox.try_batch(), Some(Batch::Frames(vec![frame.into()])));
        }
        for s in [&left, &none, &bad] {
            assert!(s.outbox.is_empty());
        }
        // A later join is replayed too: the task waits again, not gone.
        let d = session();
        replay.schedule(UserId(1), &d, d.rc_epoch());
        let started = Instant::now();
        while d.outbox.is_empty() {
            assert!(started.elapsed() < Duration::from_secs(5), "second replay never ran");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        task.abort();
    }
}

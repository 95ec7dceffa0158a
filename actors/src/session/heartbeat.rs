//! One heartbeat wheel per instance instead of a timer per socket.
//!
//! Sessions are spread over [`BUCKETS`] one-second buckets by the second they opened in.
//! A single ticker visits one bucket per second: it sends the Engine.IO ping (`2`) to the
//! sessions of bucket `t mod 25` and, in the same tick, checks the sessions pinged
//! `pingTimeout` (20 s) earlier — bucket `(t − 20) mod 25` — closing those that did not
//! answer, and those that joined no namespace within the connect timeout (45 s). Cost: one
//! pass over 1/25 of the sessions per second, no allocation per ping, and no timer
//! objects per socket. Closed sessions are dropped from their bucket when next visited.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bytestring::ByteString;

use super::outbox::CloseReason;
use super::shared::SessionShared;

/// `pingInterval` in seconds: one bucket per second of the interval.
pub const BUCKETS: u64 = 25;
/// `pingTimeout` in seconds.
pub const PING_TIMEOUT_SECS: u64 = 20;
/// Engine.IO open → first namespace CONNECT.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(45);
/// Sessions younger than this are not pinged (their first ping is one interval later).
const FIRST_PING_GRACE: Duration = Duration::from_secs(5);

pub struct HeartbeatWheel {
    buckets: Mutex<Vec<Vec<Weak<SessionShared>>>>,
    started: Instant,
}

impl Default for HeartbeatWheel {
    fn default() -> Self {
        HeartbeatWheel::new()
    }
}

impl HeartbeatWheel {
    pub fn new() -> HeartbeatWheel {
        HeartbeatWheel { buckets: Mutex::new((0..BUCKETS).map(|_| Vec::new()).collect()), started: Instant::now() }
    }

    fn second(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_secs()
    }

    pub fn register(&self, session: &Arc<SessionShared>) {
        let bucket = (self.second(session.opened_at) % BUCKETS) as usize;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = buckets.get_mut(bucket) {
            b.push(Arc::downgrade(session));
        }
    }

    /// Number of live sessions registered (metrics, tests).
    pub fn len(&self) -> usize {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.iter().map(|b| b.iter().filter(|w| w.strong_count() > 0).count()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Processes second `t` (seconds since the wheel started).
    pub fn tick(&self, t: u64, now: Instant) {
        let ping_bucket = (t % BUCKETS) as usize;
        let check_bucket = ((t + BUCKETS - PING_TIMEOUT_SECS % BUCKETS) % BUCKETS) as usize;
        let mut to_ping = Vec::new();
        let mut to_check = Vec::new();
        {
            let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            for (index, out) in [(ping_bucket, &mut to_ping), (check_bucket, &mut to_check)] {
                if let Some(bucket) = buckets.get_mut(index) {
                    bucket.retain(|w| w.upgrade().is_some_and(|s| !s.outbox.is_closing()));
                    out.extend(bucket.iter().filter_map(Weak::upgrade));
                }
            }
        }
        // Work outside the wheel's lock: pushes take each session's own lock.
        for s in to_check {
            if s.is_awaiting_pong() {
                s.outbox.close(CloseReason::PingTimeout);
            } else if !s.has_joined() && now.saturating_duration_since(s.opened_at) >= CONNECT_TIMEOUT {
                s.outbox.close(CloseReason::ConnectTimeout);
            }
        }
        let ping: ByteString = ByteString::from_static("2");
        for s in to_ping {
            if now.saturating_duration_since(s.opened_at) < FIRST_PING_GRACE || s.outbox.is_closing() {
                continue;
            }
            s.ping_sent();
            let _ = s.outbox.push(ping.clone());
        }
    }

    /// Closes every registered session (shutdown).
    pub fn close_all(&self, reason: CloseReason) {
        let all: Vec<Arc<SessionShared>> = {
            let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            buckets.iter().flat_map(|b| b.iter().filter_map(Weak::upgrade)).collect()
        };
        for s in all {
            s.outbox.close(reason);
        }
    }

    /// Runs the ticker forever on the current runtime (spawn it once per instance).
    pub async fn run(self: Arc<Self>) {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        let mut next = 0u64;
        loop {
            interval.tick().await;
            let now = Instant::now();
            // Catch up seconds missed under load so that no bucket is skipped.
            let current = self.second(now);
            while next <= current {
                self.tick(next, now);
                next += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::outbox::Batch;

    #[test]
    fn a_session_is_pinged_once_per_interval_and_closed_without_pong() {
        let wheel = HeartbeatWheel::new();
        let s = Arc::new(SessionShared::new("sid".into()));
        s.mark_joined();
        wheel.register(&s);
        let opened = wheel.second(s.opened_at);
        let base = s.opened_at;
        // First visit of its bucket after the grace period: ping.
        wheel.tick(opened + BUCKETS, base + Duration::from_secs(BUCKETS));
        assert!(s.is_awaiting_pong());
        assert_eq!(s.outbox.try_batch(), Some(Batch::Frames(vec!["2".into()])));
        // 20 s later the check finds no pong: closed with PingTimeout.
        wheel.tick(opened + BUCKETS + PING_TIMEOUT_SECS, base + Duration::from_secs(BUCKETS + PING_TIMEOUT_SECS));
        assert_eq!(s.outbox.close_reason(), Some(CloseReason::PingTimeout));
    }

    #[test]
    fn a_pong_keeps_the_session_open() {
        let wheel = HeartbeatWheel::new();
        let s = Arc::new(SessionShared::new("sid".into()));
        s.mark_joined();
        wheel.register(&s);
        let opened = wheel.second(s.opened_at);
        let base = s.opened_at;
        wheel.tick(opened + BUCKETS, base + Duration::from_secs(BUCKETS));
        s.pong_received();
        wheel.tick(opened + BUCKETS + PING_TIMEOUT_SECS, base + Duration::from_secs(BUCKETS + PING_TIMEOUT_SECS));
        assert_eq!(s.outbox.close_reason(), None);
    }

    #[test]
    fn a_session_without_namespace_is_closed_after_the_connect_timeout() {
        let wheel = HeartbeatWheel::new();
        let s = Arc::new(SessionShared::new("sid".into()));
        wheel.register(&s);
        let opened = wheel.second(s.opened_at);
        let base = s.opened_at;
        wheel.tick(opened + PING_TIMEOUT_SECS, base + Duration::from_secs(PING_TIMEOUT_SECS));
        assert_eq!(s.outbox.close_reason(), None, "20 s: still within the connect timeout");
        let t = opened + BUCKETS + PING_TIMEOUT_SECS;
        // Pong the ping sent at +25 s so that only the connect timeout applies.
        wheel.tick(opened + BUCKETS, base + Duration::from_secs(BUCKETS));
        s.pong_received();
        wheel.tick(t, base + Duration::from_secs(BUCKETS + PING_TIMEOUT_SECS));
        assert_eq!(s.outbox.close_reason(), Some(CloseReason::ConnectTimeout));
    }

    #[test]
    fn dropped_sessions_leave_the_wheel() {
        let wheel = HeartbeatWheel::new();
        let s = Arc::new(SessionShared::new("sid".into()));
        wheel.register(&s);
        assert_eq!(wheel.len(), 1);
        drop(s);
        assert_eq!(wheel.len(), 0);
    }
}

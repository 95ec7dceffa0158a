//! Process-wide counters for the Prometheus endpoint. Plain atomics: incrementing one
//! costs a relaxed add on the hot path, and the exporter (server crate) reads them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Inbound events by name; unknown names share the last slot.
pub const EVENT_NAMES: [&str; 9] = [
    "new_remote_control_event",
    "ping",
    "goodbye",
    "web_client_status",
    "state_sync",
    "join_dream_room",
    "leave_dream_room",
    "ping_redis",
    "other",
];

pub static EVENTS_IN: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];
/// Events refused by the per-socket rate limit.
pub static EVENTS_RATE_LIMITED: AtomicU64 = AtomicU64::new(0);
/// Socket CONNECTs by outcome.
pub static CONNECTS_ACCEPTED: AtomicU64 = AtomicU64::new(0);
pub static CONNECTS_UNAUTHORIZED: AtomicU64 = AtomicU64::new(0);
pub static CONNECTS_TOO_MANY: AtomicU64 = AtomicU64::new(0);
/// CONNECTs not served because a dependency failed (session closed with 1013).
pub static CONNECTS_UNAVAILABLE: AtomicU64 = AtomicU64::new(0);
/// Sessions closed, by reason (see `CloseReason::as_str`).
pub static SLOW_CONSUMERS: AtomicU64 = AtomicU64::new(0);
pub static PROTOCOL_ERRORS: AtomicU64 = AtomicU64::new(0);
/// Presence updates that failed (Redis errors, unreachable, time-outs; local counts used).
pub static PRESENCE_FAILURES: AtomicU64 = AtomicU64::new(0);

pub fn count_event(name: &str) {
    let slot = EVENT_NAMES.iter().position(|n| *n == name).unwrap_or(EVENT_NAMES.len() - 1);
    EVENTS_IN[slot].fetch_add(1, Ordering::Relaxed);
}

pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

pub fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// Outbound events by name (one per emission on this instance, whatever the number of
/// recipients); unknown names share the last slot.
pub const OUT_EVENT_NAMES: [&str; 10] = [
    "new_remote_control_event",
    "ping",
    "goodbye",
    "client_presence",
    "state_sync",
    "quota_update",
    "job:progress",
    "Validation error",
    "Error",
    "other",
];

pub static EVENTS_OUT: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];

pub fn count_out(name: &str) {
    let slot = OUT_EVENT_NAMES.iter().position(|n| *n == name).unwrap_or(OUT_EVENT_NAMES.len() - 1);
    EVENTS_OUT[slot].fetch_add(1, Ordering::Relaxed);
}

/// Upper bounds (microseconds) of the latency histogram buckets; `+Inf` is implicit.
pub const LATENCY_BUCKETS_US: [u64; 13] =
    [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000];

/// A fixed-bucket latency histogram: one relaxed add per bucket search, no locks, no
/// allocation, so it can sit on the relay path.
pub struct Histogram {
    buckets: [AtomicU64; 13],
    count: AtomicU64,
    sum_us: AtomicU64,
}

impl Histogram {
    pub const fn new() -> Histogram {
        Histogram { buckets: [const { AtomicU64::new(0) }; 13], count: AtomicU64::new(0), sum_us: AtomicU64::new(0) }
    }

    pub fn observe(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        if let Some(i) = LATENCY_BUCKETS_US.iter().position(|b| us <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// Cumulative counts per bucket (Prometheus `le` semantics), the total count and the
    /// sum in microseconds.
    pub fn snapshot(&self) -> ([u64; 13], u64, u64) {
        let mut cumulative = [0u64; 13];
        let mut running = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            running += b.load(Ordering::Relaxed);
            cumulative[i] = running;
        }
        (cumulative, self.count.load(Ordering::Relaxed), self.sum_us.load(Ordering::Relaxed))
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// From a socket event's arrival (transport read) to its relay being handed to every
/// local recipient's outbox by the user's room.
pub static RELAY_LATENCY: Histogram = Histogram::new();
/// From publication by the origin instance (its wall clock) to reception here (ours).
pub static BRIDGE_LAG: Histogram = Histogram::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_overflow_counts_only_in_total() {
        let h = Histogram::new();
        h.observe(Duration::from_micros(10));
        h.observe(Duration::from_micros(100));
        h.observe(Duration::from_micros(101));
        h.observe(Duration::from_secs(5));
        let (buckets, count, sum) = h.snapshot();
        assert_eq!(buckets[0], 1, "<= 50us");
        assert_eq!(buckets[1], 2, "<= 100us");
        assert_eq!(buckets[2], 3, "<= 250us");
        assert_eq!(buckets[12], 3, "5 s is above the last finite bucket");
        assert_eq!(count, 4);
        assert_eq!(sum, 10 + 100 + 101 + 5_000_000);
    }

    #[test]
    fn unknown_out_events_share_the_last_slot() {
        let before = get(&EVENTS_OUT[9]);
        count_out("something_new");
        assert!(get(&EVENTS_OUT[9]) > before);
    }
}

//! Process-wide counters for the Prometheus endpoint. Plain atomics: incrementing one
//! costs a relaxed add on the hot path, and the exporter (server crate) reads them.

use std::sync::atomic::{AtomicU64, Ordering};

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
/// Sessions closed, by reason (see `CloseReason::as_str`).
pub static SLOW_CONSUMERS: AtomicU64 = AtomicU64::new(0);
pub static PROTOCOL_ERRORS: AtomicU64 = AtomicU64::new(0);

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

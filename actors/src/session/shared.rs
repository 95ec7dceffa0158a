//! State of one Engine.IO session shared between its actor, its transport and the
//! instance-wide heartbeat wheel. Everything here is lock-free or behind the outbox's
//! short mutex, so rooms on other threads can deliver without messaging the session.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::outbox::Outbox;

pub struct SessionShared {
    /// Engine.IO session id (20 characters; the first 8 are the instance id).
    pub sid: String,
    pub outbox: Outbox,
    pub opened_at: Instant,
    awaiting_pong: AtomicBool,
    joined: AtomicBool,
    /// Bumped whenever the `/remote-control` socket leaves: a delayed action scheduled
    /// at join (the `state_sync` replay) checks it is still the same membership.
    rc_epoch: AtomicU32,
    /// The instance's live-session counter, decremented when this session is dropped.
    live: Option<Arc<AtomicUsize>>,
}

impl Drop for SessionShared {
    fn drop(&mut self) {
        if let Some(live) = &self.live {
            live.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl SessionShared {
    pub fn new(sid: String) -> SessionShared {
        SessionShared {
            sid,
            outbox: Outbox::new(),
            opened_at: Instant::now(),
            awaiting_pong: AtomicBool::new(false),
            joined: AtomicBool::new(false),
            rc_epoch: AtomicU32::new(0),
            live: None,
        }
    }

    /// A session counted in `live` for as long as it exists (admission control).
    pub fn counted(sid: String, live: Arc<AtomicUsize>) -> SessionShared {
        live.fetch_add(1, Ordering::AcqRel);
        let mut shared = SessionShared::new(sid);
        shared.live = Some(live);
        shared
    }

    /// A ping went out; the next heartbeat check expects a pong.
    pub fn ping_sent(&self) {
        self.awaiting_pong.store(true, Ordering::Release);
    }

    pub fn pong_received(&self) {
        self.awaiting_pong.store(false, Ordering::Release);
    }

    pub fn is_awaiting_pong(&self) -> bool {
        self.awaiting_pong.load(Ordering::Acquire)
    }

    /// At least one namespace was joined (stops the connect timeout).
    pub fn mark_joined(&self) {
        self.joined.store(true, Ordering::Release);
    }

    pub fn has_joined(&self) -> bool {
        self.joined.load(Ordering::Acquire)
    }

    /// The current `/remote-control` membership (see `rc_epoch`).
    pub fn rc_epoch(&self) -> u32 {
        self.rc_epoch.load(Ordering::Acquire)
    }

    /// The `/remote-control` socket left: actions scheduled for it lapse.
    pub fn bump_rc_epoch(&self) {
        self.rc_epoch.fetch_add(1, Ordering::AcqRel);
    }
}

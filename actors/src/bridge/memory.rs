//! In-process bridge: a hub that several bridge handles (instances) join. Same contract
//! as Redis — per-room channels, own echoes dropped, invalid payloads counted — without
//! a network, for the contract suite and single-process multi-instance tests.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::{accept, BridgeStats, EnvelopeSink, Received};

struct Member {
    origin: String,
    sink: EnvelopeSink,
    stats: Arc<BridgeStats>,
    rooms: Mutex<HashSet<String>>,
}

#[derive(Clone, Default)]
pub struct MemoryHub {
    members: Arc<Mutex<Vec<Arc<Member>>>>,
}

impl MemoryHub {
    pub fn new() -> MemoryHub {
        MemoryHub::default()
    }

    /// Delivers raw bytes on a room channel as Redis would (tests inject garbage here).
    pub fn inject(&self, room: &str, bytes: &[u8]) {
        let members: Vec<Arc<Member>> = self.members.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for m in members {
            let subscribed = m.rooms.lock().unwrap_or_else(|p| p.into_inner()).contains(room);
            if subscribed {
                if let Some(Received::Emit(env)) = accept(bytes, &m.origin, &m.stats) {
                    (m.sink)(env);
                }
            }
        }
    }
}

#[derive(Clone)]
pub struct MemoryBridge {
    hub: MemoryHub,
    me: Arc<Member>,
}

impl MemoryBridge {
    pub fn join(hub: &MemoryHub, origin: &str, sink: EnvelopeSink, stats: Arc<BridgeStats>) -> MemoryBridge {
        let me = Arc::new(Member { origin: origin.to_string(), sink, stats, rooms: Mutex::new(HashSet::new()) });
        hub.members.lock().unwrap_or_else(|p| p.into_inner()).push(me.clone());
        MemoryBridge { hub: hub.clone(), me }
    }

    pub fn publish(&self, room: &str, payload: Arc<str>) {
        BridgeStats::bump(&self.me.stats.published);
        self.hub.inject(room, payload.as_bytes());
    }

    pub fn subscribe(&self, room: &str) {
        self.me.rooms.lock().unwrap_or_else(|p| p.into_inner()).insert(room.to_string());
    }

    pub fn unsubscribe(&self, room: &str) {
        self.me.rooms.lock().unwrap_or_else(|p| p.into_inner()).remove(room);
    }

    pub fn subscriptions(&self) -> usize {
        self.me.rooms.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Counts channels by name across the hub (tests).
pub fn subscribers_of(hub: &MemoryHub, room: &str) -> usize {
    let members = hub.members.lock().unwrap_or_else(|p| p.into_inner());
    members.iter().filter(|m| m.rooms.lock().unwrap_or_else(|p| p.into_inner()).contains(room)).count()
}

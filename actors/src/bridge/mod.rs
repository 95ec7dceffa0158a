//! The cluster bridge (`realtime.md` §13): room broadcasts travel between instances as
//! [`Envelope`]s over one Redis pub/sub channel per room, `<prefix>room:<room>`.
//!
//! * **Subscriptions follow local membership**: the room registry subscribes to a room's
//!   channel when the first local socket joins and unsubscribes when the last leaves, so
//!   subscriptions grow with active rooms, not with sockets.
//! * **Publishing** never waits: envelopes go into a bounded queue (10 000) drained by one
//!   task over one dedicated connection, pipelined, in emission order — one `PUBLISH` per
//!   room per message. A full queue or a failed publish drops the message (counted).
//! * **Receiving** uses a dedicated subscriber connection; envelopes from this instance
//!   (its own echoes), of another version or malformed are dropped and counted; the rest
//!   are handed to the local registry, which delivers to local sockets only.
//! * **Delivery guarantee**: at most once. While Redis is away local delivery continues,
//!   the bridge reconnects with backoff (100 ms doubling to 5 s) and resubscribes every
//!   active room; messages published meanwhile are lost, and the outage is logged with the
//!   number of messages that could not be bridged.
//!
//! On a Redis Cluster the same channels use sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`):
//! see [`sharded`]; ordering then holds per room channel.
//!
//! Implementations: [`redis`] (production, one node), [`sharded`] (Redis Cluster), [`memory`] (a hub shared by several bridge
//! handles in one process: the contract suite and in-process multi-instance tests), and
//! `Disabled` for single-instance mode.

pub mod alone;
mod envelope;
pub mod memory;
pub mod redis;
pub mod sharded;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use envelope::{now_micros, Envelope, EnvelopeError};

/// Receives envelopes from other instances.
pub type EnvelopeSink = Arc<dyn Fn(Envelope) + Send + Sync>;

/// Counters of one bridge (exported as metrics, asserted by tests).
#[derive(Default, Debug)]
pub struct BridgeStats {
    pub published: AtomicU64,
    pub publish_failed: AtomicU64,
    pub dropped_queue_full: AtomicU64,
    pub received: AtomicU64,
    pub dropped_invalid: AtomicU64,
    pub dropped_own: AtomicU64,
    pub reconnects: AtomicU64,
    /// Publications not sent because no other instance was subscribed (`alone.rs`).
    pub skipped_alone: AtomicU64,
    /// Subscription announcements received from other instances.
    pub announcements: AtomicU64,
}

impl BridgeStats {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Clone)]
enum Inner {
    Disabled,
    Redis(redis::RedisBridge),
    Sharded(sharded::ShardedBridge),
    Memory(memory::MemoryBridge),
}

/// The handle every component uses; cheap to clone.
#[derive(Clone)]
pub struct BridgeHandle {
    inner: Inner,
    origin: Arc<str>,
    seq: Arc<AtomicU64>,
    pub stats: Arc<BridgeStats>,
}

impl BridgeHandle {
    /// Single-instance mode: nothing is published or received.
    pub fn disabled(origin: &str) -> BridgeHandle {
        BridgeHandle::new(Inner::Disabled, origin, Arc::new(BridgeStats::default()))
    }

    fn new(inner: Inner, origin: &str, stats: Arc<BridgeStats>) -> BridgeHandle {
        BridgeHandle { inner, origin: origin.into(), seq: Arc::new(AtomicU64::new(0)), stats }
    }

    /// Connects to Redis (lazily: connection loss is handled by the bridge's own tasks)
    /// and spawns the publisher and subscriber on the current runtime.
    pub fn redis(
        url: &str,
        prefix: &str,
        origin: &str,
        sink: EnvelopeSink,
    ) -> Result<BridgeHandle, ::redis::RedisError> {
        let stats = Arc::new(BridgeStats::default());
        let bridge = redis::RedisBridge::start(url, prefix, origin, sink, stats.clone())?;
        Ok(BridgeHandle::new(Inner::Redis(bridge), origin, stats))
    }

    /// Redis Cluster: sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`) through the seed `nodes`.
    pub fn redis_cluster(
        nodes: &[String],
        prefix: &str,
        origin: &str,
        sink: EnvelopeSink,
    ) -> Result<BridgeHandle, ::redis::RedisError> {
        let stats = Arc::new(BridgeStats::default());
        let bridge = sharded::ShardedBridge::start(nodes, prefix, origin, sink, stats.clone())?;
        Ok(BridgeHandle::new(Inner::Sharded(bridge), origin, stats))
    }

    /// The bridge matching the command connection's deployment: sharded pub/sub on a
    /// cluster, plain pub/sub on a single node (`url`).
    pub fn for_pool(
        url: &str,
        pool: &crate::redisconn::RedisPool,
        prefix: &str,
        origin: &str,
        sink: EnvelopeSink,
    ) -> Result<BridgeHandle, ::redis::RedisError> {
        if pool.is_cluster() {
            BridgeHandle::redis_cluster(pool.cluster_nodes(), prefix, origin, sink)
        } else {
            BridgeHandle::redis(url, prefix, origin, sink)
        }
    }

    /// Joins an in-process hub (tests, or several instances in one process).
    pub fn memory(hub: &memory::MemoryHub, origin: &str, sink: EnvelopeSink) -> BridgeHandle {
        let stats = Arc::new(BridgeStats::default());
        let bridge = memory::MemoryBridge::join(hub, origin, sink, stats.clone());
        BridgeHandle::new(Inner::Memory(bridge), origin, stats)
    }

    pub fn is_enabled(&self) -> bool {
        !matches!(self.inner, Inner::Disabled)
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Publishes `packet` (a Socket.IO packet without the Engine.IO `4`) to `rooms`, one
    /// envelope per room channel, without waiting.
    pub fn publish(&self, rooms: &[String], except: Vec<String>, packet: &str) {
        if let Inner::Disabled = self.inner {
            return;
        }
        // Rooms no other instance serves are not published (single-node Redis): decided
        // first, so that nothing is encoded when no room needs it.
        let redis_rooms: Vec<redis::Prepared> = match &self.inner {
            Inner::Redis(b) => {
                let prepared: Vec<_> = rooms.iter().filter_map(|room| b.prepare(room)).collect();
                if prepared.is_empty() {
                    return;
                }
                prepared
            }
            _ => Vec::new(),
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let env = Envelope::emit(&self.origin, seq, rooms.to_vec(), except, packet.to_string());
        let payload: Arc<str> = env.encode().into();
        if let Inner::Redis(b) = &self.inner {
            for prepared in redis_rooms {
                b.publish(prepared, payload.clone());
            }
            return;
        }
        for room in rooms {
            match &self.inner {
                Inner::Redis(_) => {}
                Inner::Sharded(b) => b.publish(room, payload.clone()),
                Inner::Memory(b) => b.publish(room, payload.clone()),
                Inner::Disabled => {}
            }
        }
    }

    pub fn subscribe(&self, room: &str) {
        match &self.inner {
            Inner::Redis(b) => b.subscribe(room),
            Inner::Sharded(b) => b.subscribe(room),
            Inner::Memory(b) => b.subscribe(room),
            Inner::Disabled => {}
        }
    }

    pub fn unsubscribe(&self, room: &str) {
        match &self.inner {
            Inner::Redis(b) => b.unsubscribe(room),
            Inner::Sharded(b) => b.unsubscribe(room),
            Inner::Memory(b) => b.unsubscribe(room),
            Inner::Disabled => {}
        }
    }

    /// Rooms this instance is subscribed to (or wants to be, while reconnecting).
    pub fn subscriptions(&self) -> usize {
        match &self.inner {
            Inner::Redis(b) => b.subscriptions(),
            Inner::Sharded(b) => b.subscriptions(),
            Inner::Memory(b) => b.subscriptions(),
            Inner::Disabled => 0,
        }
    }

    /// Waits until every envelope queued so far has been handed to Redis (shutdown).
    pub async fn flush(&self) {
        match &self.inner {
            Inner::Redis(b) => b.flush().await,
            Inner::Sharded(b) => b.flush().await,
            Inner::Memory(_) | Inner::Disabled => {}
        }
    }
}

/// What a bridge receives on a room channel, once checked.
pub(crate) enum Received {
    Emit(Envelope),
    /// Another instance subscribed to the channel (`alone.rs`).
    Hello,
}

/// Shared receive-side checks: decode, drop own echoes, count.
pub(crate) fn accept(bytes: &[u8], origin: &str, stats: &BridgeStats) -> Option<Received> {
    // Every publication comes back to its own instance (it subscribes to the rooms it
    // publishes to): recognised by its first bytes, not parsed.
    if Envelope::is_from(bytes, origin) {
        BridgeStats::bump(&stats.dropped_own);
        return None;
    }
    if Envelope::is_hello(bytes) {
        BridgeStats::bump(&stats.announcements);
        return Some(Received::Hello);
    }
    match Envelope::decode(bytes) {
        Ok(env) if env.origin == origin => {
            BridgeStats::bump(&stats.dropped_own);
            None
        }
        Ok(env) => {
            BridgeStats::bump(&stats.received);
            Some(Received::Emit(env))
        }
        Err(e) => {
            let n = stats.dropped_invalid.fetch_add(1, Ordering::Relaxed);
            // Rate-limited warning: the first one, then every 1000th.
            if n.is_multiple_of(1000) {
                tracing::warn!(error = %e, dropped = n + 1, "invalid bridge envelope dropped");
            }
            None
        }
    }
}

#[cfg(test)]
mod contract;

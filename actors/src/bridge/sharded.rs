//! Redis Cluster implementation of the bridge: sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`,
//! Redis ≥ 7). A room's channel `<prefix>room:<room>` is a key like any other: its slot
//! decides which shard carries the room's traffic, so rooms spread over the shards and
//! each message crosses exactly one shard (plain `PUBLISH` on a cluster is broadcast to
//! every node).
//!
//! * **Publishing**: one task, one cluster connection. A batch of queued envelopes
//!   (at most 512) is split by slot into pipelines — one `SPUBLISH` per room per message,
//!   in emission order within a slot — sent concurrently. Order is kept per room channel,
//!   which is what a receiver can observe; across rooms on different shards it is not.
//!   A failed pipeline drops its messages (counted), as in single-node mode; the client
//!   does not retry publishes (a retry after an I/O error could duplicate a message).
//! * **Receiving**: one RESP3 cluster connection whose push messages are decoded in the
//!   push callback and handed to the sink (which never waits: the registry inbox is
//!   bounded). Subscription changes are collapsed per channel into a dirty set; a task
//!   brings each dirty channel to its desired state (`SSUBSCRIBE` or `SUNSUBSCRIBE`,
//!   routed to the slot's owner) and retries failures with backoff (100 ms doubling to
//!   5 s).
//! * **Failover and reconnects**: the client re-subscribes a reconnected node from its
//!   own tracker. On top of that, a lost node connection (a `Disconnection` push) marks
//!   every desired channel dirty, and a server-side `SUNSUBSCRIBE` of a channel we still
//!   want (its slot moved to another node) marks that channel dirty, so the bridge
//!   itself re-issues the subscriptions until the owning nodes accept them. When rounds
//!   keep failing (a dead master whose replica is taking over), the subscriber and the
//!   publisher replace their connection with a fresh one, which reads the current slot
//!   map from the seed nodes; the subscriber then re-issues every subscription on it.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::Slot;
use redis::{PushInfo, PushKind};
use tokio::sync::{mpsc, oneshot, Notify};

use super::{accept, BridgeStats, EnvelopeSink, Received};
use crate::redisconn::{cluster_builder, CONNECT_TIMEOUT};

/// Envelopes waiting for the publisher; beyond this, new ones are dropped (counted).
const PUBLISH_QUEUE: usize = 10_000;
/// Publishes taken from the queue per round at most.
const MAX_BATCH: usize = 512;
/// Subscription commands in flight at once while bringing channels to their state.
const SUBSCRIBE_CONCURRENCY: usize = 64;
/// Consecutive failed rounds after which a connection is replaced by a fresh one, which
/// reads the current slot map from the seed nodes: a shortcut while the client still
/// routes a slot to its unreachable old owner after a failover (the client's own
/// repair gets there too, measured about 2 s later in the failover test).
const FRESH_AFTER_FAILED_ROUNDS: u32 = 2;
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

enum Outgoing {
    Publish { channel: String, payload: Arc<str> },
    Flush(oneshot::Sender<()>),
}

#[derive(Default)]
struct Subscriptions {
    desired: HashSet<String>,
    /// Channels whose server-side state may differ from `desired`.
    dirty: HashSet<String>,
    /// A node connection dropped since the last complete round (counted as a reconnect
    /// once every subscription is back).
    lost: bool,
}

type Shared = Arc<Mutex<Subscriptions>>;

fn lock(subs: &Shared) -> std::sync::MutexGuard<'_, Subscriptions> {
    subs.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Clone)]
pub struct ShardedBridge {
    prefix: Arc<str>,
    publish_tx: mpsc::Sender<Outgoing>,
    subs: Shared,
    changed: Arc<Notify>,
    stats: Arc<BridgeStats>,
}

impl ShardedBridge {
    pub fn start(
        nodes: &[String],
        prefix: &str,
        origin: &str,
        sink: EnvelopeSink,
        stats: Arc<BridgeStats>,
    ) -> Result<ShardedBridge, redis::RedisError> {
        let (publish_tx, publish_rx) = mpsc::channel(PUBLISH_QUEUE);
        let subs: Shared = Arc::default();
        let changed = Arc::new(Notify::new());
        let on_push = push_handler(origin.to_string(), subs.clone(), changed.clone(), sink, stats.clone());
        let sub_client =
            cluster_builder(nodes).use_protocol(redis::ProtocolVersion::RESP3).push_sender(on_push).build()?;
        // No client-side retries for publishing: a retry after an I/O error may resend a
        // pipeline the server already executed (a duplicate), which breaks at-most-once.
        // A `MOVED` answer still makes the client refresh its slot map, so only messages
        // published while a slot moves are lost (counted).
        let pub_client = cluster_builder(nodes).retries(0).build()?;
        tokio::spawn(publisher(pub_client, publish_rx, stats.clone()));
        tokio::spawn(subscriber(sub_client, subs.clone(), changed.clone(), stats.clone()));
        Ok(ShardedBridge { prefix: prefix.into(), publish_tx, subs, changed, stats })
    }

    fn channel(&self, room: &str) -> String {
        format!("{}room:{room}", self.prefix)
    }

    pub fn publish(&self, room: &str, payload: Arc<str>) {
        let msg = Outgoing::Publish { channel: self.channel(room), payload };
        if self.publish_tx.try_send(msg).is_err() {
            let n = self.stats.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
            if n.is_multiple_of(1000) {
                tracing::warn!(dropped = n + 1, "bridge publish queue full: message not bridged");
            }
        }
    }

    fn change(&self, room: &str, add: bool) {
        let channel = self.channel(room);
        {
            let mut s = lock(&self.subs);
            let changed = if add { s.desired.insert(channel.clone()) } else { s.desired.remove(&channel) };
            if !changed {
                return;
            }
            s.dirty.insert(channel);
        }
        self.changed.notify_one();
    }

    pub fn subscribe(&self, room: &str) {
        self.change(room, true);
    }

    pub fn unsubscribe(&self, room: &str) {
        self.change(room, false);
    }

    pub fn subscriptions(&self) -> usize {
        lock(&self.subs).desired.len()
    }

    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.publish_tx.send(Outgoing::Flush(tx)).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(2), rx).await;
        }
    }
}

/// Runs on the cluster client's task for every push: delivers sharded messages, and marks
/// subscriptions for re-issue when a node connection dropped or a slot moved away.
fn push_handler(
    origin: String,
    subs: Shared,
    changed: Arc<Notify>,
    sink: EnvelopeSink,
    stats: Arc<BridgeStats>,
) -> impl Fn(PushInfo) -> Result<(), Infallible> + Send + Sync + 'static {
    move |push: PushInfo| {
        match push.kind {
            PushKind::SMessage => {
                if let Some(msg) = redis::Msg::from_push_info(push) {
                    if let Some(Received::Emit(env)) = accept(msg.get_payload_bytes(), &origin, &stats) {
                        sink(env);
                    }
                }
            }
            PushKind::Disconnection => {
                {
                    let mut s = lock(&subs);
                    let all: Vec<String> = s.desired.iter().cloned().collect();
                    s.dirty.extend(all);
                    s.lost = true;
                }
                changed.notify_one();
            }
            PushKind::SUnsubscribe => {
                let channel = push.data.first().and_then(|v| redis::from_redis_value_ref::<String>(v).ok());
                if let Some(channel) = channel {
                    let mut s = lock(&subs);
                    if s.desired.contains(&channel) {
                        s.dirty.insert(channel);
                        drop(s);
                        changed.notify_one();
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

async fn connect(client: &ClusterClient) -> Option<ClusterConnection> {
    tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_connection()).await.ok()?.ok()
}

/// Opens a cluster connection, retrying with backoff until one succeeds.
async fn connect_with_backoff(client: &ClusterClient, role: &str) -> ClusterConnection {
    let mut backoff = BACKOFF_START;
    let mut warned = false;
    loop {
        if let Some(conn) = connect(client).await {
            if warned {
                tracing::info!(role, "bridge reached the Redis Cluster");
            }
            return conn;
        }
        if !warned {
            tracing::warn!(role, "bridge cannot reach the Redis Cluster; retrying with backoff");
            warned = true;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

async fn publisher(client: ClusterClient, mut rx: mpsc::Receiver<Outgoing>, stats: Arc<BridgeStats>) {
    let mut conn: Option<ClusterConnection> = None;
    let mut backoff = BACKOFF_START;
    let mut retry_at = Instant::now();
    let mut failed_in_outage = 0u64;
    let mut failed_rounds = 0u32;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        if conn.is_none() && Instant::now() >= retry_at {
            conn = connect(&client).await;
            if conn.is_some() {
                backoff = BACKOFF_START;
            } else {
                retry_at = Instant::now() + backoff;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
        let mut by_slot: HashMap<Slot, (redis::Pipeline, u64)> = HashMap::new();
        let mut flushes = Vec::new();
        for m in batch.drain(..) {
            match m {
                Outgoing::Publish { channel, payload } => {
                    let (pipe, n) = by_slot.entry(Slot::for_key(&channel)).or_insert_with(|| (redis::pipe(), 0));
                    pipe.cmd("SPUBLISH").arg(channel).arg(&*payload).ignore();
                    *n += 1;
                }
                Outgoing::Flush(tx) => flushes.push(tx),
            }
        }
        let (mut sent, mut failed) = (0u64, 0u64);
        match &conn {
            Some(c) => {
                let sends = by_slot.into_values().map(|(pipe, n)| {
                    let mut c = c.clone();
                    async move { (pipe.query_async::<()>(&mut c).await.is_ok(), n) }
                });
                for (ok, n) in futures_util::future::join_all(sends).await {
                    if ok {
                        sent += n;
                    } else {
                        failed += n;
                    }
                }
            }
            None => failed = by_slot.values().map(|(_, n)| n).sum(),
        }
        stats.published.fetch_add(sent, Ordering::Relaxed);
        if failed > 0 {
            failed_rounds += 1;
            if failed_rounds >= FRESH_AFTER_FAILED_ROUNDS {
                conn = None;
                failed_rounds = 0;
            }
            if failed_in_outage == 0 {
                tracing::warn!(
                    "bridge publish failed: Redis Cluster unavailable, cross-instance messages are being lost"
                );
            }
            failed_in_outage += failed;
            stats.publish_failed.fetch_add(failed, Ordering::Relaxed);
        } else if sent > 0 {
            failed_rounds = 0;
            if failed_in_outage > 0 {
                tracing::info!(lost = failed_in_outage, "bridge publishing recovered");
                failed_in_outage = 0;
            }
        }
        for tx in flushes {
            let _ = tx.send(());
        }
    }
}

/// Brings every dirty channel to its desired state; failures stay dirty and are retried
/// with backoff. Counts a reconnect when a round succeeds after failures.
async fn subscriber(client: ClusterClient, subs: Shared, changed: Arc<Notify>, stats: Arc<BridgeStats>) {
    let mut conn = connect_with_backoff(&client, "subscriber").await;
    let mut failed_rounds = 0u32;
    let mut backoff = BACKOFF_START;
    let mut down_since: Option<Instant> = None;
    loop {
        let (work, lost): (Vec<(String, bool)>, bool) = {
            let mut s = lock(&subs);
            let dirty = std::mem::take(&mut s.dirty);
            let work = dirty.into_iter().map(|c| (c.clone(), s.desired.contains(&c))).collect();
            (work, std::mem::take(&mut s.lost))
        };
        if lost && down_since.is_none() {
            tracing::warn!("bridge subscriber lost a Redis Cluster node connection; resubscribing");
            down_since = Some(Instant::now());
        }
        if work.is_empty() {
            changed.notified().await;
            continue;
        }
        let count = work.len();
        let failed: Vec<String> = futures_util::stream::iter(work)
            .map(|(channel, want)| {
                let mut c = conn.clone();
                async move {
                    let res = if want { c.ssubscribe(&channel).await } else { c.sunsubscribe(&channel).await };
                    res.err().map(|_| channel)
                }
            })
            .buffer_unordered(SUBSCRIBE_CONCURRENCY)
            .filter_map(|f| async move { f })
            .collect()
            .await;
        if failed.is_empty() {
            failed_rounds = 0;
            if let Some(since) = down_since.take() {
                BridgeStats::bump(&stats.reconnects);
                tracing::info!(
                    channels = count,
                    down_ms = since.elapsed().as_millis() as u64,
                    "bridge subscriber resubscribed after a Redis Cluster outage"
                );
            }
            backoff = BACKOFF_START;
            continue;
        }
        if down_since.is_none() {
            tracing::warn!(
                failed = failed.len(),
                "bridge subscriber: sharded subscriptions failed; retrying with backoff"
            );
            down_since = Some(Instant::now());
        }
        lock(&subs).dirty.extend(failed);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
        failed_rounds += 1;
        if failed_rounds >= FRESH_AFTER_FAILED_ROUNDS {
            failed_rounds = 0;
            // The old connection's subscriptions go with it: re-issue all on the new one.
            conn = connect_with_backoff(&client, "subscriber").await;
            let mut s = lock(&subs);
            let all: Vec<String> = s.desired.iter().cloned().collect();
            s.dirty.extend(all);
        }
    }
}

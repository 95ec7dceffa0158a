//! Redis implementation of the bridge: one publisher task with its own connection, one
//! subscriber task with a dedicated pub/sub connection (a pooled connection cannot
//! SUBSCRIBE). Both survive Redis restarts: they reconnect with backoff, and the
//! subscriber resubscribes every room that still has local members.
//!
//! Publications of a room whose channel has no subscriber but this instance are not sent
//! at all (see [`super::alone`]): the publisher reads the receiver count of every
//! `PUBLISH`, and the subscriber announces each confirmed subscription with a `hello` on
//! the channel so that instances that were alone on it start publishing again.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot, Notify};

use super::alone::{Channels, Publish};
use super::{accept, BridgeStats, Envelope, EnvelopeSink, Received};

/// Envelopes waiting for the publisher; beyond this, new ones are dropped (counted).
const PUBLISH_QUEUE: usize = 10_000;
/// Publishes sent in one pipeline at most.
const MAX_BATCH: usize = 512;
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

enum Outgoing {
    /// `epoch`: the channel's confirmation epoch when sent (its receiver count is
    /// evidence of being alone, `alone.rs`).
    Publish {
        channel: String,
        payload: Arc<str>,
        epoch: Option<u64>,
    },
    Flush(oneshot::Sender<()>),
}

enum Change {
    Subscribe(String),
    Unsubscribe(String),
}

#[derive(Default)]
struct Subscriptions {
    desired: Channels,
    pending: Vec<Change>,
}

type Shared = Arc<Mutex<Subscriptions>>;

fn lock(subs: &Shared) -> std::sync::MutexGuard<'_, Subscriptions> {
    subs.lock().unwrap_or_else(|p| p.into_inner())
}

/// A publication that [`RedisBridge::prepare`] decided to send.
pub struct Prepared {
    channel: String,
    epoch: Option<u64>,
}

#[derive(Clone)]
pub struct RedisBridge {
    prefix: Arc<str>,
    publish_tx: mpsc::Sender<Outgoing>,
    subs: Shared,
    changed: Arc<Notify>,
    stats: Arc<BridgeStats>,
}

impl RedisBridge {
    pub fn start(
        url: &str,
        prefix: &str,
        origin: &str,
        sink: EnvelopeSink,
        stats: Arc<BridgeStats>,
    ) -> Result<RedisBridge, redis::RedisError> {
        let client = crate::redisconn::client(url)?;
        let (publish_tx, publish_rx) = mpsc::channel(PUBLISH_QUEUE);
        let bridge = RedisBridge {
            prefix: prefix.into(),
            publish_tx,
            subs: Shared::default(),
            changed: Arc::new(Notify::new()),
            stats: stats.clone(),
        };
        tokio::spawn(publisher(client.clone(), publish_rx, bridge.subs.clone(), stats.clone()));
        let announce = Announcer { tx: bridge.publish_tx.clone(), hello: Envelope::hello(origin).into() };
        tokio::spawn(subscriber(
            client,
            origin.to_string(),
            bridge.subs.clone(),
            bridge.changed.clone(),
            announce,
            sink,
            stats,
        ));
        Ok(bridge)
    }

    fn channel(&self, room: &str) -> String {
        [&*self.prefix, "room:", room].concat()
    }

    /// Decides whether a publication to `room` goes out (`alone.rs`); a skipped one is
    /// counted. Called before the envelope is encoded, so a relay in a room served by
    /// this instance alone costs no encoding either.
    pub fn prepare(&self, room: &str) -> Option<Prepared> {
        let channel = self.channel(room);
        match lock(&self.subs).desired.publish(&channel, Instant::now()) {
            Publish::Skip => {
                BridgeStats::bump(&self.stats.skipped_alone);
                None
            }
            Publish::Send(epoch) => Some(Prepared { channel, epoch }),
        }
    }

    pub fn publish(&self, prepared: Prepared, payload: Arc<str>) {
        let Prepared { channel, epoch } = prepared;
        let msg = Outgoing::Publish { channel, payload, epoch };
        if self.publish_tx.try_send(msg).is_err() {
            let n = self.stats.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
            if n.is_multiple_of(1000) {
                tracing::warn!(dropped = n + 1, "bridge publish queue full: message not bridged");
            }
        }
    }

    fn change(&self, change: Change) {
        {
            let mut subs = lock(&self.subs);
            let changed = match &change {
                Change::Subscribe(c) => subs.desired.insert(c.clone()),
                Change::Unsubscribe(c) => subs.desired.remove(c),
            };
            if !changed {
                return;
            }
            subs.pending.push(change);
        }
        self.changed.notify_one();
    }

    pub fn subscribe(&self, room: &str) {
        self.change(Change::Subscribe(self.channel(room)));
    }

    pub fn unsubscribe(&self, room: &str) {
        self.change(Change::Unsubscribe(self.channel(room)));
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

async fn connect(client: &redis::Client) -> Option<redis::aio::MultiplexedConnection> {
    tokio::time::timeout(CONNECT_TIMEOUT, client.get_multiplexed_async_connection()).await.ok()?.ok()
}

/// Sends the subscriber's announcements through the publisher's queue (the subscriber's
/// own connection is in pub/sub mode and cannot publish).
struct Announcer {
    tx: mpsc::Sender<Outgoing>,
    hello: Arc<str>,
}

impl Announcer {
    /// Marks `channels` confirmed and announces them, in that order: a publication that
    /// follows can only count this instance once it is subscribed. The announcement is
    /// itself such a publication, sent under the new epoch: when Redis answers that only
    /// this instance received it, the room is alone from then on, before any of its own
    /// traffic had to be published to find out (a reconnect wave's presence updates).
    fn confirmed<'a>(&self, subs: &Shared, channels: impl IntoIterator<Item = &'a String>) {
        let mut confirmed = Vec::new();
        {
            let mut s = lock(subs);
            let now = Instant::now();
            for c in channels {
                s.desired.confirmed(c);
                let epoch = match s.desired.publish(c, now) {
                    Publish::Send(epoch) => epoch,
                    Publish::Skip => None,
                };
                confirmed.push((c.clone(), epoch));
            }
        }
        for (channel, epoch) in confirmed {
            // A full queue loses the announcement; the others' alone marks then expire.
            let _ = self.tx.try_send(Outgoing::Publish { channel, payload: self.hello.clone(), epoch });
        }
    }
}

async fn publisher(client: redis::Client, mut rx: mpsc::Receiver<Outgoing>, subs: Shared, stats: Arc<BridgeStats>) {
    let mut conn = None;
    let mut backoff = BACKOFF_START;
    let mut retry_at = Instant::now();
    let mut failed_in_outage = 0u64;
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
                if failed_in_outage > 0 {
                    tracing::info!(lost = failed_in_outage, "bridge publisher reconnected");
                }
                failed_in_outage = 0;
                backoff = BACKOFF_START;
            } else {
                retry_at = Instant::now() + backoff;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
        let mut pipe = redis::pipe();
        let mut count = 0u64;
        let mut flushes = Vec::new();
        // (index of the PUBLISH in the pipeline, channel, epoch) of the publications whose
        // receiver count can mark their channel alone.
        let mut probes = Vec::new();
        for m in batch.drain(..) {
            match m {
                Outgoing::Publish { channel, payload, epoch } => {
                    pipe.cmd("PUBLISH").arg(&channel).arg(&*payload);
                    if let Some(epoch) = epoch {
                        probes.push((count as usize, channel, epoch));
                    }
                    count += 1;
                }
                Outgoing::Flush(tx) => flushes.push(tx),
            }
        }
        if count > 0 {
            let answers = match conn.as_mut() {
                Some(c) => pipe.query_async::<Vec<i64>>(c).await.ok(),
                None => None,
            };
            if let Some(receivers) = answers {
                stats.published.fetch_add(count, Ordering::Relaxed);
                let alone: Vec<_> = probes.iter().filter(|(i, _, _)| receivers.get(*i) == Some(&1)).collect();
                if !alone.is_empty() {
                    let now = Instant::now();
                    let mut s = lock(&subs);
                    for (_, channel, epoch) in alone {
                        s.desired.answered(channel, *epoch, 1, now);
                    }
                }
            } else {
                if failed_in_outage == 0 {
                    tracing::warn!("bridge publish failed: Redis unavailable, cross-instance messages are being lost");
                }
                failed_in_outage += count;
                stats.publish_failed.fetch_add(count, Ordering::Relaxed);
                conn = None;
            }
        }
        for tx in flushes {
            let _ = tx.send(());
        }
    }
}

/// Channels per SUBSCRIBE or UNSUBSCRIBE at most.
const MAX_CHANNELS_PER_COMMAND: usize = 256;

/// Splits subscription changes into runs of one kind, in order, each at most
/// [`MAX_CHANNELS_PER_COMMAND`] channels: `(subscribe?, channels)`.
fn runs(changes: Vec<Change>) -> Vec<(bool, Vec<String>)> {
    let mut out: Vec<(bool, Vec<String>)> = Vec::new();
    for change in changes {
        let (subscribe, channel) = match change {
            Change::Subscribe(c) => (true, c),
            Change::Unsubscribe(c) => (false, c),
        };
        match out.last_mut() {
            Some((kind, run)) if *kind == subscribe && run.len() < MAX_CHANNELS_PER_COMMAND => run.push(channel),
            _ => out.push((subscribe, vec![channel])),
        }
    }
    out
}

async fn subscriber(
    client: redis::Client,
    origin: String,
    subs: Shared,
    changed: Arc<Notify>,
    announce: Announcer,
    sink: EnvelopeSink,
    stats: Arc<BridgeStats>,
) {
    let mut backoff = BACKOFF_START;
    let mut connected_before = false;
    let mut down_since: Option<Instant> = None;
    loop {
        let pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await.ok().and_then(Result::ok);
        let Some(pubsub) = pubsub else {
            if down_since.is_none() {
                tracing::warn!("bridge subscriber cannot reach Redis; retrying with backoff");
                down_since = Some(Instant::now());
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
            continue;
        };
        backoff = BACKOFF_START;
        let (mut sub_sink, mut stream) = pubsub.split();
        // (Re)subscribe everything desired; pending changes are covered by this.
        let all: Vec<String> = {
            let mut s = lock(&subs);
            s.pending.clear();
            s.desired.names().cloned().collect()
        };
        let mut ok = true;
        for chunk in all.chunks(MAX_CHANNELS_PER_COMMAND) {
            if sub_sink.subscribe(chunk).await.is_err() {
                ok = false;
                break;
            }
            announce.confirmed(&subs, chunk);
        }
        if !ok {
            lock(&subs).desired.unconfirm_all();
            continue;
        }
        if connected_before {
            BridgeStats::bump(&stats.reconnects);
            tracing::info!(
                rooms = all.len(),
                down_ms = down_since.map(|t| t.elapsed().as_millis() as u64),
                "bridge subscriber reconnected and resubscribed"
            );
        }
        connected_before = true;
        loop {
            let pending: Vec<Change> = std::mem::take(&mut lock(&subs).pending);
            let mut failed = false;
            // Consecutive changes of one kind go as one command (order kept): a connect
            // wave starts thousands of rooms, and one SUBSCRIBE and one round trip each
            // made Redis and this thread pay per room, and kept every new room
            // unconfirmed (published to, though alone) for as long as the queue ahead.
            for (subscribe, channels) in runs(pending) {
                let res = if subscribe {
                    let res = sub_sink.subscribe(&channels).await;
                    if res.is_ok() {
                        announce.confirmed(&subs, &channels);
                    }
                    res
                } else {
                    sub_sink.unsubscribe(&channels).await
                };
                if res.is_err() {
                    failed = true;
                    break;
                }
            }
            if failed {
                break;
            }
            tokio::select! {
                () = changed.notified() => {}
                msg = stream.next() => match msg {
                    Some(msg) => match accept(msg.get_payload_bytes(), &origin, &stats) {
                        Some(Received::Emit(env)) => sink(env),
                        Some(Received::Hello) => lock(&subs).desired.announced(msg.get_channel_name()),
                        None => {}
                    },
                    None => break,
                },
            }
        }
        lock(&subs).desired.unconfirm_all();
        tracing::warn!("bridge subscriber lost its Redis connection; reconnecting");
        down_since = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_go_in_runs_of_one_kind_in_order_and_bounded() {
        let sub = |c: &str| Change::Subscribe(c.to_string());
        let unsub = |c: &str| Change::Unsubscribe(c.to_string());
        let got = runs(vec![sub("a"), sub("b"), unsub("a"), sub("a"), sub("c"), unsub("b"), unsub("c")]);
        let v = |s: &[&str]| s.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![(true, v(&["a", "b"])), (false, v(&["a"])), (true, v(&["a", "c"])), (false, v(&["b", "c"]))]
        );
        assert!(runs(Vec::new()).is_empty());
        let many: Vec<Change> = (0..MAX_CHANNELS_PER_COMMAND * 2 + 1).map(|i| sub(&i.to_string())).collect();
        let sizes: Vec<usize> = runs(many).iter().map(|(_, r)| r.len()).collect();
        assert_eq!(sizes, vec![MAX_CHANNELS_PER_COMMAND, MAX_CHANNELS_PER_COMMAND, 1]);
    }
}

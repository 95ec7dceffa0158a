//! One contract suite run against every bridge implementation (in-memory hub, real
//! Redis at 127.0.0.1:6379 with a unique channel prefix per test, and sharded pub/sub on
//! a real local Redis Cluster of three masters started per test).

use std::time::Duration;

use tokio::sync::mpsc;

use super::memory::MemoryHub;
#[path = "../../../tests/api/redis_cluster.rs"]
#[allow(dead_code)]
mod redis_cluster;
use super::{BridgeHandle, BridgeStats, Envelope, EnvelopeSink};
use redis_cluster::RedisCluster;

const REDIS_URL: &str = "redis://127.0.0.1:6379";
const WAIT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
enum Kind {
    Memory,
    Redis,
    Cluster,
}

struct Node {
    bridge: BridgeHandle,
    rx: mpsc::UnboundedReceiver<Envelope>,
}

struct Cluster {
    nodes: Vec<Node>,
    hub: Option<MemoryHub>,
    prefix: String,
    redis_cluster: Option<RedisCluster>,
}

fn sink() -> (EnvelopeSink, mpsc::UnboundedReceiver<Envelope>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (std::sync::Arc::new(move |e| drop(tx.send(e))), rx)
}

fn cluster(kind: Kind, n: usize) -> Cluster {
    let prefix = format!("bridgetest:{}:", uuid::Uuid::new_v4().simple());
    let hub = matches!(kind, Kind::Memory).then(MemoryHub::new);
    let redis_cluster = matches!(kind, Kind::Cluster).then(RedisCluster::start);
    let nodes = (0..n)
        .map(|i| {
            let origin = format!("node{i}xyz");
            let (s, rx) = sink();
            let bridge = match kind {
                Kind::Memory => BridgeHandle::memory(hub.as_ref().unwrap(), &origin, s),
                Kind::Redis => BridgeHandle::redis(REDIS_URL, &prefix, &origin, s).unwrap(),
                Kind::Cluster => {
                    let nodes = redis_cluster.as_ref().unwrap().node_urls();
                    BridgeHandle::redis_cluster(&nodes, &prefix, &origin, s).unwrap()
                }
            };
            Node { bridge, rx }
        })
        .collect();
    Cluster { nodes, hub, prefix, redis_cluster }
}

async fn recv(node: &mut Node) -> Option<Envelope> {
    tokio::time::timeout(WAIT, node.rx.recv()).await.ok().flatten()
}

async fn silent(node: &mut Node) {
    if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(300), node.rx.recv()).await {
        panic!("unexpected envelope {e:?}");
    }
}

/// Publishes probes from `from` until `to` receives one (subscriptions on Redis take
/// effect asynchronously), then drains.
async fn settle(c: &mut Cluster, from: usize, to: usize, room: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        c.nodes[from].bridge.publish(&[room.to_string()], vec![], "2[\"probe\"]");
        if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), c.nodes[to].rx.recv()).await {
            while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(100), c.nodes[to].rx.recv()).await {}
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "subscription never took effect");
    }
}

async fn drain(node: &mut Node) {
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(150), node.rx.recv()).await {}
}

async fn inject_garbage(c: &Cluster, room: &str, bytes: &[u8]) {
    let channel = format!("{}room:{room}", c.prefix);
    match (&c.hub, &c.redis_cluster) {
        (Some(hub), _) => hub.inject(room, bytes),
        (None, Some(rc)) => {
            let client = redis::cluster::ClusterClient::new(rc.node_urls()).unwrap();
            let mut conn = client.get_async_connection().await.unwrap();
            let _: i64 = redis::cmd("SPUBLISH").arg(channel).arg(bytes).query_async(&mut conn).await.unwrap();
        }
        (None, None) => {
            let client = redis::Client::open(REDIS_URL).unwrap();
            let mut conn = client.get_multiplexed_async_connection().await.unwrap();
            let _: i64 = redis::cmd("PUBLISH").arg(channel).arg(bytes).query_async(&mut conn).await.unwrap();
        }
    }
}

async fn delivers_to_subscribers_only_and_drops_own_echoes(kind: Kind) {
    let mut c = cluster(kind, 3);
    c.nodes[0].bridge.subscribe("USER:1");
    c.nodes[1].bridge.subscribe("USER:1");
    settle(&mut c, 2, 1, "USER:1").await;
    settle(&mut c, 2, 0, "USER:1").await;
    drain(&mut c.nodes[1]).await;
    c.nodes[0].bridge.publish(&["USER:1".into()], vec!["sock".into()], "2/remote-control,[\"ping\"]");
    let got = recv(&mut c.nodes[1]).await.expect("delivered");
    assert_eq!(got.origin, "node0xyz");
    assert_eq!(got.rooms, vec!["USER:1"]);
    assert_eq!(got.except, vec!["sock"]);
    assert_eq!(got.packet, "2/remote-control,[\"ping\"]");
    silent(&mut c.nodes[0]).await;
    silent(&mut c.nodes[2]).await;
    assert!(BridgeStats::get(&c.nodes[0].bridge.stats.dropped_own) >= 1, "{kind:?}");
}

async fn unsubscribing_stops_delivery(kind: Kind) {
    let mut c = cluster(kind, 2);
    c.nodes[1].bridge.subscribe("USER:2");
    settle(&mut c, 0, 1, "USER:2").await;
    assert_eq!(c.nodes[1].bridge.subscriptions(), 1);
    c.nodes[1].bridge.unsubscribe("USER:2");
    assert_eq!(c.nodes[1].bridge.subscriptions(), 0);
    // Let the unsubscribe reach Redis: a second room subscribed afterwards settles first.
    c.nodes[1].bridge.subscribe("USER:3");
    settle(&mut c, 0, 1, "USER:3").await;
    c.nodes[0].bridge.publish(&["USER:2".into()], vec![], "2[\"x\"]");
    silent(&mut c.nodes[1]).await;
}

async fn one_origin_is_received_in_order(kind: Kind) {
    let mut c = cluster(kind, 2);
    c.nodes[1].bridge.subscribe("USER:9");
    settle(&mut c, 0, 1, "USER:9").await;
    for i in 0..200 {
        c.nodes[0].bridge.publish(&["USER:9".into()], vec![], &format!("2[\"n\",{i}]"));
    }
    let mut last = 0;
    for i in 0..200 {
        let e = recv(&mut c.nodes[1]).await.expect("all 200 arrive");
        assert_eq!(e.packet, format!("2[\"n\",{i}]"));
        assert!(e.seq > last);
        last = e.seq;
    }
}

async fn malformed_and_foreign_envelopes_are_dropped_and_counted(kind: Kind) {
    let mut c = cluster(kind, 2);
    c.nodes[1].bridge.subscribe("USER:5");
    settle(&mut c, 0, 1, "USER:5").await;
    let before = BridgeStats::get(&c.nodes[1].bridge.stats.dropped_invalid);
    inject_garbage(&c, "USER:5", b"\x00\xffnot json").await;
    inject_garbage(
        &c,
        "USER:5",
        br#"{"v":2,"origin":"AAAAAAAA","seq":1,"kind":"emit","nsp":"/","rooms":["USER:5"],"packet":"2[]"}"#,
    )
    .await;
    inject_garbage(
        &c,
        "USER:5",
        br#"{"v":1,"origin":"AAAAAAAA","seq":1,"kind":"rpc","nsp":"/","rooms":["USER:5"],"packet":"2[]"}"#,
    )
    .await;
    // A valid message after the garbage still arrives: the bridge survived.
    c.nodes[0].bridge.publish(&["USER:5".into()], vec![], "2[\"after\"]");
    let e = recv(&mut c.nodes[1]).await.expect("bridge still works");
    assert_eq!(e.packet, "2[\"after\"]");
    assert_eq!(BridgeStats::get(&c.nodes[1].bridge.stats.dropped_invalid) - before, 3, "{kind:?}");
}

async fn a_multi_room_emission_is_one_envelope_per_room_with_one_seq(kind: Kind) {
    let mut c = cluster(kind, 2);
    c.nodes[1].bridge.subscribe("USER:7");
    c.nodes[1].bridge.subscribe("DREAM:abc");
    settle(&mut c, 0, 1, "USER:7").await;
    settle(&mut c, 0, 1, "DREAM:abc").await;
    drain(&mut c.nodes[1]).await;
    c.nodes[0].bridge.publish(&["USER:7".into(), "DREAM:abc".into()], vec![], "2[\"job:progress\"]");
    let a = recv(&mut c.nodes[1]).await.unwrap();
    let b = recv(&mut c.nodes[1]).await.unwrap();
    assert_eq!((a.origin.clone(), a.seq), (b.origin.clone(), b.seq), "receivers dedupe on (origin, seq)");
    assert_eq!(a.rooms, vec!["USER:7", "DREAM:abc"]);
}

/// A connect or disconnect wave changes many subscriptions at once (the Redis bridge
/// sends them in batches): the result is the last state asked for, channel by channel.
async fn a_burst_of_subscription_changes_ends_in_the_last_state(kind: Kind) {
    let mut c = cluster(kind, 2);
    let room = |i: usize| format!("USER:{}", 1000 + i);
    for i in 0..600 {
        c.nodes[1].bridge.subscribe(&room(i));
    }
    for i in (0..600).step_by(2) {
        c.nodes[1].bridge.unsubscribe(&room(i));
    }
    c.nodes[1].bridge.subscribe(&room(0));
    c.nodes[1].bridge.subscribe("USER:9999");
    assert_eq!(c.nodes[1].bridge.subscriptions(), 302);
    settle(&mut c, 0, 1, "USER:9999").await;
    for i in 0..600 {
        c.nodes[0].bridge.publish(&[room(i)], vec![], &format!("2[\"n\",{i}]"));
    }
    let mut got = std::collections::BTreeSet::new();
    while let Some(e) = recv(&mut c.nodes[1]).await {
        got.insert(e.rooms[0].clone());
        if got.len() == 301 {
            break;
        }
    }
    let want: std::collections::BTreeSet<String> = (0..600).filter(|i| i % 2 == 1 || *i == 0).map(room).collect();
    assert_eq!(got, want, "{kind:?}");
    silent(&mut c.nodes[1]).await;
}

macro_rules! contract {
    ($($name:ident),*) => {
        mod memory_impl {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::Memory).await })*
        }
        mod redis_impl {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::Redis).await })*
        }
        mod rcluster_sharded_impl {
            $(#[tokio::test] async fn $name() { super::$name(super::Kind::Cluster).await })*
        }
    };
}

contract!(
    delivers_to_subscribers_only_and_drops_own_echoes,
    unsubscribing_stops_delivery,
    one_origin_is_received_in_order,
    malformed_and_foreign_envelopes_are_dropped_and_counted,
    a_multi_room_emission_is_one_envelope_per_room_with_one_seq,
    a_burst_of_subscription_changes_ends_in_the_last_state
);

/// A room whose channel hashes into each of the three masters' slot ranges (as
/// `redis-cli --cluster create` assigns them: 0-5460, 5461-10922, 10923-16383).
fn room_per_shard(prefix: &str) -> Vec<String> {
    let mut rooms: Vec<Option<String>> = vec![None, None, None];
    for i in 0.. {
        let room = format!("USER:{i}");
        let slot = crc16_slot(format!("{prefix}room:{room}").as_bytes());
        let shard = usize::from(slot / 5461).min(2);
        rooms[shard].get_or_insert(room);
        if rooms.iter().all(Option::is_some) {
            break;
        }
    }
    rooms.into_iter().flatten().collect()
}

/// The cluster key slot (CRC16/XMODEM mod 16384; our channels carry no hash tag).
fn crc16_slot(key: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in key {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc % 16384
}

/// Sharded mode only: rooms on every shard relay, and after the node carrying one of
/// them is killed and restarted the bridge resubscribes and relaying resumes.
#[tokio::test]
async fn rcluster_rooms_on_every_shard_relay_and_resume_after_a_node_restart() {
    let mut c = cluster(Kind::Cluster, 2);
    let rooms = room_per_shard(&c.prefix);
    for room in &rooms {
        c.nodes[1].bridge.subscribe(room);
    }
    for room in &rooms {
        settle(&mut c, 0, 1, room).await;
    }
    assert_eq!(c.nodes[1].bridge.subscriptions(), 3);
    let victim = c.redis_cluster.as_ref().unwrap().ports[1];
    c.redis_cluster.as_mut().unwrap().stop_node(victim);
    // The other shards keep relaying while one node is down.
    c.nodes[0].bridge.publish(&[rooms[0].clone()], vec![], "2[\"during\"]");
    let got = recv(&mut c.nodes[1]).await.expect("a healthy shard still relays");
    assert_eq!(got.packet, "2[\"during\"]");
    c.redis_cluster.as_mut().unwrap().start_node(victim);
    // The restarted node's room resumes once the bridge has resubscribed there.
    settle(&mut c, 0, 1, &rooms[1]).await;
    for room in &rooms {
        settle(&mut c, 0, 1, room).await;
    }
    assert_eq!(c.nodes[1].bridge.subscriptions(), 3);
    // The outage was noticed and the resubscription counted.
    assert!(BridgeStats::get(&c.nodes[1].bridge.stats.reconnects) >= 1);
}

/// Sharded mode with a replica per master: when the master carrying a room is killed,
/// its replica takes over the slots and the bridge's subscription follows it.
#[tokio::test]
async fn rcluster_a_failover_to_a_replica_resumes_relaying() {
    let prefix = format!("bridgetest:{}:", uuid::Uuid::new_v4().simple());
    let mut rc = RedisCluster::start_with_replicas(1);
    let nodes: Vec<Node> = (0..2)
        .map(|i| {
            let (s, rx) = sink();
            let bridge = BridgeHandle::redis_cluster(&rc.node_urls(), &prefix, &format!("node{i}xyz"), s).unwrap();
            Node { bridge, rx }
        })
        .collect();
    let mut c = Cluster { nodes, hub: None, prefix, redis_cluster: None };
    let room = room_per_shard(&c.prefix)[1].clone();
    c.nodes[1].bridge.subscribe(&room);
    settle(&mut c, 0, 1, &room).await;
    // Masters come first in `ports`: the second one owns the room's slot.
    rc.stop_node(rc.ports[1]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        c.nodes[0].bridge.publish(std::slice::from_ref(&room), vec![], "2[\"after failover\"]");
        if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(300), c.nodes[1].rx.recv()).await {
            if e.packet.contains("after failover") {
                break;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "relaying never resumed after the failover");
    }
    assert_eq!(c.nodes[1].bridge.subscriptions(), 1);
}

/// Polls `cond` every 10 ms for at most [`WAIT`].
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Single-node Redis: the answer to an instance's own announcement already tells it that
/// nobody else serves the room, so its very first publication is skipped.
#[tokio::test]
async fn redis_the_announcements_answer_marks_a_lonely_room_before_its_first_publication() {
    let c = cluster(Kind::Redis, 1);
    let room = "USER:78";
    let stats = c.nodes[0].bridge.stats.clone();
    c.nodes[0].bridge.subscribe(room);
    // The announcement is published once the subscription is confirmed.
    eventually("the announcement is published", || BridgeStats::get(&stats.published) >= 1).await;
    c.nodes[0].bridge.flush().await;
    c.nodes[0].bridge.publish(&[room.into()], vec![], "2[\"first\"]");
    c.nodes[0].bridge.flush().await;
    assert_eq!(BridgeStats::get(&stats.skipped_alone), 1, "the first publication is skipped");
    assert_eq!(BridgeStats::get(&stats.published), 1, "only the announcement went to Redis");
}

/// Single-node Redis: publications of a room no other instance serves are skipped, an
/// instance that subscribes announces itself and receives the very next publication,
/// and once it leaves the first instance stops publishing again.
#[tokio::test]
async fn redis_a_room_served_by_one_instance_only_is_not_published_until_another_subscribes() {
    let mut c = cluster(Kind::Redis, 2);
    let room = "USER:77";
    let packet = |i: usize| format!("2[\"n\",{i}]");
    c.nodes[0].bridge.subscribe(room);
    let stats = c.nodes[0].bridge.stats.clone();
    eventually("publications of a lonely room are skipped", || {
        c.nodes[0].bridge.publish(&[room.into()], vec![], "2[\"probe\"]");
        BridgeStats::get(&stats.skipped_alone) > 0
    })
    .await;
    c.nodes[0].bridge.flush().await;
    let (published, skipped) = (BridgeStats::get(&stats.published), BridgeStats::get(&stats.skipped_alone));
    for i in 0..100 {
        c.nodes[0].bridge.publish(&[room.into()], vec![], &packet(i));
    }
    c.nodes[0].bridge.flush().await;
    let sent = BridgeStats::get(&stats.published) - published;
    assert!(sent <= 1, "at most the one publication that renews the mark is sent, got {sent}");
    assert!(BridgeStats::get(&stats.skipped_alone) - skipped >= 99);

    // A second instance subscribes: its announcement reaches the first one, whose next
    // publication goes out again.
    c.nodes[1].bridge.subscribe(room);
    eventually("the first instance hears the announcement", || BridgeStats::get(&stats.announcements) >= 1).await;
    c.nodes[0].bridge.publish(&[room.into()], vec![], &packet(1000));
    let got = recv(&mut c.nodes[1]).await.expect("the first publication after the announcement arrives");
    assert_eq!(got.packet, packet(1000));
    // And the newcomer's own publications reach the first instance from the start.
    c.nodes[1].bridge.publish(&[room.into()], vec![], &packet(2000));
    assert_eq!(recv(&mut c.nodes[0]).await.expect("delivered").packet, packet(2000));
    for i in 0..50 {
        c.nodes[0].bridge.publish(&[room.into()], vec![], &packet(3000 + i));
    }
    for i in 0..50 {
        assert_eq!(recv(&mut c.nodes[1]).await.expect("all 50 arrive").packet, packet(3000 + i));
    }

    // The newcomer leaves: the first instance is alone again.
    c.nodes[1].bridge.unsubscribe(room);
    let skipped = BridgeStats::get(&stats.skipped_alone);
    eventually("skipping resumes once the other instance left", || {
        c.nodes[0].bridge.publish(&[room.into()], vec![], "2[\"probe\"]");
        BridgeStats::get(&stats.skipped_alone) > skipped
    })
    .await;
    silent(&mut c.nodes[1]).await;
}

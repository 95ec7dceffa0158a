//! Three real server processes on a real local Redis Cluster (3 masters): the bridge uses
//! sharded pub/sub, presence keys are hash-tagged per user, and users whose room channels
//! live on different shards relay exactly once and see cluster-wide presence.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;
use crate::rawsock::*;
use crate::redis_cluster::RedisCluster;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The cluster key slot of `key` (CRC16/XMODEM mod 16384; honours one `{tag}`).
pub fn slot(key: &str) -> u16 {
    let bytes = key.as_bytes();
    let tagged = key
        .find('{')
        .and_then(|open| key[open + 1..].find('}').map(|len| &bytes[open + 1..open + 1 + len]))
        .filter(|t| !t.is_empty());
    let mut crc: u16 = 0;
    for &b in tagged.unwrap_or(bytes) {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc % 16384
}

/// Which of the three masters owns `slot` (`redis-cli --cluster create` splits evenly).
pub fn shard(slot: u16) -> usize {
    usize::from(slot / 5461).min(2)
}

pub struct Deployment {
    pub servers: Vec<ChildServer>,
    pub users: Vec<(i64, String)>,
    pub prefix: String,
    db: String,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.servers.clear();
        drop_database(self.db.clone());
    }
}

/// Creates three users, picks a `REDIS_PREFIX` under which their `USER:<id>` room
/// channels land on three different shards, and starts `n` servers with `REDIS_URL`
/// `redis_url` (every node, or one seed node).
pub async fn deploy(n: usize, redis_url: &str) -> Deployment {
    let db = create_database().await;
    let mut users = Vec::new();
    for i in 0..3 {
        let (code, out, err) = run_cli(&db, &["users", "add", "--email", &format!("rc{i}@example.com"), "--api-key"]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(out.trim()).unwrap();
        users.push((v["id"].as_i64().unwrap(), v["apiKey"].as_str().unwrap().to_string()));
    }
    let prefix = (0..)
        .map(|i| format!("rc{i}:"))
        .find(|p| {
            let mut shards: Vec<usize> =
                users.iter().map(|(id, _)| shard(slot(&format!("{p}room:USER:{id}")))).collect();
            shards.sort_unstable();
            shards == [0, 1, 2]
        })
        .unwrap();
    let servers = (0..n)
        .map(|_| {
            let port = free_port();
            let mut env: HashMap<String, String> = base_env(&db);
            env.insert("PORT".into(), port.to_string());
            env.insert("REDIS_URL".into(), redis_url.into());
            env.insert("INSTANCE_ADVERTISE_ADDR".into(), format!("http://127.0.0.1:{port}"));
            env.insert("REDIS_PREFIX".into(), prefix.clone());
            env.insert("PRESENCE_LEASE_SECS".into(), "3".into());
            env.insert("SHUTDOWN_TIMEOUT_SECS".into(), "3".into());
            ChildServer::start(&env, None)
        })
        .collect();
    Deployment { servers, users, prefix, db }
}

pub async fn device(port: u16, key: &str) -> RawWs {
    RawWs::remote_control(port, key).await.0
}

pub fn presence_is(n: usize) -> impl Fn(&str) -> bool {
    move |f: &str| f.contains("client_presence") && f.contains(&format!("\"connectedDevices\":{n},"))
}

/// Sum over every node of `PUBSUB <sub> <channel>` (plain or sharded subscriber counts).
pub async fn subscribers(redis: &RedisCluster, sub: &str, channel: &str) -> i64 {
    let mut total = 0;
    for url in redis.node_urls() {
        let client = redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let (_, n): (String, i64) = redis::cmd("PUBSUB").arg(sub).arg(channel).query_async(&mut conn).await.unwrap();
        total += n;
    }
    total
}

#[actix_web::test]
async fn rcluster_users_on_different_shards_relay_once_with_cluster_wide_presence() {
    let redis = RedisCluster::start();
    let d = deploy(3, &redis.url()).await;
    let ports: Vec<u16> = d.servers.iter().map(|s| s.port).collect();
    let (ka, kb, kc) = (&d.users[0].1, &d.users[1].1, &d.users[2].1);
    // User A on every instance, B on two, C on one.
    let mut a = vec![device(ports[0], ka).await, device(ports[1], ka).await, device(ports[2], ka).await];
    let mut b = [device(ports[2], kb).await, device(ports[0], kb).await];
    let mut c = device(ports[1], kc).await;
    for ws in a.iter_mut() {
        ws.text_until(presence_is(3)).await;
    }
    for ws in b.iter_mut() {
        ws.text_until(presence_is(2)).await;
    }
    c.text_until(presence_is(1)).await;

    // The rooms travel over sharded pub/sub only: every instance with a member of a room
    // holds one sharded subscription to its channel, none is a plain subscription.
    let (ida, idb, idc) = (d.users[0].0, d.users[1].0, d.users[2].0);
    for (id, members) in [(ida, 3), (idb, 2), (idc, 1)] {
        let channel = format!("{}room:USER:{id}", d.prefix);
        assert_eq!(subscribers(&redis, "SHARDNUMSUB", &channel).await, members, "{channel}");
        assert_eq!(subscribers(&redis, "NUMSUB", &channel).await, 0, "{channel}");
    }
    // Presence lives under hash-tagged keys (both of a user's sets in one slot).
    let cluster = redis::cluster::ClusterClient::new(redis.node_urls()).unwrap();
    let mut conn = cluster.get_async_connection().await.unwrap();
    let n: i64 =
        redis::cmd("ZCARD").arg(format!("{}presence:{{{ida}}}", d.prefix)).query_async(&mut conn).await.unwrap();
    assert_eq!(n, 3);

    let cmd = r#"42/remote-control,["new_remote_control_event",{"event":"next","isWebClientEvent":true}]"#;
    a[1].send(cmd).await;
    for ws in a.iter_mut() {
        assert_eq!(ws.text_until(|f| is_event(f, "new_remote_control_event")).await, cmd);
    }
    let cmd_b = r#"42/remote-control,["new_remote_control_event",{"event":"darker","isWebClientEvent":true}]"#;
    b[0].send(cmd_b).await;
    for ws in b.iter_mut() {
        assert_eq!(ws.text_until(|f| is_event(f, "new_remote_control_event")).await, cmd_b);
    }
    // Exactly once, and nothing crosses to another user.
    for ws in a.iter_mut().chain(b.iter_mut()).chain(std::iter::once(&mut c)) {
        ws.no_event_for("new_remote_control_event", Duration::from_millis(500)).await;
    }

    // Leaving updates cluster-wide presence for the remaining devices on other instances.
    drop(a.pop());
    a[0].text_until(presence_is(2)).await;
    a[1].text_until(presence_is(2)).await;
}

#[actix_web::test]
async fn rcluster_health_reports_the_cluster_and_relays_resume_after_a_node_restart() {
    let mut redis = RedisCluster::start();
    let d = deploy(2, &redis.url()).await;
    let ports: Vec<u16> = d.servers.iter().map(|s| s.port).collect();
    let health: Value =
        reqwest::get(format!("http://127.0.0.1:{}/api/v1/health", ports[0])).await.unwrap().json().await.unwrap();
    assert_eq!(health["data"]["redis"], serde_json::json!({"ok": true, "enabled": true}));

    // The user whose room lives on the second master.
    let (id, key) = d.users.iter().find(|(id, _)| shard(slot(&format!("{}room:USER:{id}", d.prefix))) == 1).unwrap();
    let mut x = device(ports[0], key).await;
    let mut y = device(ports[1], key).await;
    x.text_until(presence_is(2)).await;
    y.text_until(presence_is(2)).await;

    let victim = redis.ports[1];
    redis.stop_node(victim);
    // Health checks every master: one is down.
    let health: Value =
        reqwest::get(format!("http://127.0.0.1:{}/api/v1/health", ports[0])).await.unwrap().json().await.unwrap();
    assert_eq!(health["data"]["redis"]["ok"], false, "{health}");
    // Local relays continue meanwhile.
    let mut x2 = device(ports[0], key).await;
    x.send(r#"42/remote-control,["new_remote_control_event",{"event":"brighter","isWebClientEvent":true}]"#).await;
    x2.text_until(|f| f.contains("brighter")).await;

    redis.start_node(victim);
    // Cross-instance relays resume once the bridge has resubscribed on the restarted node.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut n = 0;
    'outer: loop {
        n += 1;
        x.send(&format!(
            "42/remote-control,[\"new_remote_control_event\",{{\"event\":\"status\",\"currentTime\":{n}}}]"
        ))
        .await;
        while let Some(Frame::Text(f)) = y.next(Duration::from_millis(300)).await {
            if f.contains("\"status\"") {
                break 'outer;
            }
        }
        assert!(std::time::Instant::now() < deadline, "cross-instance relay on USER:{id} did not resume");
    }
}

//! Cluster mode beyond the relay: detection from one seed node, the refused
//! `REDIS_PREFIX`, the instance registry (polling forwarding), a killed instance, and a
//! failover to a replica (presence script and bridge follow the new master).

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::helpers::*;
use crate::rawsock::*;
use crate::rcluster_relay::{deploy, device, presence_is, shard, slot, subscribers};
use crate::redis_cluster::RedisCluster;

#[actix_web::test]
async fn rcluster_one_seed_node_is_detected_as_a_cluster_and_polling_is_forwarded() {
    let redis = RedisCluster::start();
    // Only the first node is named: `INFO cluster` tells the server it is a cluster.
    let d = deploy(2, &redis.node_urls()[0]).await;
    let ports: Vec<u16> = d.servers.iter().map(|s| s.port).collect();
    let (id, key) = (d.users[2].0, d.users[2].1.clone());
    let mut ws = device(ports[0], &key).await;
    ws.text_until(presence_is(1)).await;
    let channel = format!("{}room:USER:{id}", d.prefix);
    assert_eq!(subscribers(&redis, "SHARDNUMSUB", &channel).await, 1, "sharded subscription on {channel}");
    assert_eq!(subscribers(&redis, "NUMSUB", &channel).await, 0);

    // A polling session owned by instance 0, driven through instance 1: the request is
    // forwarded to the owner found in the registry (`instance:<id>`, kept in the cluster).
    let http = reqwest::Client::new();
    let open = http.get(polling_url(ports[0], "")).send().await.unwrap().text().await.unwrap();
    let sid = serde_json::from_str::<Value>(&open[1..]).unwrap()["sid"].as_str().unwrap().to_string();
    let connect = format!("40/remote-control,{{\"apiKey\":\"{key}\"}}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        // The owner advertises itself right after start; retry until its entry is there.
        let res = http.post(polling_url(ports[1], &format!("&sid={sid}"))).body(connect.clone()).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "polling forwarding never worked: {}", res.status());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let got = http.get(polling_url(ports[1], &format!("&sid={sid}"))).send().await.unwrap().text().await.unwrap();
    assert!(got.contains("40/remote-control,"), "{got}");
    // The polling socket counts in the user's cluster-wide presence.
    ws.text_until(presence_is(2)).await;
}

#[actix_web::test]
async fn rcluster_a_prefix_with_braces_is_refused_at_startup() {
    let redis = RedisCluster::start();
    let db = create_database().await;
    let mut env = base_env(&db);
    env.insert("REDIS_URL".into(), redis.url());
    env.insert("REDIS_PREFIX".into(), "app{1}:".into());
    let out = Command::new(binary())
        .arg("serve")
        .env_clear()
        .envs(&env)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    drop_database(db);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("REDIS_PREFIX must not contain"), "{stderr}");
}

#[actix_web::test]
async fn rcluster_a_killed_instance_stops_being_counted_and_survivors_keep_relaying() {
    let redis = RedisCluster::start();
    let mut d = deploy(3, &redis.url()).await;
    let ports: Vec<u16> = d.servers.iter().map(|s| s.port).collect();
    let key = d.users[1].1.clone();
    let mut a = device(ports[0], &key).await;
    let mut b = device(ports[1], &key).await;
    let _c = device(ports[2], &key).await;
    a.text_until(presence_is(3)).await;
    b.text_until(presence_is(3)).await;
    // kill -9: no shutdown hook runs; its presence entries expire with their lease.
    let mut victim = d.servers.remove(2);
    victim.child.kill().unwrap();
    victim.child.wait().unwrap();
    a.text_until_within(presence_is(2), std::time::Duration::from_secs(15)).await;
    a.send(r#"42/remote-control,["new_remote_control_event",{"event":"darker","isWebClientEvent":true}]"#).await;
    let got = b.text_until(|f| f.contains("darker")).await;
    assert!(is_event(&got, "new_remote_control_event"));
}

#[actix_web::test]
async fn rcluster_presence_and_relays_survive_a_failover_to_a_replica() {
    let mut redis = RedisCluster::start_with_replicas(1);
    let d = deploy(2, &redis.url()).await;
    let ports: Vec<u16> = d.servers.iter().map(|s| s.port).collect();
    // The user whose presence keys (hash tag = user id) live on the second master, which
    // is the one killed (masters come first in `ports`).
    let (_, key) = d
        .users
        .iter()
        .find(|(id, _)| shard(slot(&format!("{}presence:{{{id}}}", d.prefix))) == 1)
        .cloned()
        .expect("a user whose presence keys live on the second master");
    let mut x = device(ports[0], &key).await;
    let mut y = device(ports[1], &key).await;
    x.text_until(presence_is(2)).await;
    y.text_until(presence_is(2)).await;

    redis.stop_node(redis.ports[1]);
    // Once a replica has taken over, a new device on instance 1 is counted cluster-wide:
    // instance 0's device sees 3 (local counts would give it 1).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let mut extra = Vec::new();
    let mut seen = Vec::new();
    'presence: loop {
        extra.push(device(ports[1], &key).await);
        let want = format!("\"connectedDevices\":{},", 2 + extra.len());
        while let Some(Frame::Text(f)) = x.next(std::time::Duration::from_millis(1500)).await {
            if f.contains("client_presence") {
                if f.contains(&want) {
                    break 'presence;
                }
                seen.push(f);
            }
        }
        assert!(std::time::Instant::now() < deadline, "presence never became cluster-wide again: {seen:?}");
    }
    // And the room relays across instances again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    'outer: loop {
        x.send(r#"42/remote-control,["new_remote_control_event",{"event":"darker","isWebClientEvent":true}]"#).await;
        while let Some(Frame::Text(f)) = y.next(std::time::Duration::from_millis(300)).await {
            if f.contains("darker") {
                break 'outer;
            }
        }
        assert!(std::time::Instant::now() < deadline, "cross-instance relay did not resume after the failover");
    }
}

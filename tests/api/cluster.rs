//! Several real server processes sharing one Redis (`realtime.md` §10, §13, §2.8).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;
use crate::rawsock::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Cluster {
    servers: Vec<ChildServer>,
    db: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.servers.clear();
        drop_database(self.db.clone());
    }
}

fn start_cluster(n: usize, redis_url: &str, extra: &[(&str, &str)]) -> (Cluster, Vec<(String, String)>) {
    let db = futures_executor_block(create_database());
    let mut users = Vec::new();
    for i in 0..2 {
        let (code, out, err) = run_cli(&db, &["users", "add", "--email", &format!("c{i}@example.com"), "--api-key"]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(out.trim()).unwrap();
        users.push((v["id"].to_string(), v["apiKey"].as_str().unwrap().to_string()));
    }
    let prefix = format!("cluster{}:", uuid::Uuid::new_v4().simple());
    let servers = (0..n)
        .map(|_| {
            let port = free_port();
            let mut env: HashMap<String, String> = base_env(&db);
            env.insert("PORT".into(), port.to_string());
            env.insert("REDIS_URL".into(), redis_url.into());
            env.insert("REDIS_PREFIX".into(), prefix.clone());
            env.insert("PRESENCE_LEASE_SECS".into(), "3".into());
            env.insert("INSTANCE_ADVERTISE_ADDR".into(), format!("http://127.0.0.1:{port}"));
            env.insert("SHUTDOWN_TIMEOUT_SECS".into(), "3".into());
            for (k, v) in extra {
                env.insert(k.to_string(), v.to_string());
            }
            ChildServer::start(&env, None)
        })
        .collect();
    (Cluster { servers, db }, users)
}

/// Runs a future to completion from synchronous setup code inside an async test.
fn futures_executor_block<F: std::future::Future + Send + 'static>(f: F) -> F::Output
where
    F::Output: Send + 'static,
{
    std::thread::spawn(move || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f))
        .join()
        .unwrap()
}

async fn device(port: u16, key: &str) -> RawWs {
    RawWs::remote_control(port, key).await.0
}

fn presence_is(n: usize) -> impl Fn(&str) -> bool {
    move |f: &str| f.contains("client_presence") && f.contains(&format!("\"connectedDevices\":{n},"))
}

#[actix_web::test]
async fn relays_reach_every_device_once_across_three_instances_and_nobody_else() {
    let (cluster, users) = start_cluster(3, REDIS_URL, &[]);
    let ports: Vec<u16> = cluster.servers.iter().map(|s| s.port).collect();
    let (u1, u2) = (&users[0].1, &users[1].1);
    let mut a = device(ports[0], u1).await;
    let mut b = device(ports[1], u1).await;
    let mut c = device(ports[2], u1).await;
    let mut other = device(ports[1], u2).await;
    // Presence is cluster-wide: the first device eventually sees all three.
    a.text_until(presence_is(3)).await;
    b.text_until(presence_is(3)).await;
    c.text_until(presence_is(3)).await;
    other.text_until(presence_is(1)).await;

    a.send(r#"42/remote-control,["new_remote_control_event",{"event":"next","isWebClientEvent":true}]"#).await;
    let echo = r#"42/remote-control,["new_remote_control_event",{"event":"next","isWebClientEvent":true}]"#;
    for ws in [&mut a, &mut b, &mut c] {
        assert_eq!(ws.text_until(|f| is_event(f, "new_remote_control_event")).await, echo);
    }
    // Exactly once, and never to another user.
    for ws in [&mut a, &mut b, &mut c, &mut other] {
        ws.no_event_for("new_remote_control_event", Duration::from_millis(500)).await;
    }

    // state_sync from one instance is replayed to a device connecting on another.
    b.send(r#"42/remote-control,["state_sync",{"timecode":"42","paused":"false"}]"#).await;
    a.text_until(|f| is_event(f, "state_sync")).await;
    let mut late = device(ports[2], u1).await;
    let replay = late.text_until(|f| is_event(f, "state_sync")).await;
    assert!(replay.contains(r#""timecode":"42""#), "{replay}");
}

#[actix_web::test]
async fn a_killed_instance_stops_being_counted_and_survivors_keep_relaying() {
    let (mut cluster, users) = start_cluster(3, REDIS_URL, &[]);
    let ports: Vec<u16> = cluster.servers.iter().map(|s| s.port).collect();
    let key = &users[0].1;
    let mut a = device(ports[0], key).await;
    let mut b = device(ports[1], key).await;
    let _c = device(ports[2], key).await;
    a.text_until(presence_is(3)).await;
    b.text_until(presence_is(3)).await;
    // kill -9: no shutdown hook runs, its presence entries must expire.
    let mut victim = cluster.servers.remove(2);
    victim.child.kill().unwrap();
    victim.child.wait().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        match a.next(Duration::from_secs(1)).await {
            Some(Frame::Text(f)) if presence_is(2)(&f) => break,
            _ => assert!(std::time::Instant::now() < deadline, "presence never converged to 2"),
        }
    }
    a.send(r#"42/remote-control,["new_remote_control_event",{"event":"darker","isWebClientEvent":true}]"#).await;
    let got = b.text_until(|f| f.contains("darker")).await;
    assert!(is_event(&got, "new_remote_control_event"));
}

struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnRedis { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[actix_web::test]
async fn a_redis_restart_keeps_local_relays_and_cross_instance_relays_resume() {
    let port = free_port();
    let redis = OwnRedis::start(port);
    let (cluster, users) = start_cluster(2, &redis.url(), &[]);
    let ports: Vec<u16> = cluster.servers.iter().map(|s| s.port).collect();
    let key = &users[0].1;
    let mut a = device(ports[0], key).await;
    let mut a2 = device(ports[0], key).await;
    let mut b = device(ports[1], key).await;
    b.text_until(presence_is(3)).await;
    a2.text_until(presence_is(3)).await;

    drop(redis);
    // Local relays continue without Redis.
    a.send(r#"42/remote-control,["new_remote_control_event",{"event":"brighter","isWebClientEvent":true}]"#).await;
    a2.text_until(|f| f.contains("brighter")).await;
    // The outage is visible in health.
    let health: Value =
        reqwest::get(format!("http://127.0.0.1:{}/api/v1/health", ports[0])).await.unwrap().json().await.unwrap();
    assert_eq!(health["data"]["redis"]["ok"], false);
    // Presence falls back to local counts, and the failed updates are counted.
    let mut a3 = device(ports[0], key).await;
    a3.text_until(presence_is(3)).await;
    let metrics = reqwest::get(format!("http://127.0.0.1:{}/metrics", ports[0])).await.unwrap().text().await.unwrap();
    let failures = metrics
        .lines()
        .find_map(|l| l.strip_prefix("infinidream_presence_failures_total "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert!(failures.is_some_and(|n| n >= 1.0), "presence failures in /metrics: {failures:?}");

    let _redis = OwnRedis::start(port);
    // Cross-instance relays resume once the bridge has reconnected and resubscribed.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut n = 0;
    'outer: loop {
        n += 1;
        a.send(&format!(
            "42/remote-control,[\"new_remote_control_event\",{{\"event\":\"status\",\"currentTime\":{n}}}]"
        ))
        .await;
        while let Some(Frame::Text(f)) = b.next(Duration::from_millis(300)).await {
            if f.contains("\"status\"") {
                break 'outer;
            }
        }
        assert!(std::time::Instant::now() < deadline, "cross-instance relay did not resume");
    }
}

struct Haproxy {
    child: Child,
    port: u16,
    _dir: std::path::PathBuf,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn haproxy(backends: &[u16]) -> Haproxy {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("haproxy-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let servers: String = backends.iter().enumerate().map(|(i, p)| format!("  server s{i} 127.0.0.1:{p}\n")).collect();
    let cfg = format!(
        "global\n  maxconn 256\ndefaults\n  mode http\n  option http-server-close\n  timeout connect 2s\n  \
         timeout client 70s\n  timeout server 70s\nfrontend fe\n  bind 127.0.0.1:{port}\n  default_backend be\n\
         backend be\n  balance roundrobin\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, cfg).unwrap();
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .spawn()
        .expect("haproxy (apt-get install haproxy)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Haproxy { child, port, _dir: dir }
}

#[actix_web::test]
async fn a_polling_client_works_through_a_round_robin_balancer_without_affinity() {
    let (cluster, users) = start_cluster(3, REDIS_URL, &[]);
    let ports: Vec<u16> = cluster.servers.iter().map(|s| s.port).collect();
    let lb = haproxy(&ports);
    let key = users[0].1.clone();
    let mut ws = device(ports[0], &key).await;
    ws.text_until(presence_is(1)).await;

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/compat/polling_lb.mjs");
    let node = tokio::process::Command::new("node")
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", lb.port))
        .arg(&key)
        .arg("30")
        .stdout(Stdio::piped())
        .spawn()
        .expect("node (tests/compat dependencies installed by .ci/compat-deps.sh)");
    // The polling client connects through the balancer; presence reaches the websocket
    // device on instance 0, then a round trip of events crosses the cluster.
    ws.text_until_within(presence_is(2), Duration::from_secs(20)).await;
    ws.send(r#"42/remote-control,["new_remote_control_event",{"event":"help","isWebClientEvent":true}]"#).await;
    ws.text_until_within(|f| f.contains("\"credit\""), Duration::from_secs(20)).await;
    let out = node.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let lines: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(lines.iter().any(|l| l["type"] == "connect" && l["transport"] == "polling"), "{stdout}");
    assert!(lines.iter().any(|l| l["type"] == "event" && l["payload"]["event"] == "help"), "{stdout}");
    assert!(!lines.iter().any(|l| l["type"] == "disconnect" && l["reason"] != "io client disconnect"), "{stdout}");
}

/// The API-key lookup cache: a key deleted through one instance is refused there at once
/// and on the other instance once its cached lookup expires (`KeyCache`, 1 s).
#[actix_web::test]
async fn a_key_deleted_on_one_instance_is_refused_there_at_once_and_on_the_others_within_a_second() {
    let (cluster, users) = start_cluster(2, REDIS_URL, &[]);
    let ports: Vec<u16> = cluster.servers.iter().map(|s| s.port).collect();
    let key = &users[0].1;
    let http = reqwest::Client::new();
    let me = |port: u16| {
        http.get(format!("http://127.0.0.1:{port}/api/v1/user/me"))
            .header("Authorization", format!("Api-Key {key}"))
            .send()
    };
    // Both instances have just resolved (and cached) the key.
    let body: Value = me(ports[0]).await.unwrap().json().await.unwrap();
    let uuid = body["data"]["user"]["uuid"].as_str().expect("uuid").to_string();
    assert_eq!(me(ports[1]).await.unwrap().status(), 200);
    let res = http
        .delete(format!("http://127.0.0.1:{}/api/v1/user/{uuid}/apikey", ports[0]))
        .header("Authorization", format!("Api-Key {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(me(ports[0]).await.unwrap().status(), 401, "refused at once where it was deleted");
    let deleted = std::time::Instant::now();
    loop {
        let status = me(ports[1]).await.unwrap().status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(deleted.elapsed() < Duration::from_secs(5), "the other instance kept accepting the deleted key");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

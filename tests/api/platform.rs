use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn health_reports_db_and_redis_ok() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = json(res).await;
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "ok");
    assert_eq!(body["data"]["db"]["ok"], true);
    assert_eq!(body["data"]["redis"]["ok"], true);
    assert_eq!(body["data"]["instance"], app.state.settings.instance_id.as_str());
    assert!(body["data"]["version"].is_string());
}

#[actix_web::test]
async fn health_is_503_when_redis_is_unreachable() {
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
    })
    .await;
    let res = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body = json(res).await;
    assert_eq!(body["success"], false);
    assert_eq!(body["message"], "degraded");
    assert_eq!(body["data"]["db"]["ok"], true);
    assert_eq!(body["data"]["redis"]["ok"], false);
}

#[actix_web::test]
async fn health_is_503_when_the_database_is_unreachable() {
    let app = spawn_app_with(|env| {
        env.insert("MIGRATE_ON_START".into(), "false".into());
        env.insert("DATABASE_URL".into(), "postgres://postgres@127.0.0.1:1/nope".into());
    })
    .await;
    let res = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body = json(res).await;
    assert_eq!(body["data"]["db"]["ok"], false);
}

#[actix_web::test]
async fn single_instance_mode_without_redis_is_healthy() {
    let app = spawn_app_with(|env| {
        env.remove("REDIS_URL");
    })
    .await;
    let body = json(app.client.get(app.url("/api/v1/health")).send().await.unwrap()).await;
    assert_eq!(body["data"]["redis"], json!({"ok": true, "enabled": false}));
}

#[actix_web::test]
async fn banner_is_served_at_root_and_api_v1() {
    let app = spawn_app().await;
    for path in ["/", "/api/v1", "/api/v1/"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let powered = res.headers()["x-powered-by"].to_str().unwrap().to_string();
        assert!(powered.starts_with("e-dream.ai "));
        assert!(res.headers().contains_key("x-request-id"));
        let body = json(res).await;
        assert_eq!(body["message"], format!("e-dream.ai is running api at version {}", app.state.settings.app_version));
    }
}

#[actix_web::test]
async fn health_answers_draining_during_shutdown() {
    let app = spawn_app().await;
    app.state.start_draining();
    let res = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(json(res).await["message"], "draining");
}

#[actix_web::test]
async fn cors_allows_configured_origins_and_rejects_others_with_the_envelope() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/api/v1/health"))
        .header("Origin", "https://alpha.infinidream.ai")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "https://alpha.infinidream.ai");
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");

    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/user/me"))
        .header("Origin", "https://preview-3.netlify.app")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["access-control-allow-methods"].to_str().unwrap().contains("PUT"));

    let res = app.client.get(app.url("/api/v1/health")).header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(json(res).await, json!({"success": false, "message": "Not allowed by CORS."}));
}

#[actix_web::test]
async fn the_binary_shuts_down_gracefully_on_sigterm_and_exits_zero() {
    let db = create_database().await;
    let env = base_env(&db);
    let mut server = ChildServer::start(&env, Some(db));
    let res = reqwest::get(server.url("/api/v1/health")).await.unwrap();
    assert_eq!(res.status(), 200);
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
}

#[actix_web::test]
async fn metrics_are_scraped_with_the_token_and_count_real_traffic() {
    let app = spawn_app_with(|env| {
        env.insert("METRICS_TOKEN".into(), "scrape-me".into());
    })
    .await;
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app.client.get(app.url("/metrics")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(res.status(), 401);

    let user = app.create_user(infinidream_actors::Role::User).await;
    let (mut ws, _) = crate::rawsock::RawWs::remote_control(app.port, &user.api_key).await;
    let (mut other, _) = crate::rawsock::RawWs::remote_control(app.port, &user.api_key).await;
    ws.send(r#"42/remote-control,1["new_remote_control_event",{"event":"help"}]"#).await;
    ws.text_until(|f| f.starts_with("43/remote-control,1")).await;
    other.text_until(|f| f.contains(r#""event":"help""#)).await;
    drop(other);

    let res = app.client.get(app.url("/metrics")).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let body = res.text().await.unwrap();
    let value = |needle: &str| -> f64 {
        body.lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{needle} missing in\n{body}"))
    };
    assert!(value("infinidream_sessions ") >= 1.0);
    assert_eq!(value("infinidream_user_rooms "), 1.0);
    assert!(value("infinidream_events_in_total{event=\"new_remote_control_event\"}") >= 1.0);
    assert!(value("infinidream_socket_connects_total{outcome=\"accepted\"}") >= 1.0);
    assert!(body.contains("infinidream_bridge_messages_total{kind=\"published\"}"));
    assert!(body.contains("infinidream_db_pool_connections{state=\"open\"}"));
    assert!(body.contains("infinidream_http_requests_total{route=\"/metrics\",status=\"401\"}"), "{body}");
    assert!(value("infinidream_events_out_total{event=\"new_remote_control_event\"}") >= 1.0);
    assert!(value("infinidream_events_out_total{event=\"client_presence\"}") >= 2.0);
    let relayed = value("infinidream_relay_latency_seconds_count ");
    assert!(relayed >= 1.0, "the relay to the second device was timed");
    assert_eq!(value("infinidream_relay_latency_seconds_bucket{le=\"+Inf\"} "), relayed);
    assert!(value("infinidream_relay_latency_seconds_bucket{le=\"1\"} ") <= relayed);
    assert!(body.contains("# TYPE infinidream_bridge_lag_seconds histogram"));
    // jemalloc's heap figures (the default build): live bytes, and what the allocator holds.
    let allocated = value("infinidream_heap_allocated_bytes ");
    let active = value("infinidream_heap_active_bytes ");
    let resident = value("infinidream_heap_resident_bytes ");
    assert!(allocated > 100_000.0 && active >= allocated && resident >= active, "{allocated} {active} {resident}");
}

/// `METRICS_ADDR`: `/metrics` moves to an internal listener (the public port answers 404),
/// and the bridge lag histogram counts messages received from another instance.
#[actix_web::test]
async fn metrics_on_an_internal_address_include_bridge_lag_from_another_instance() {
    let db = create_database().await;
    let (code, out, err) = run_cli(&db, &["users", "add", "--email", "lag@example.com", "--api-key"]);
    assert_eq!(code, 0, "{err}");
    let key = serde_json::from_str::<serde_json::Value>(out.trim()).unwrap()["apiKey"].as_str().unwrap().to_string();
    let prefix = format!("lag{}:", uuid::Uuid::new_v4().simple());
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut env_a = base_env(&db);
    env_a.insert("REDIS_PREFIX".into(), prefix.clone());
    env_a.insert("METRICS_ADDR".into(), format!("127.0.0.1:{metrics_port}"));
    let mut env_b = base_env(&db);
    env_b.insert("REDIS_PREFIX".into(), prefix);
    let a = ChildServer::start(&env_a, None);
    let b = ChildServer::start(&env_b, None);

    let (mut on_a, _) = crate::rawsock::RawWs::remote_control(a.port, &key).await;
    let (mut on_b, _) = crate::rawsock::RawWs::remote_control(b.port, &key).await;
    on_a.text_until(|f| f.contains(r#""connectedDevices":2"#)).await;
    on_b.send(r#"42/remote-control,["new_remote_control_event",{"event":"help"}]"#).await;
    on_a.text_until(|f| f.contains(r#""event":"help""#)).await;

    let public = reqwest::get(a.url("/metrics")).await.unwrap();
    assert_eq!(public.status(), 404, "the public port no longer serves /metrics");
    let body = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await.unwrap().text().await.unwrap();
    let lag = body
        .lines()
        .find(|l| l.starts_with("infinidream_bridge_lag_seconds_count "))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no bridge lag in\n{body}"));
    assert!(lag >= 1.0, "the relay from instance B was received through the bridge: {body}");
    let other = reqwest::get(format!("http://127.0.0.1:{metrics_port}/api/v1/health")).await.unwrap();
    assert_eq!(other.status(), 404, "the internal listener serves only /metrics");
    drop((a, b));
    drop_database(db);
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/api/v1/health", "/nope", "/api/v1/user/me"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    }
}

/// Accepted connections have `TCP_NODELAY`: without it, the second of two small frames
/// written back to back (a connect's answer, then its first `client_presence`) waits for
/// the client's acknowledgement of the first, which clients delay by up to 40 ms. The
/// server runs in this process, so the test reads the option off the server's own end
/// of a connection it made.
#[actix_web::test]
async fn accepted_connections_have_tcp_nodelay() {
    use std::os::fd::BorrowedFd;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app().await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    stream.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "the server answered on this connection");
    let client = stream.local_addr().unwrap();
    let mut server_ends = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let Ok(fd) = entry.unwrap().file_name().to_string_lossy().parse::<i32>() else { continue };
        // SAFETY: the descriptor is only queried. If it was closed (or reused) since the
        // listing, the query fails or describes another socket, and the peer check below
        // leaves it out.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        if socket.peer_addr().ok().and_then(|a| a.as_socket()) == Some(client) {
            server_ends.push(socket.tcp_nodelay().unwrap());
        }
    }
    assert_eq!(server_ends, vec![true], "the server's end of the connection, with TCP_NODELAY");
    app.shutdown().await;
}

/// Once a shutdown stops accepting, new connects are refused at once; they are not
/// queued by the kernel on a listener nobody accepts from, to be reset when the process
/// exits. An in-flight request (held on a table lock) keeps the shutdown going while the
/// test connects, and still completes.
#[actix_web::test]
async fn connects_are_refused_once_a_shutdown_stops_accepting() {
    let app = std::rc::Rc::new(spawn_app().await);
    let user = app.create_user(infinidream_actors::Role::User).await;
    let db = crate::fixtures::db(&app).await;
    db.batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let request =
        app.client.get(app.url("/api/v1/client/hello")).header("Authorization", format!("Api-Key {}", user.api_key));
    let pending = actix_web::rt::spawn(request.send());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let waiting_on_lock =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
    while db.query_one(waiting_on_lock, &[]).await.unwrap().get::<_, i64>(0) == 0 {
        assert!(std::time::Instant::now() < deadline, "the request never reached the database");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let stopping = {
        let app = app.clone();
        actix_web::rt::spawn(async move { app.shutdown().await })
    };
    loop {
        match tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await {
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
                break;
            }
            Ok(_) => {
                assert!(std::time::Instant::now() < deadline, "connects were still taken after the shutdown began");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
    assert!(!pending.is_finished() && !stopping.is_finished(), "refused while the shutdown waits for the request");
    db.batch_execute("COMMIT").await.unwrap();
    let res = pending.await.unwrap().unwrap();
    assert_eq!(res.status(), 200, "the in-flight request completes");
    stopping.await.unwrap();
}

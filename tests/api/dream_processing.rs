//! Processing callbacks, `process-dream`, `GET /dream/job`, job:progress caching, and the
//! `dreams process` CLI.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::*;
use crate::helpers::*;
use crate::stubs::*;

async fn redis_get(app: &TestApp, key: &str) -> Option<String> {
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let prefix = app.state.settings.redis_prefix.clone();
    redis::cmd("GET").arg(format!("{prefix}{key}")).query_async(&mut conn).await.unwrap()
}

#[actix_web::test]
async fn status_callbacks_move_the_dream_and_cache_job_progress() {
    let mut stub = ProcessingStub::start();
    let url = stub.url.clone();
    let app = spawn_app_with(|env| {
        env.insert("PROCESSING_SERVICE_URL".into(), url);
    })
    .await;
    let owner = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = insert_dream(&app, &owner, "none", false, false).await;
    db(&app).await.execute("UPDATE dream SET original_video = 'o/d/d.MOV' WHERE uuid = $1", &[&uuid]).await.unwrap();
    let key = format!("job:progress:{uuid}");

    let (status, v) = call(&app, Method::POST, &format!("/api/v1/dream/{uuid}/process-dream"), &admin, None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["data"]["dream"]["status"], "queue");
    let handed = stub.next_call().await;
    assert_eq!(handed.body, json!({"dream_uuid": uuid.to_string(), "extension": "mov"}));
    let cached: Value = serde_json::from_str(&redis_get(&app, &key).await.unwrap()).unwrap();
    assert_eq!(cached["status"], "IN_QUEUE");
    assert_eq!(cached["dream_uuid"], uuid.to_string());
    assert!(cached["updated_at"].is_i64());

    let (status, v) = call(&app, Method::POST, &format!("/api/v1/dream/{uuid}/status/processing"), &admin, None).await;
    assert_eq!((status, v["data"]["dream"]["status"].as_str()), (200, Some("processing")));
    let (status, v) = call(
        &app,
        Method::POST,
        &format!("/api/v1/dream/{uuid}/status/progress"),
        &admin,
        Some(json!({"progress": 42.5, "countdown_ms": 1000, "jobId": "j1"})),
    )
    .await;
    assert_eq!((status, v), (200, json!({"success": true})));
    let cached: Value = serde_json::from_str(&redis_get(&app, &key).await.unwrap()).unwrap();
    assert_eq!(
        (cached["progress"].as_f64(), cached["countdown_ms"].as_i64(), cached["jobId"].as_str()),
        (Some(42.5), Some(1000), Some("j1"))
    );
    let (_, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/dream/{uuid}/status/progress"),
        &admin,
        Some(json!({"status": "COMPLETED"})),
    )
    .await;
    let cached: Value = serde_json::from_str(&redis_get(&app, &key).await.unwrap()).unwrap();
    assert_eq!(cached["progress"], 100);
    assert!(cached.get("status").is_none(), "COMPLETED from a progress callback is not relayed as a status");

    // A playlist containing the dream gets its updated_at bumped.
    db(&app).await.batch_execute(&format!(
        "INSERT INTO playlist (user_id, name, updated_at) VALUES ({}, 'p', now() - interval '1 day'); \
         INSERT INTO playlist_item (playlist_id, type, dream_item_id) SELECT p.id, 'dream', d.id FROM playlist p, dream d WHERE d.uuid = '{uuid}';",
        owner.id)).await.unwrap();
    let (status, v) = call(
        &app,
        Method::POST,
        &format!("/api/v1/dream/{uuid}/status/processed"),
        &admin,
        Some(json!({"processedVideoSize": "123"})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["data"]["dream"]["processedVideoSize"], "123");
    assert_eq!(v["data"]["dream"]["playlistItems"][0]["playlist"]["name"], "p");
    assert_eq!(redis_get(&app, &key).await, None, "terminal status deletes the cache entry");
    assert_eq!(count(&app, "feed_item", &format!("user_id = {} AND type = 'dream'", owner.id)).await, 1);
    assert_eq!(count(&app, "playlist", "updated_at > now() - interval '1 minute'").await, 1);
    // Processed again: still one feed item.
    call(&app, Method::POST, &format!("/api/v1/dream/{uuid}/status/processed"), &admin, None).await;
    assert_eq!(count(&app, "feed_item", "true").await, 1);

    let (status, v) = call(
        &app,
        Method::POST,
        &format!("/api/v1/dream/{uuid}/status/failed"),
        &admin,
        Some(json!({"error": "boom"})),
    )
    .await;
    assert_eq!((status, v["data"]["dream"]["status"].as_str()), (200, Some("failed")));
}

#[actix_web::test]
async fn status_endpoints_are_admin_only_and_validate_their_bodies() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = insert_dream(&app, &owner, "queue", false, false).await;
    for kind in ["processing", "processed", "failed", "progress"] {
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/dream/{uuid}/status/{kind}"),
            &owner,
            Some(json!({"progress": 1})),
        )
        .await;
        assert_eq!(status, 403, "{kind}");
        let missing = uuid::Uuid::new_v4();
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/dream/{missing}/status/{kind}"),
            &admin,
            Some(json!({"progress": 1})),
        )
        .await;
        assert_eq!(status, 404, "{kind}");
    }
    let (status, _) = call(&app, Method::POST, &format!("/api/v1/dream/{uuid}/process-dream"), &owner, None).await;
    assert_eq!(status, 403);
    let (status, v) =
        call(&app, Method::POST, &format!("/api/v1/dream/{uuid}/status/progress"), &admin, Some(json!({"jobId": "x"})))
            .await;
    assert_eq!(status, 400);
    assert_eq!(v["message"], "\"body\" must contain at least one of [progress, status]");
    let (status, v) = call(
        &app,
        Method::POST,
        &format!("/api/v1/dream/{uuid}/status/progress"),
        &admin,
        Some(json!({"progress": 101})),
    )
    .await;
    assert_eq!((status, v["message"].as_str().unwrap()), (400, "\"body.progress\" must be less than or equal to 100"));
    let (status, v) = call(
        &app,
        Method::POST,
        &format!("/api/v1/dream/{uuid}/status/processed"),
        &admin,
        Some(json!({"processedVideoFrames": 1.5, "filmstrip": "no"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(count(&app, "dream", "status = 'queue'").await, 1, "nothing written");
    let (status, _) = call(&app, Method::POST, &format!("/api/v1/dream/{uuid}/status/bogus"), &admin, None).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn job_list_reads_the_processing_queue_for_admins() {
    let app = spawn_app_with(|env| {
        env.insert("PROCESSING_QUEUE_KEY".into(), format!("rq:test:{}", uuid::Uuid::new_v4()));
    })
    .await;
    let admin = app.create_user(Role::Admin).await;
    let user = app.create_user(Role::User).await;
    let (status, v) = call(&app, Method::GET, "/api/v1/dream/job", &admin, None).await;
    assert_eq!((status, v), (200, json!({"success": true, "data": {"jobs": []}})));
    let key = app.state.settings.processing.queue_key.clone();
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("RPUSH").arg(&key).arg("job-a").arg("job-b").query_async::<()>(&mut conn).await.unwrap();
    let (_, v) = call(&app, Method::GET, "/api/v1/dream/job", &admin, None).await;
    assert_eq!(v["data"]["jobs"], json!(["job-a", "job-b"]));
    redis::cmd("DEL").arg(&key).query_async::<()>(&mut conn).await.unwrap();
    let (status, _) = call(&app, Method::GET, "/api/v1/dream/job", &user, None).await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn dreams_process_cli_queues_every_dream_of_the_range() {
    let mut stub = ProcessingStub::start();
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let a = insert_dream(&app, &owner, "failed", false, false).await;
    let b = insert_dream(&app, &owner, "none", false, false).await;
    let old = insert_dream(&app, &owner, "failed", false, false).await;
    let client = db(&app).await;
    client.execute("UPDATE dream SET original_video = 'o/x/x.mp4' WHERE uuid = $1", &[&a]).await.unwrap();
    client
        .execute(
            "UPDATE dream SET original_video = 'o/y/y.webm', created_at = '2020-01-05T10:00:00Z' WHERE uuid = $1",
            &[&old],
        )
        .await
        .unwrap();
    client.execute("UPDATE dream SET created_at = '2020-01-06T23:59:00Z' WHERE uuid = $1", &[&b]).await.unwrap();

    let url = stub.url.clone();
    let db_name = app.db_name.clone();
    let out = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(binary())
            .args(["dreams", "process", "--from", "2020-01-05", "--to", "2020-01-06"])
            .env_clear()
            .env("DATABASE_URL", pg_url(&db_name))
            .env("PROCESSING_SERVICE_URL", url)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["total"], 2);
    assert_eq!(summary["queued"], 1);
    assert_eq!(summary["skipped"], 1, "b has no original video");
    assert!(stderr.contains(&format!("[1/2] {old}")), "progress on stderr: {stderr}");
    let call = stub.next_call().await;
    assert_eq!(call.body, json!({"dream_uuid": old.to_string(), "extension": "webm"}));
    assert_eq!(count(&app, "dream", &format!("uuid = '{old}' AND status = 'queue'")).await, 1);
    assert_eq!(count(&app, "dream", &format!("uuid = '{a}' AND status = 'failed'")).await, 1, "outside the range");
}

#[actix_web::test]
async fn status_changes_reach_the_owners_sockets_as_job_progress() {
    use crate::rawsock::*;
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = insert_dream(&app, &owner, "queue", false, false).await;
    let (mut ws, _) = RawWs::remote_control(app.port, &owner.api_key).await;

    let path = format!("/api/v1/dream/{uuid}/status/processing");
    let (status, _) = call(&app, Method::POST, &path, &admin, None).await;
    assert_eq!(status, 200);
    let frame = ws.text_until(|f| is_event(f, "job:progress")).await;
    let (_, args) = event(&frame).unwrap();
    assert_eq!(args[0]["dream_uuid"], uuid.to_string());
    assert_eq!(args[0]["status"], "IN_PROGRESS");

    let path = format!("/api/v1/dream/{uuid}/status/progress");
    call(&app, Method::POST, &path, &admin, Some(json!({"progress": 7}))).await;
    let frame = ws.text_until(|f| is_event(f, "job:progress")).await;
    assert_eq!(event(&frame).unwrap().1[0]["progress"], 7);
}

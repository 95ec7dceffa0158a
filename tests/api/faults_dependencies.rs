//! Object storage and the processing service unreachable or hanging (issue #9 item 3).
//!
//! Two kinds of broken dependency: a closed port (connection refused at once) and a
//! [`Blackhole`] that accepts connections and never answers. The affected endpoints must
//! answer a documented error within a bound — a storage failure 500 `Internal Server
//! Error.` (`storage-and-jobs.md` §3.1), a hung storage 503 `Service unavailable.` at
//! `REQUEST_TIMEOUT_SECS` (`rest-api.md` §1.10) — without leaving rows behind, and other
//! requests must keep working while they wait and afterwards. The processing hand-off runs
//! after the response (§5), so it must neither delay the answer nor hang: each attempt is
//! cut at `PROCESSING_TIMEOUT_SECS` and the attempts end.

use std::time::{Duration, Instant};

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::*;
use crate::faults_support::{free_port, Blackhole};
use crate::helpers::*;

const REQUEST_TIMEOUT_SECS: u64 = 3;

async fn app_with_storage_at(endpoint: &str) -> TestApp {
    spawn_app_with(|env| {
        env.insert("S3_ENDPOINT".into(), endpoint.into());
        env.insert("S3_REGION".into(), "us-east-1".into());
        env.insert("S3_ACCESS_KEY_ID".into(), "test".into());
        env.insert("S3_SECRET_ACCESS_KEY".into(), "test".into());
        env.insert("S3_BUCKET".into(), "faults".into());
        env.insert("S3_FORCE_PATH_STYLE".into(), "true".into());
        env.insert("REQUEST_TIMEOUT_SECS".into(), REQUEST_TIMEOUT_SECS.to_string());
    })
    .await
}

/// Starts a multipart-upload creation in the background; yields (status, body, time taken).
fn create_upload(app: &TestApp, user: &TestUser) -> tokio::task::JoinHandle<(u16, Value, Duration)> {
    let req = app
        .client
        .post(app.url("/api/v1/dream/create-multipart-upload"))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .timeout(Duration::from_secs(60))
        .json(&json!({"name": "never stored", "extension": "mp4", "parts": 1}));
    actix_web::rt::spawn(async move {
        let started = Instant::now();
        let res = req.send().await.expect("an answer, not a dropped connection");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null), started.elapsed())
    })
}

/// Other requests answer promptly: the caller's profile (database) and health.
async fn others_keep_working(app: &TestApp, user: &TestUser) {
    let started = Instant::now();
    let (status, body) = call(app, Method::GET, "/api/v1/user/me", user, None).await;
    assert_eq!(status, 200, "{body}");
    let res = app.client.get(app.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2), "other requests took {:?}", started.elapsed());
}

#[actix_web::test]
async fn storage_that_never_answers_gets_503_at_the_request_timeout_and_nothing_else_waits() {
    let hole = Blackhole::start();
    let app = app_with_storage_at(&hole.url()).await;
    let creator = app.create_user(Role::Creator).await;

    let pending = create_upload(&app, &creator);
    // The request reached the storage and is now waiting on it…
    let deadline = Instant::now() + Duration::from_secs(10);
    while hole.accepted() == 0 {
        assert!(Instant::now() < deadline, "the server never contacted the storage");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // …while everything else is served.
    others_keep_working(&app, &creator).await;

    let (status, body, took) = pending.await.unwrap();
    assert_eq!((status, &body), (503, &json!({"success": false, "message": "Service unavailable."})));
    let bound = Duration::from_secs(REQUEST_TIMEOUT_SECS + 3);
    assert!(took < bound, "the hung upload took {took:?}");
    assert_eq!(count(&app, "dream", &format!("user_id = {}", creator.id)).await, 0, "no dream without its upload");

    // Nothing is stuck afterwards: the next attempt fails the same bounded way.
    others_keep_working(&app, &creator).await;
    let (status, _, took) = create_upload(&app, &creator).await.unwrap();
    assert_eq!(status, 503);
    assert!(took < bound, "the second hung upload took {took:?}");
}

#[actix_web::test]
async fn storage_that_refuses_connections_gets_a_clean_500_and_nothing_else_waits() {
    let app = app_with_storage_at(&format!("http://127.0.0.1:{}", free_port())).await;
    let creator = app.create_user(Role::Creator).await;

    let (status, body, took) = create_upload(&app, &creator).await.unwrap();
    // Refused connections fail fast (after the SDK's retries): a storage error, or at
    // worst the request time-out on a very slow machine; never a hang.
    assert!(
        (status, &body) == (500, &json!({"success": false, "message": "Internal Server Error."}))
            || (status, &body) == (503, &json!({"success": false, "message": "Service unavailable."})),
        "{status} {body}"
    );
    assert!(took < Duration::from_secs(REQUEST_TIMEOUT_SECS + 3), "took {took:?}");
    assert_eq!(count(&app, "dream", &format!("user_id = {}", creator.id)).await, 0, "no dream without its upload");
    others_keep_working(&app, &creator).await;
}

async fn app_with_processing_at(url: &str) -> TestApp {
    spawn_app_with(|env| {
        env.insert("PROCESSING_SERVICE_URL".into(), url.into());
        env.insert("PROCESSING_SERVICE_API_KEY".into(), "proc-secret".into());
        env.insert("PROCESSING_TIMEOUT_SECS".into(), "1".into());
    })
    .await
}

async fn queued_dream(app: &TestApp, owner: &TestUser) -> uuid::Uuid {
    let uuid = insert_dream(app, owner, "none", false, false).await;
    db(app).await.execute("UPDATE dream SET original_video = 'o/d/d.mp4' WHERE uuid = $1", &[&uuid]).await.unwrap();
    uuid
}

/// `process-dream` answers at once with the dream queued, whatever the service does.
async fn process_dream_answers_promptly(app: &TestApp, admin: &TestUser, uuid: uuid::Uuid) {
    let started = Instant::now();
    let (status, v) = call(app, Method::POST, &format!("/api/v1/dream/{uuid}/process-dream"), admin, None).await;
    assert_eq!((status, v["data"]["dream"]["status"].as_str()), (200, Some("queue")), "{v}");
    assert!(started.elapsed() < Duration::from_secs(2), "process-dream waited {:?}", started.elapsed());
}

#[actix_web::test]
async fn a_hanging_processing_service_never_delays_answers_and_each_hand_off_attempt_times_out() {
    let hole = Blackhole::start();
    let app = app_with_processing_at(&hole.url()).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = queued_dream(&app, &admin).await;

    process_dream_answers_promptly(&app, &admin, uuid).await;
    others_keep_working(&app, &admin).await;
    // Three attempts in all: the second and third start only after the previous one was
    // cut by the 1 s time-out, so three connections prove the hand-off does not hang.
    let deadline = Instant::now() + Duration::from_secs(20);
    while hole.accepted() < 3 {
        assert!(Instant::now() < deadline, "only {} hand-off attempts", hole.accepted());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The dream stays queued (an admin can ask again), and asking again still answers.
    let (status, v) = call(&app, Method::GET, &format!("/api/v1/dream/{uuid}"), &admin, None).await;
    assert_eq!((status, v["data"]["dream"]["status"].as_str()), (200, Some("queue")), "{v}");
    process_dream_answers_promptly(&app, &admin, uuid).await;
    others_keep_working(&app, &admin).await;
}

#[actix_web::test]
async fn an_unreachable_processing_service_never_delays_answers() {
    let app = app_with_processing_at(&format!("http://127.0.0.1:{}", free_port())).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = queued_dream(&app, &admin).await;
    process_dream_answers_promptly(&app, &admin, uuid).await;
    process_dream_answers_promptly(&app, &admin, uuid).await;
    others_keep_working(&app, &admin).await;
}

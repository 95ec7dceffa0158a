//! Desktop client API: the download URL and its quota charge (`rest-api.md` §6.2), and
//! the `maintenance daily` CLI (§3.8).

use infinidream_actors::Role;
use serde_json::{json, Value};

use crate::client_support::*;
use crate::fixtures::set_quota;
use crate::helpers::*;

#[actix_web::test]
async fn client_dream_url_charges_the_quota_and_returns_a_read_url() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let db = db(&app).await;
    let d = dream(&db, user.id, DreamSpec { size: Some(1500), ..Default::default() }).await;
    set_quota(&db, user.id, 10_000).await;
    let (status, body) = get(&app, &format!("/api/v1/client/dream/{}/url", d.uuid), &user).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    let url = body["data"]["url"].as_str().expect("url string");
    assert!(url.starts_with("https://media.example.com/dreams/1/v/v.mp4?"), "presigned read URL: {url}");
    assert_eq!(quota(&db, user.id).await, 8_500);
    // Floored at zero, still served.
    set_quota(&db, user.id, 1_000).await;
    let (status, _) = get(&app, &format!("/api/v1/client/dream/{}/url", d.uuid), &user).await;
    assert_eq!(status, 200);
    assert_eq!(quota(&db, user.id).await, 0);
    let (_, body) = get(&app, "/api/v1/client/quota", &user).await;
    assert_eq!(body["data"]["quota"], 0);
}

#[actix_web::test]
async fn client_dream_url_is_not_found_without_a_video_or_when_not_listable() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let db = db(&app).await;
    let no_video = dream(&db, user.id, DreamSpec { status: "queue", video: None, ..Default::default() }).await;
    let hidden = dream(&db, other.id, DreamSpec { hidden: true, ..Default::default() }).await;
    let nsfw = dream(&db, other.id, DreamSpec { nsfw: true, ..Default::default() }).await;
    let deleted = public_dream(&db, other.id).await;
    db.execute("UPDATE dream SET deleted_at = now() WHERE id = $1", &[&deleted.id]).await.unwrap();
    set_quota(&db, user.id, 5_000).await;
    for u in [no_video.uuid, hidden.uuid, nsfw.uuid, deleted.uuid, uuid::Uuid::new_v4()] {
        let (status, body) = get(&app, &format!("/api/v1/client/dream/{u}/url"), &user).await;
        assert_eq!((status, body), (404, json!({"success": false, "message": "Not found."})));
    }
    assert_eq!(quota(&db, user.id).await, 5_000, "nothing charged for a 404");
    let (status, body) = get(&app, "/api/v1/client/dream/xyz/url", &user).await;
    assert_400(status, &body, "\"params.uuid\" must be a valid GUID");
}

#[actix_web::test]
async fn client_parallel_url_requests_charge_every_download_and_never_go_below_zero() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let db = db(&app).await;
    let d = dream(&db, user.id, DreamSpec { size: Some(1_000), ..Default::default() }).await;
    let path = format!("/api/v1/client/dream/{}/url", d.uuid);

    // No lost updates: ten parallel downloads subtract exactly ten sizes.
    set_quota(&db, user.id, 100_000).await;
    let results = futures_util::future::join_all((0..10).map(|_| get(&app, &path, &user))).await;
    assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    assert_eq!(quota(&db, user.id).await, 90_000);

    // Floor: more downloads than the quota covers end at exactly zero, never an error.
    set_quota(&db, user.id, 2_500).await;
    let results = futures_util::future::join_all((0..8).map(|_| get(&app, &path, &user))).await;
    assert!(results.iter().all(|(s, _)| *s == 200), "{results:?}");
    assert_eq!(quota(&db, user.id).await, 0);
}

#[actix_web::test]
async fn client_maintenance_daily_recomputes_playlists_raises_quotas_and_prunes_auth_rows() {
    let app = spawn_client_app().await;
    let low = app.create_user(Role::User).await;
    let high = app.create_user(Role::User).await;
    let db = db(&app).await;
    set_quota(&db, low.id, 5).await;
    set_quota(&db, high.id, 20_000_000_000).await;
    let popular = dream(&db, high.id, DreamSpec { upvotes: 9, ..Default::default() }).await;
    let stale = json!([uuid::Uuid::new_v4()]);
    db.execute("INSERT INTO default_playlist (user_id, data) VALUES ($1, $2)", &[&low.id, &stale]).await.unwrap();
    db.batch_execute(
        "INSERT INTO auth_code (email, purpose, code_hash, expires_at, created_at) VALUES \
           ('old@x.y', 'login', '\\x00', now() - interval '2 days', now() - interval '2 days'), \
           ('new@x.y', 'login', '\\x00', now() + interval '10 minutes', now());",
    )
    .await
    .unwrap();
    let session = |expires: &str, revoked: &str| {
        format!(
            "INSERT INTO auth_session (user_id, refresh_hash, expires_at, revoked_at) \
             VALUES ({}, '\\x00', {expires}, {revoked});",
            low.id
        )
    };
    let sql = [
        session("now() - interval '1 hour'", "NULL"),
        session("now() + interval '1 day'", "now() - interval '2 days'"),
        session("now() + interval '1 day'", "NULL"),
        session("now() + interval '1 day'", "now()"),
    ]
    .concat();
    db.batch_execute(&sql).await.unwrap();
    let live_sessions: i64 = db.query_one("SELECT count(*) FROM auth_session", &[]).await.unwrap().get(0);

    let (code, out, err) = run_cli(&app.db_name, &["maintenance", "daily"]);
    assert_eq!(code, 0, "stderr: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object: {out}");
    let report: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(report["defaultPlaylists"], 2, "{report}");
    assert_eq!(report["quotasRaised"], 1);
    assert_eq!(report["authCodesDeleted"], 1);
    assert_eq!(report["authSessionsDeleted"], 2);

    assert_eq!(quota(&db, low.id).await, 1 << 30);
    assert_eq!(quota(&db, high.id).await, 20_000_000_000);
    let expected = vec![popular.uuid.to_string()];
    assert_eq!(stored_default(&db, low.id).await, Some(expected.clone()), "stale list replaced");
    assert_eq!(stored_default(&db, high.id).await, Some(expected));
    let codes: i64 = db.query_one("SELECT count(*) FROM auth_code", &[]).await.unwrap().get(0);
    assert_eq!(codes, 1);
    let sessions: i64 = db.query_one("SELECT count(*) FROM auth_session", &[]).await.unwrap().get(0);
    assert_eq!(sessions, live_sessions - 2);

    // Idempotent: a second run changes no quota and deletes nothing more.
    let (code, out, _) = run_cli(&app.db_name, &["maintenance", "daily"]);
    assert_eq!(code, 0);
    let again: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((again["quotasRaised"].clone(), again["authCodesDeleted"].clone()), (json!(0), json!(0)));
    assert_eq!(again["authSessionsDeleted"], 0);
}

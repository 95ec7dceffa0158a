//! Fixtures of the desktop client API tests: processed dreams with metrics, playlist
//! items, votes and keyframes inserted straight into the test database, and JSON calls
//! made the way the desktop makes them (API key, JSON content type).

#![allow(dead_code)]

use reqwest::Method;
use serde_json::Value;
use tokio_postgres::Client;
use uuid::Uuid;

pub use crate::fixtures::{db, Seeded};
use crate::helpers::*;

/// A dream row's interesting columns; `Default` is a processed, public dream.
#[derive(Debug, Clone)]
pub struct DreamSpec {
    pub status: &'static str,
    pub video: Option<&'static str>,
    pub size: Option<i64>,
    pub upvotes: i32,
    pub hidden: bool,
    pub nsfw: bool,
}

impl Default for DreamSpec {
    fn default() -> Self {
        DreamSpec {
            status: "processed",
            video: Some("1/v/v.mp4"),
            size: Some(1000),
            upvotes: 0,
            hidden: false,
            nsfw: false,
        }
    }
}

pub async fn dream(db: &Client, owner: i32, spec: DreamSpec) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO dream (user_id, name, status, video, processed_video_size, processed_video_fps, \
                 processed_video_frames, md5, thumbnail, upvotes, hidden, nsfw, processed_at, activity_level) \
             VALUES ($1, 'd', $2::text::dream_status, $3, $4, 29.97, 300, 'abc', 'k/t.jpg', $5, $6, $7, \
                 CASE WHEN $2 = 'processed' THEN now() END, 1) RETURNING id, uuid",
            &[&owner, &spec.status, &spec.video, &spec.size, &spec.upvotes, &spec.hidden, &spec.nsfw],
        )
        .await
        .expect("insert dream");
    Seeded { id: row.get(0), uuid: row.get(1) }
}

pub async fn public_dream(db: &Client, owner: i32) -> Seeded {
    dream(db, owner, DreamSpec::default()).await
}

pub async fn playlist(db: &Client, owner: i32, hidden: bool, nsfw: bool) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO playlist (user_id, name, hidden, nsfw) VALUES ($1, 'p', $2, $3) RETURNING id, uuid",
            &[&owner, &hidden, &nsfw],
        )
        .await
        .expect("insert playlist");
    Seeded { id: row.get(0), uuid: row.get(1) }
}

pub async fn add_dream(db: &Client, playlist: i32, dream: i32, order: i32) {
    db.execute(
        "INSERT INTO playlist_item (playlist_id, type, dream_item_id, sort_order) VALUES ($1, 'dream', $2, $3)",
        &[&playlist, &dream, &order],
    )
    .await
    .expect("add dream item");
}

pub async fn add_playlist(db: &Client, playlist: i32, child: i32, order: i32) {
    db.execute(
        "INSERT INTO playlist_item (playlist_id, type, playlist_item_id, sort_order) VALUES ($1, 'playlist', $2, $3)",
        &[&playlist, &child, &order],
    )
    .await
    .expect("add playlist item");
}

pub async fn downvote(db: &Client, user: i32, dream: i32) {
    db.execute("INSERT INTO vote (user_id, dream_id, vote) VALUES ($1, $2, 'downvote')", &[&user, &dream])
        .await
        .expect("insert vote");
}

/// A keyframe owned by `owner`, set as the dream's start keyframe.
pub async fn start_keyframe(db: &Client, owner: i32, dream: i32) -> Uuid {
    let kf: Uuid = db
        .query_one("INSERT INTO keyframe (user_id, name) VALUES ($1, 'k') RETURNING uuid", &[&owner])
        .await
        .expect("insert keyframe")
        .get(0);
    db.execute(
        "UPDATE dream SET start_keyframe_id = (SELECT id FROM keyframe WHERE uuid = $2) WHERE id = $1",
        &[&dream, &kf],
    )
    .await
    .expect("set keyframe");
    kf
}

pub async fn quota(db: &Client, user: i32) -> i64 {
    db.query_one("SELECT quota FROM users WHERE id = $1", &[&user]).await.expect("read quota").get(0)
}

/// The stored default playlist of a user, if any.
pub async fn stored_default(db: &Client, user: i32) -> Option<Vec<String>> {
    db.query_opt("SELECT data FROM default_playlist WHERE user_id = $1", &[&user])
        .await
        .expect("read default playlist")
        .map(|r| serde_json::from_value(r.get::<_, Value>(0)).expect("array of strings"))
}

/// Sends a request as `user` (JSON body when given); returns status and parsed body.
pub async fn call(app: &TestApp, method: Method, path: &str, user: &TestUser, body: Option<Value>) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Edream-Client-Type", "native macOS")
        .header("Edream-Client-Version", "0.8.1");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub async fn get(app: &TestApp, path: &str, user: &TestUser) -> (u16, Value) {
    call(app, Method::GET, path, user, None).await
}

/// Asserts a 400 in the validation envelope whose message contains `needle`.
pub fn assert_400(status: u16, body: &Value, needle: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["success"], false);
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

/// Uuid strings of a JSON array of objects with `uuid`.
pub fn uuids(list: &Value) -> Vec<String> {
    list.as_array().expect("array").iter().map(|d| d["uuid"].as_str().expect("uuid").to_string()).collect()
}

/// The real app with storage settings, so media keys become presigned read URLs
/// (presigning needs credentials, not a reachable server).
pub async fn spawn_client_app_with(configure: impl FnOnce(&mut std::collections::HashMap<String, String>)) -> TestApp {
    spawn_app_with(|env| {
        env.insert("S3_ENDPOINT".into(), "http://storage.internal:9000".into());
        env.insert("S3_PUBLIC_ENDPOINT".into(), "https://media.example.com".into());
        env.insert("S3_ACCESS_KEY_ID".into(), "AKIDEXAMPLE".into());
        env.insert("S3_SECRET_ACCESS_KEY".into(), "secret".into());
        env.insert("S3_BUCKET".into(), "dreams".into());
        env.insert("S3_FORCE_PATH_STYLE".into(), "true".into());
        configure(env);
    })
    .await
}

pub async fn spawn_client_app() -> TestApp {
    spawn_client_app_with(|_| {}).await
}

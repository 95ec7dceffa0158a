//! Shared helpers of the playlist tests: create playlists and items through the API, seed
//! rows the API has no shortcut for (keyframes, processed dreams with metrics), and read
//! item orders and timestamps straight from the database.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

pub use crate::dream_fixtures::{call, db, insert_dream};
use crate::helpers::*;

/// A playlist created through `POST /api/v1/playlist`.
#[derive(Debug, Clone)]
pub struct Pl {
    pub id: i32,
    pub uuid: String,
}

impl Pl {
    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/playlist/{}{rest}", self.uuid)
    }
}

pub async fn create_playlist(app: &TestApp, user: &TestUser, body: Value) -> Pl {
    let (status, res) = call(app, Method::POST, "/api/v1/playlist", user, Some(body)).await;
    assert_eq!(status, 201, "{res}");
    let p = &res["data"]["playlist"];
    Pl { id: p["id"].as_i64().unwrap() as i32, uuid: p["uuid"].as_str().unwrap().to_string() }
}

pub async fn playlist(app: &TestApp, user: &TestUser, name: &str) -> Pl {
    create_playlist(app, user, json!({"name": name})).await
}

/// `PUT …/add-item`; returns (status, body).
pub async fn add(app: &TestApp, user: &TestUser, parent: &Pl, kind: &str, uuid: &str) -> (u16, Value) {
    call(app, Method::PUT, &parent.path("/add-item"), user, Some(json!({"type": kind, "uuid": uuid}))).await
}

/// Adds and asserts 201; returns the new item id.
pub async fn add_ok(app: &TestApp, user: &TestUser, parent: &Pl, kind: &str, uuid: &str) -> i64 {
    let (status, res) = add(app, user, parent, kind, uuid).await;
    assert_eq!(status, 201, "{res}");
    res["data"]["playlistItem"]["id"].as_i64().unwrap()
}

/// A processed dream with a thumbnail and metrics (`activity_level`, frames).
pub async fn processed_dream(app: &TestApp, owner: &TestUser, activity: f64, frames: i32) -> Uuid {
    let uuid = insert_dream(app, owner, "processed", false, false).await;
    db(app)
        .await
        .execute(
            "UPDATE dream SET activity_level = $2::float8::numeric, processed_video_frames = $3 WHERE uuid = $1",
            &[&uuid, &activity, &frames],
        )
        .await
        .unwrap();
    uuid
}

/// Sets flags of a dream or playlist row by uuid (`table` is `dream` or `playlist`).
pub async fn set_flags(app: &TestApp, table: &str, uuid: &str, hidden: bool, nsfw: bool) {
    let uuid: Uuid = uuid.parse().unwrap();
    db(app)
        .await
        .execute(&format!("UPDATE {table} SET hidden = $2, nsfw = $3 WHERE uuid = $1"), &[&uuid, &hidden, &nsfw])
        .await
        .unwrap();
}

pub async fn insert_keyframe(app: &TestApp, owner: &TestUser, name: &str) -> Uuid {
    db(app)
        .await
        .query_one("INSERT INTO keyframe (user_id, name) VALUES ($1, $2) RETURNING uuid", &[&owner.id, &name])
        .await
        .unwrap()
        .get(0)
}

/// Live items of a playlist as (item id, order), by order then id.
pub async fn orders(app: &TestApp, playlist_id: i32) -> Vec<(i32, i32)> {
    db(app)
        .await
        .query(
            "SELECT id, sort_order FROM playlist_item WHERE playlist_id = $1 AND deleted_at IS NULL \
             ORDER BY sort_order, id",
            &[&playlist_id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

pub async fn updated_at(app: &TestApp, playlist_id: i32) -> DateTime<Utc> {
    db(app).await.query_one("SELECT updated_at FROM playlist WHERE id = $1", &[&playlist_id]).await.unwrap().get(0)
}

/// Pushes `updated_at` of a playlist an hour back (bypassing the `set_updated_at`
/// trigger in this session) so a bump is observable without waiting on the clock.
pub async fn age(app: &TestApp, playlist_id: i32) -> DateTime<Utc> {
    let client = db(app).await;
    client.batch_execute("SET session_replication_role = replica").await.unwrap();
    client
        .query_one(
            "UPDATE playlist SET updated_at = now() - interval '1 hour' WHERE id = $1 RETURNING updated_at",
            &[&playlist_id],
        )
        .await
        .unwrap()
        .get(0)
}

/// The uuids of the dream items of a rendered items list.
pub fn dream_uuids(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().filter_map(|i| i["dreamItem"]["uuid"].as_str().map(str::to_string)).collect()
}

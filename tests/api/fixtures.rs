//! SQL seeding and inspection helpers for black-box tests: rows the API has no shortcut
//! for (dreams with a given status, hidden playlists, …) and the user/vote/report state that
//! realtime events change. Plain `tokio_postgres` against the test's own database.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, NoTls};
use uuid::Uuid;

use crate::helpers::{pg_url, TestApp};

/// A connection to the test app's database.
pub async fn db(app: &TestApp) -> Client {
    let (client, conn) = tokio_postgres::connect(&pg_url(&app.db_name), NoTls).await.expect("connect to test database");
    actix_web::rt::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A seeded row: numeric id and public uuid.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub id: i32,
    pub uuid: Uuid,
}

/// Inserts a dream owned by `owner` (`status` is one of the `dream_status` enum values).
pub async fn insert_dream(db: &Client, owner: i32, name: Option<&str>, hidden: bool, status: &str) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO dream (user_id, name, hidden, status) VALUES ($1, $2, $3, $4::text::dream_status) \
             RETURNING id, uuid",
            &[&owner, &name, &hidden, &status],
        )
        .await
        .expect("insert dream");
    Seeded { id: row.get(0), uuid: row.get(1) }
}

/// Soft-deletes a dream.
pub async fn delete_dream(db: &Client, dream_id: i32) {
    db.execute("UPDATE dream SET deleted_at = now() WHERE id = $1", &[&dream_id]).await.expect("delete dream");
}

/// Inserts a playlist owned by `owner`.
pub async fn insert_playlist(db: &Client, owner: i32, name: Option<&str>, hidden: bool) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO playlist (user_id, name, hidden) VALUES ($1, $2, $3) RETURNING id, uuid",
            &[&owner, &name, &hidden],
        )
        .await
        .expect("insert playlist");
    Seeded { id: row.get(0), uuid: row.get(1) }
}

/// The columns of `users` that realtime events write.
#[derive(Debug, Clone)]
pub struct UserState {
    pub current_dream_id: Option<i32>,
    pub current_playlist_id: Option<i32>,
    pub quota: i64,
    pub last_client_ping_at: Option<DateTime<Utc>>,
    pub last_client_version: Option<String>,
}

pub async fn user_state(db: &Client, user_id: i32) -> UserState {
    let row = db
        .query_one(
            "SELECT current_dream_id, current_playlist_id, quota, last_client_ping_at, last_client_version \
             FROM users WHERE id = $1",
            &[&user_id],
        )
        .await
        .expect("read user");
    UserState {
        current_dream_id: row.get(0),
        current_playlist_id: row.get(1),
        quota: row.get(2),
        last_client_ping_at: row.get(3),
        last_client_version: row.get(4),
    }
}

pub async fn set_quota(db: &Client, user_id: i32, quota: i64) {
    db.execute("UPDATE users SET quota = $2 WHERE id = $1", &[&user_id, &quota]).await.expect("set quota");
}

pub async fn set_current_dream(db: &Client, user_id: i32, dream_id: Option<i32>) {
    db.execute("UPDATE users SET current_dream_id = $2 WHERE id = $1", &[&user_id, &dream_id])
        .await
        .expect("set current dream");
}

pub async fn set_current_playlist(db: &Client, user_id: i32, playlist_id: Option<i32>) {
    db.execute("UPDATE users SET current_playlist_id = $2 WHERE id = $1", &[&user_id, &playlist_id])
        .await
        .expect("set current playlist");
}

pub async fn set_last_client_ping(db: &Client, user_id: i32) {
    db.execute("UPDATE users SET last_client_ping_at = now() WHERE id = $1", &[&user_id])
        .await
        .expect("set last_client_ping_at");
}

/// The user's live (non-deleted) vote rows on a dream, as `vote_type` text.
pub async fn votes(db: &Client, user_id: i32, dream_id: i32) -> Vec<String> {
    db.query(
        "SELECT vote::text FROM vote WHERE user_id = $1 AND dream_id = $2 AND deleted_at IS NULL ORDER BY id",
        &[&user_id, &dream_id],
    )
    .await
    .expect("read votes")
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// `(upvotes, downvotes)` of a dream.
pub async fn dream_counters(db: &Client, dream_id: i32) -> (i32, i32) {
    let row = db
        .query_one("SELECT upvotes, downvotes FROM dream WHERE id = $1", &[&dream_id])
        .await
        .expect("read dream counters");
    (row.get(0), row.get(1))
}

/// A report row as inserted by the server.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub type_id: i32,
    pub dream_id: i32,
    pub reported_by_id: i32,
    pub comments: Option<String>,
    pub reported_at: Option<DateTime<Utc>>,
    pub processed: bool,
}

/// Live reports on a dream, oldest first.
pub async fn reports_for(db: &Client, dream_id: i32) -> Vec<ReportRow> {
    db.query(
        "SELECT type_id, dream_id, reported_by_id, comments, reported_at, processed FROM report \
         WHERE dream_id = $1 AND deleted_at IS NULL ORDER BY id",
        &[&dream_id],
    )
    .await
    .expect("read reports")
    .iter()
    .map(|r| ReportRow {
        type_id: r.get(0),
        dream_id: r.get(1),
        reported_by_id: r.get(2),
        comments: r.get(3),
        reported_at: r.get(4),
        processed: r.get(5),
    })
    .collect()
}

/// Number of live report rows in the whole database.
pub async fn report_count(db: &Client) -> i64 {
    db.query_one("SELECT count(*) FROM report WHERE deleted_at IS NULL", &[]).await.expect("count reports").get(0)
}

/// Number of live vote rows in the whole database.
pub async fn vote_count(db: &Client) -> i64 {
    db.query_one("SELECT count(*) FROM vote WHERE deleted_at IS NULL", &[]).await.expect("count votes").get(0)
}

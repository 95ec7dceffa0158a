//! Shared helpers of the dream tests: JSON requests as a user, direct database access
//! for fixtures and for checking that no rows were left behind.

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

pub use crate::fixtures::db;
use crate::helpers::*;

/// Sends `body` (JSON) as `user`; returns the status and the parsed body.
pub async fn call(app: &TestApp, method: Method, path: &str, user: &TestUser, body: Option<Value>) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("User-Agent", "Mozilla/5.0 (test)");
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Inserts a dream row directly (catalogue tests need no storage).
pub async fn insert_dream(app: &TestApp, owner: &TestUser, status: &str, hidden: bool, nsfw: bool) -> Uuid {
    let client = db(app).await;
    let row = client
        .query_one(
            "INSERT INTO dream (user_id, name, status, hidden, nsfw, video, thumbnail) \
             VALUES ($1, 'fixture', $2::text::dream_status, $3, $4, 'k/v.mp4', 'k/t.jpg') RETURNING uuid",
            &[&owner.id, &status, &hidden, &nsfw],
        )
        .await
        .unwrap();
    row.get(0)
}

/// Number of rows of `table` matching `filter` (a trusted SQL fragment).
pub async fn count(app: &TestApp, table: &str, filter: &str) -> i64 {
    let client = db(app).await;
    client.query_one(&format!("SELECT count(*) FROM {table} WHERE {filter}"), &[]).await.unwrap().get(0)
}

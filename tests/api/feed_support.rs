//! Fixtures shared by the keyframe and feed tests: rows the API has no shortcut for
//! (processed dreams with their feed items, flagged playlists, playlist links), written
//! with plain SQL into the test's own database.

#![allow(dead_code)]

use tokio_postgres::Client;

pub use crate::fixtures::{db, Seeded};

/// A processed dream with its feed item, created `age` seconds ago (feed order).
pub async fn feed_dream(db: &Client, owner: i32, name: &str, hidden: bool, nsfw: bool, age: i32) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO dream (user_id, name, hidden, nsfw, status, thumbnail, created_at) \
             VALUES ($1, $2, $3, $4, 'processed', $2 || '/thumb.jpg', now() - make_interval(secs => $5)) \
             RETURNING id, uuid",
            &[&owner, &name, &hidden, &nsfw, &f64::from(age)],
        )
        .await
        .unwrap();
    let s = Seeded { id: row.get(0), uuid: row.get(1) };
    db.execute(
        "INSERT INTO feed_item (user_id, type, dream_item_id, created_at) \
         VALUES ($1, 'dream', $2, now() - make_interval(secs => $3))",
        &[&owner, &s.id, &f64::from(age)],
    )
    .await
    .unwrap();
    s
}

/// A playlist with its feed item (`rank` = `feature_rank`), created `age` seconds ago.
pub async fn feed_playlist(
    db: &Client,
    owner: i32,
    name: &str,
    hidden: bool,
    nsfw: bool,
    rank: i32,
    age: i32,
) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO playlist (user_id, name, hidden, nsfw, feature_rank) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, uuid",
            &[&owner, &name, &hidden, &nsfw, &rank],
        )
        .await
        .unwrap();
    let s = Seeded { id: row.get(0), uuid: row.get(1) };
    db.execute(
        "INSERT INTO feed_item (user_id, type, playlist_item_id, created_at) \
         VALUES ($1, 'playlist', $2, now() - make_interval(secs => $3))",
        &[&owner, &s.id, &f64::from(age)],
    )
    .await
    .unwrap();
    s
}

/// A playlist without a feed item.
pub async fn plain_playlist(db: &Client, owner: i32, name: &str, hidden: bool) -> Seeded {
    let row = db
        .query_one(
            "INSERT INTO playlist (user_id, name, hidden) VALUES ($1, $2, $3) RETURNING id, uuid",
            &[&owner, &name, &hidden],
        )
        .await
        .unwrap();
    Seeded { id: row.get(0), uuid: row.get(1) }
}

/// Puts a dream into a playlist at `order`.
pub async fn add_dream(db: &Client, playlist: i32, dream: i32, order: i32) {
    db.execute(
        "INSERT INTO playlist_item (playlist_id, type, dream_item_id, sort_order) VALUES ($1, 'dream', $2, $3)",
        &[&playlist, &dream, &order],
    )
    .await
    .unwrap();
}

/// Links a keyframe to a playlist at `order`; returns the link id.
pub async fn link_keyframe(db: &Client, playlist: i32, keyframe: i32, order: i32) -> i32 {
    db.query_one(
        "INSERT INTO playlist_keyframe (playlist_id, keyframe_id, sort_order) VALUES ($1, $2, $3) RETURNING id",
        &[&playlist, &keyframe, &order],
    )
    .await
    .unwrap()
    .get(0)
}

pub async fn keyframe_id(db: &Client, uuid: uuid::Uuid) -> i32 {
    db.query_one("SELECT id FROM keyframe WHERE uuid = $1", &[&uuid]).await.unwrap().get(0)
}

/// Marks a dream as starting and/or ending on a keyframe.
pub async fn set_keyframes(db: &Client, dream: i32, start: Option<i32>, end: Option<i32>) {
    db.execute("UPDATE dream SET start_keyframe_id = $2, end_keyframe_id = $3 WHERE id = $1", &[&dream, &start, &end])
        .await
        .unwrap();
}

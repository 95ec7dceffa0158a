//! Client domain types: rows in the shapes the desktop client API needs
//! (`rest-api.md` §6.1). Timestamps stay `DateTime` here; the edge writes them as epoch
//! milliseconds, and numeric columns arrive as Postgres text so `size`/`fps` reach the
//! wire exactly as stored.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// `GET /client/hello`.
#[derive(Debug, Clone)]
pub struct Hello {
    pub quota: i64,
    /// The current playlist's uuid, `None` when unset or deleted.
    pub current_playlist: Option<Uuid>,
    pub dislikes_count: i64,
}

/// One dream as `ClientDream` shows it (media still as object keys).
#[derive(Debug, Clone)]
pub struct ClientDreamRow {
    pub uuid: Uuid,
    pub name: Option<String>,
    /// Displayed owner's name, else the owner's.
    pub artist: Option<String>,
    pub size: Option<i64>,
    pub status: String,
    pub fps: Option<String>,
    pub frames: Option<i32>,
    pub thumbnail: Option<String>,
    pub upvotes: i32,
    pub downvotes: i32,
    pub nsfw: bool,
    pub activity_level: String,
    pub md5: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// One entry of a flattened playlist's `contents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentEntry {
    pub uuid: Uuid,
    pub updated_at: DateTime<Utc>,
    /// Live start/end keyframe uuids; `None` keys are omitted on the wire.
    pub start_keyframe: Option<Uuid>,
    pub end_keyframe: Option<Uuid>,
}

/// `GET /client/playlist/:uuid`: the playlist and its recursively flattened dreams.
#[derive(Debug, Clone)]
pub struct ClientPlaylistRow {
    pub id: i32,
    pub name: Option<String>,
    pub artist: Option<String>,
    pub thumbnail: Option<String>,
    pub nsfw: bool,
    pub updated_at: DateTime<Utc>,
    pub contents: Vec<ContentEntry>,
}

/// What `maintenance daily` did (printed as one JSON object by the CLI).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyReport {
    /// Default playlists recomputed (one per live user).
    pub default_playlists: u64,
    /// Users whose quota was below 1 GiB and was raised to it.
    pub quotas_raised: u64,
    pub auth_codes_deleted: u64,
    pub auth_sessions_deleted: u64,
}

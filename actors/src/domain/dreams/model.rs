//! Dreams domain types: raw rows as stored (object keys, not URLs) plus the related
//! rows a response needs. The HTTP edge turns them into the `Dream` shape of
//! `rest-api.md` §2, presigning media keys and applying the caller-dependent rules
//! (`original_video`, `featureRank`); keeping that out of here keeps this crate free of
//! storage and HTTP concerns.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::users::model::PublicUser;

/// Who is asking: enough to apply the visibility rules of `rest-api.md` §3.7.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub id: i32,
    pub admin: bool,
    pub nsfw: bool,
}

impl Viewer {
    /// Admin or real owner (not the displayed owner).
    pub fn privileged(&self, owner_id: i32) -> bool {
        self.admin || self.id == owner_id
    }
}

/// One `dream` row. Numeric columns arrive as Postgres text (`activity_level`,
/// `processed_video_fps`) so their exact text form reaches the wire.
#[derive(Debug, Clone)]
pub struct DreamRow {
    pub id: i32,
    pub uuid: Uuid,
    pub user_id: i32,
    pub displayed_owner_id: Option<i32>,
    pub name: Option<String>,
    pub status: String,
    pub video: Option<String>,
    pub original_video: Option<String>,
    pub thumbnail: Option<String>,
    pub processed_video_size: Option<i64>,
    pub processed_video_frames: Option<i32>,
    pub processed_video_fps: Option<String>,
    pub feature_rank: i32,
    pub upvotes: i32,
    pub downvotes: i32,
    pub activity_level: String,
    pub nsfw: bool,
    pub hidden: bool,
    pub ccby_license: bool,
    pub filmstrip: Option<Value>,
    pub description: Option<String>,
    pub source_url: Option<String>,
    pub md5: Option<String>,
    pub start_keyframe_id: Option<i32>,
    pub end_keyframe_id: Option<i32>,
    pub processed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Keyframe columns only (what `startKeyframe`/`endKeyframe` carry).
#[derive(Debug, Clone)]
pub struct KeyframeCols {
    pub id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    pub image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Dreams plus every user and keyframe they reference, loaded in two extra queries.
#[derive(Debug, Clone, Default)]
pub struct DreamBundle {
    pub dreams: Vec<DreamRow>,
    pub users: HashMap<i32, PublicUser>,
    pub keyframes: HashMap<i32, KeyframeCols>,
}

/// A playlist that contains a dream (for `GET /dream/:uuid` `playlistItems`).
#[derive(Debug, Clone)]
pub struct PlaylistRef {
    pub item_id: i32,
    pub item_type: String,
    pub order: i32,
    pub item_created_at: DateTime<Utc>,
    pub item_updated_at: DateTime<Utc>,
    pub item_deleted_at: Option<DateTime<Utc>>,
    pub id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    pub description: String,
    /// Own thumbnail, else the recursive fallback of `rest-api.md` §2.
    pub thumbnail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub nsfw: bool,
    pub hidden: bool,
    pub feature_rank: i32,
    pub user: Option<PublicUser>,
    pub displayed_owner: Option<PublicUser>,
}

/// Everything `GET /dream/:uuid` shows.
#[derive(Debug, Clone)]
pub struct DreamDetail {
    pub bundle: DreamBundle,
    pub playlist_items: Vec<PlaylistRef>,
    /// Unprocessed reports, already in the Report JSON shape (timestamps formatted).
    pub reports: Vec<Value>,
}

/// `GET /dream` filters (`rest-api.md` §8.1).
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub status: String,
    pub take: i64,
    pub skip: i64,
    pub user_uuid: Option<Uuid>,
}

/// Metadata of a dream created by `create-multipart-upload` without `uuid`.
#[derive(Debug, Clone, Default)]
pub struct NewDream {
    /// Chosen by the edge so the storage upload can start before the row exists.
    pub uuid: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    pub source_url: Option<String>,
    pub nsfw: bool,
    pub ccby_license: bool,
    pub hidden: bool,
}

/// Whitelisted columns of `PUT /dream/:uuid` (`data-model.md` §6); `None` = untouched.
/// `start/end_keyframe` hold resolved keyframe ids; the admin-only fields are left
/// `None` by the edge for non-admins.
#[derive(Debug, Clone, Default)]
pub struct DreamUpdate {
    pub name: Option<String>,
    /// Numeric text as the client wrote it (`1`, `0.5`).
    pub activity_level: Option<String>,
    pub description: Option<String>,
    pub source_url: Option<String>,
    pub nsfw: Option<bool>,
    pub ccby_license: Option<bool>,
    pub start_keyframe_id: Option<i32>,
    pub end_keyframe_id: Option<i32>,
    pub hidden: Option<bool>,
    pub feature_rank: Option<i32>,
    pub displayed_owner_id: Option<i32>,
}

/// Metrics of `status/processed`; `filmstrip` is already the stored JSON array.
#[derive(Debug, Clone, Default)]
pub struct ProcessedMetrics {
    pub activity_level: Option<String>,
    pub fps: Option<String>,
    pub frames: Option<i32>,
    pub size: Option<i64>,
    pub filmstrip: Option<Value>,
    pub md5: Option<String>,
}

/// The three vote endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteKind {
    None,
    Up,
    Down,
}

impl VoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VoteKind::None => "none",
            VoteKind::Up => "upvote",
            VoteKind::Down => "downvote",
        }
    }
}

/// A `vote` row (`rest-api.md` §2 Vote).
#[derive(Debug, Clone)]
pub struct VoteRow {
    pub id: i32,
    pub vote: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A dream to hand over to the processing service (CLI `dreams process`).
#[derive(Debug, Clone)]
pub struct QueuedDream {
    pub uuid: Uuid,
    pub user_id: i32,
    pub original_video: Option<String>,
}

/// Inclusive date range of `dreams process --from --to` (UTC days).
#[derive(Debug, Clone, Copy)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

//! Playlists domain types: rows as stored (object keys, not URLs) and the related rows a
//! response needs. The HTTP edge turns them into the `Playlist`, `PlaylistItem` and
//! `PlaylistKeyframe` shapes of `rest-api.md` §2; caller-dependent rules (`featureRank`
//! for admins, SmallUser vs PublicUser) are applied there.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::dreams::model::{DreamBundle, KeyframeCols};
use crate::domain::users::model::PublicUser;

pub use crate::domain::dreams::model::Viewer;

/// One `playlist` row. `thumbnail` is already the effective one: the own thumbnail, else
/// the fallback of `rest-api.md` §2 as seen by the viewer who asked.
#[derive(Debug, Clone)]
pub struct PlaylistRow {
    pub id: i32,
    pub uuid: Uuid,
    pub user_id: i32,
    pub displayed_owner_id: Option<i32>,
    pub name: Option<String>,
    pub description: String,
    pub thumbnail: Option<String>,
    pub feature_rank: i32,
    pub nsfw: bool,
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Playlists plus every user they name.
#[derive(Debug, Clone, Default)]
pub struct PlaylistBundle {
    pub playlists: Vec<PlaylistRow>,
    pub users: HashMap<i32, PublicUser>,
}

/// One `playlist_item` row; exactly one of `dream_id`/`playlist_id` is set.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub id: i32,
    pub kind: String,
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub dream_id: Option<i32>,
    pub playlist_id: Option<i32>,
}

/// Items with everything their shapes need: the dreams (with users and keyframes), the
/// child playlists and, for each child, its own listable items (one level).
#[derive(Debug, Clone, Default)]
pub struct ItemsPage {
    pub items: Vec<ItemRow>,
    pub total: i64,
    pub dreams: DreamBundle,
    /// Child and grandchild playlists by id (fallback thumbnails applied).
    pub playlists: HashMap<i32, PlaylistRow>,
    /// Listable items of each child playlist, in order.
    pub nested: HashMap<i32, Vec<ItemRow>>,
    /// Users of the playlists (dream users are in `dreams.users`).
    pub users: HashMap<i32, PublicUser>,
}

/// A keyframe with its owner ids (the edge renders SmallUsers).
#[derive(Debug, Clone)]
pub struct KeyframeRow {
    pub cols: KeyframeCols,
    pub user_id: i32,
    pub displayed_owner_id: Option<i32>,
}

/// One `playlist_keyframe` row with its keyframe.
#[derive(Debug, Clone)]
pub struct PlaylistKeyframeRow {
    pub id: i32,
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub keyframe: KeyframeRow,
}

/// A page of playlist keyframes and the users they name.
#[derive(Debug, Clone, Default)]
pub struct KeyframesPage {
    pub keyframes: Vec<PlaylistKeyframeRow>,
    pub total: i64,
    pub users: HashMap<i32, PublicUser>,
}

/// An item of another playlist that nests this one (`GET …/references`).
#[derive(Debug, Clone)]
pub struct Reference {
    pub item: ItemRow,
    pub parent_id: i32,
    pub parent_uuid: Uuid,
    pub parent_name: Option<String>,
}

/// `GET /playlist/:uuid` totals, recursive over nested playlists (each once).
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub duration_seconds: i64,
    pub dream_count: i64,
}

/// `GET /playlist` filters (`rest-api.md` §10.1).
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub take: i64,
    pub skip: i64,
    pub search: Option<String>,
    /// `Some(nil)` for a `userUUID` that names nobody: an empty page.
    pub user_uuid: Option<Uuid>,
}

/// `POST /playlist` (`data-model.md` §6 whitelist).
#[derive(Debug, Clone, Default)]
pub struct NewPlaylist {
    pub name: String,
    pub description: String,
    pub nsfw: bool,
    pub hidden: bool,
}

/// Whitelisted columns of `PUT /playlist/:uuid`; `None` = untouched. The admin-only
/// fields are left `None` by the edge for non-admins.
#[derive(Debug, Clone, Default)]
pub struct PlaylistUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub nsfw: Option<bool>,
    pub hidden: Option<bool>,
    pub feature_rank: Option<i32>,
    pub displayed_owner_id: Option<i32>,
}

/// What `add-item` nests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemTarget {
    Dream(i32),
    Playlist(i32),
}

/// Result of `add-item`: the new item, or refused because it would nest the playlist in
/// itself (directly or through a cycle); nothing is written then.
#[derive(Debug, Clone)]
pub enum AddOutcome {
    Added(Box<ItemsPage>),
    Cycle,
}

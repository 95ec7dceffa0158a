//! Keyframes domain types: raw rows (object keys, not URLs) plus the related rows the
//! `Keyframe` shape of `rest-api.md` §2 needs. The HTTP edge renders them and presigns
//! the media keys; the visibility rules were already applied in SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::dreams::DreamBundle;
use crate::domain::users::model::PublicUser;

/// One live `keyframe` row.
#[derive(Debug, Clone)]
pub struct KeyframeRow {
    pub id: i32,
    pub uuid: Uuid,
    pub user_id: i32,
    pub displayed_owner_id: Option<i32>,
    pub name: Option<String>,
    pub image: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A live `playlist_keyframe` row naming a keyframe (`playlistKeyframes[]`).
#[derive(Debug, Clone)]
pub struct PlaylistKeyframeRef {
    pub id: i32,
    pub order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Keyframes with every relation of the list/detail shape, loaded in a fixed number of
/// queries whatever the page size.
#[derive(Debug, Clone, Default)]
pub struct KeyframeBundle {
    pub keyframes: Vec<KeyframeRow>,
    /// Owners and displayed owners of the keyframes.
    pub users: HashMap<i32, PublicUser>,
    /// By keyframe id; only rows whose playlist is `listable` for the viewer.
    pub playlist_keyframes: HashMap<i32, Vec<PlaylistKeyframeRef>>,
    /// Live `listable` dreams starting or ending on one of the keyframes, newest first,
    /// with their users; split per keyframe by `start/end_keyframe_id` at render time.
    pub dreams: DreamBundle,
}

/// `GET /keyframe` filters (`rest-api.md` §11).
#[derive(Debug, Clone, Default)]
pub struct KeyframeQuery {
    pub take: i64,
    pub skip: i64,
    /// Name ILIKE `%search%`.
    pub search: Option<String>,
    /// Only this owner's keyframes (a uuid that names no user gives an empty page).
    pub user_uuid: Option<Uuid>,
}

/// Whitelisted columns of `PUT /keyframe/:uuid` (`data-model.md` §6); the edge leaves
/// `displayed_owner_id` `None` for non-admins.
#[derive(Debug, Clone, Default)]
pub struct KeyframeUpdate {
    pub name: String,
    pub displayed_owner_id: Option<i32>,
}

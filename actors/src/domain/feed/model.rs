//! Feed domain types (`rest-api.md` §12): one row per feed item with the columns of its
//! dream or playlist that the `FeedItem` shape shows, the users they name, and the
//! playlists each dream sits in (for `playlistItems` and the grouped feed).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::users::model::PublicUser;

/// Which feed is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedMode {
    /// `/feed` and `/feed/grouped`: every listable item, newest first.
    All,
    /// `/feed/ranked`: playlists with `featureRank ≥ 1`, highest rank first.
    Ranked,
    /// `/feed/my-dreams`: items whose feed user is the viewer, newest first.
    Mine,
}

/// The common filter of §12. `All` uses every field; `Ranked` and `Mine` only paging.
#[derive(Debug, Clone)]
pub struct FeedQuery {
    pub mode: FeedMode,
    pub take: i64,
    pub skip: i64,
    pub search: Option<String>,
    /// `dream` or `playlist`.
    pub kind: Option<String>,
    pub user_uuid: Option<Uuid>,
    pub only_hidden: bool,
}

impl FeedQuery {
    /// A query with only paging set.
    pub fn page(mode: FeedMode, take: i64, skip: i64) -> FeedQuery {
        FeedQuery { mode, take, skip, search: None, kind: None, user_uuid: None, only_hidden: false }
    }
}

/// The dream columns of `FeedItem.dreamItem`.
#[derive(Debug, Clone)]
pub struct FeedDream {
    pub id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    pub thumbnail: Option<String>,
    pub user_id: i32,
    pub displayed_owner_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The playlist columns of `FeedItem.playlistItem`; `thumbnail` has the fallback of §2
/// applied.
#[derive(Debug, Clone)]
pub struct FeedPlaylist {
    pub id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    pub description: String,
    pub thumbnail: Option<String>,
    pub user_id: i32,
    pub displayed_owner_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One feed item; exactly one of `dream`/`playlist` is set, matching `kind`.
#[derive(Debug, Clone)]
pub struct FeedRow {
    pub id: i32,
    pub kind: String,
    /// The feed user: the owner, or the displayed owner an admin set.
    pub user_id: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub dream: Option<FeedDream>,
    pub playlist: Option<FeedPlaylist>,
}

/// A live item placing a dream in a playlist `visible` to the viewer.
#[derive(Debug, Clone)]
pub struct DreamPlaylistRef {
    pub item_id: i32,
    pub playlist_id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    /// Also `nsfw_ok`: only these are shown in `playlistItems`.
    pub listable: bool,
}

/// A page of the feed with everything its shapes reference.
#[derive(Debug, Clone, Default)]
pub struct FeedPage {
    pub items: Vec<FeedRow>,
    pub users: HashMap<i32, PublicUser>,
    /// By dream id, in item id order.
    pub refs: HashMap<i32, Vec<DreamPlaylistRef>>,
}

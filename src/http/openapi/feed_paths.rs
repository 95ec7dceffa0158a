//! OpenAPI path items and schemas of `/api/v1/feed` (`rest-api.md` §12): documentation
//! stubs, never called, one per route registered by `http::feed`. Merged into the main
//! document by `openapi::document`.
#![allow(dead_code)]

use super::schemas::{ErrorEnvelope, PublicUser};
use utoipa::{OpenApi, ToSchema};

#[derive(ToSchema)]
pub struct FeedPlaylistName {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
}

/// A playlist item placing a dream in a playlist listable by the caller.
#[derive(ToSchema)]
pub struct FeedPlaylistRef {
    pub id: i32,
    pub playlist: FeedPlaylistName,
}

#[derive(ToSchema)]
pub struct FeedDream {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    /// Read URL.
    pub thumbnail: Option<String>,
    pub user: PublicUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<PublicUser>,
    pub created_at: String,
    pub updated_at: String,
    #[schema(rename = "playlistItems")]
    pub playlist_items: Vec<FeedPlaylistRef>,
}

#[derive(ToSchema)]
pub struct FeedPlaylist {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    pub description: String,
    /// Read URL; the first listable item's thumbnail when the playlist has none.
    pub thumbnail: Option<String>,
    pub user: PublicUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<PublicUser>,
    pub created_at: String,
    pub updated_at: String,
}

/// One feed item: `user` is the feed user (the displayed owner when an admin set one).
#[derive(ToSchema)]
pub struct FeedItem {
    pub id: i32,
    /// `dream` or `playlist`.
    #[schema(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub user: PublicUser,
    #[schema(rename = "dreamItem")]
    pub dream_item: Option<FeedDream>,
    #[schema(rename = "playlistItem")]
    pub playlist_item: Option<FeedPlaylist>,
}

#[derive(ToSchema)]
pub struct FeedData {
    pub feed: Vec<FeedItem>,
    /// Total matching items, ignoring take/skip.
    pub count: i64,
}

#[derive(ToSchema)]
pub struct FeedEnvelope {
    pub success: bool,
    pub data: FeedData,
}

/// A group of at least four of the page's dreams sharing a playlist.
#[derive(ToSchema)]
pub struct VirtualPlaylist {
    pub id: i32,
    pub uuid: uuid::Uuid,
    /// The playlist's name, or its uuid when unnamed.
    pub name: String,
    pub user: PublicUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: PublicUser,
    /// Newest first; each `user` is the dream's feed user.
    pub dreams: Vec<FeedDream>,
    pub created_at: String,
}

#[derive(ToSchema)]
pub struct GroupedFeedData {
    #[schema(rename = "feedItems")]
    pub feed_items: Vec<FeedItem>,
    #[schema(rename = "virtualPlaylists")]
    pub virtual_playlists: Vec<VirtualPlaylist>,
    /// The ungrouped total.
    pub count: i64,
}

#[derive(ToSchema)]
pub struct GroupedFeedEnvelope {
    pub success: bool,
    pub data: GroupedFeedData,
}

#[utoipa::path(get, path = "/api/v1/feed", tag = "feed", security(("api_key" = []), ("session" = [])),
    params(
        ("take" = Option<i64>, Query, description = "page size, ≤ 500 (default 10); non-numeric → 400"),
        ("skip" = Option<i64>, Query, description = "offset (default 0); non-numeric → 400"),
        ("search" = Option<String>, Query, description = "name contains (case-insensitive)"),
        ("type" = Option<String>, Query, description = "dream|playlist"),
        ("userUUID" = Option<String>, Query, description = "only this feed user's items (a GUID)"),
        ("onlyHidden" = Option<String>, Query, description = "\"true\"|\"false\"; non-admins: only their own hidden items"),
    ),
    responses((status = 200, description = "listable items, newest first", body = FeedEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn feed() {}

#[utoipa::path(get, path = "/api/v1/feed/ranked", tag = "feed", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query)),
    responses((status = 200, description = "listable playlists with featureRank ≥ 1, highest first", body = FeedEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn feed_ranked() {}

#[utoipa::path(get, path = "/api/v1/feed/my-dreams", tag = "feed", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query)),
    responses((status = 200, description = "items whose feed user is the caller (other /feed keys validated, ignored)", body = FeedEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn feed_my_dreams() {}

#[utoipa::path(get, path = "/api/v1/feed/grouped", tag = "feed", security(("api_key" = []), ("session" = [])),
    params(
        ("take" = Option<i64>, Query), ("skip" = Option<i64>, Query), ("search" = Option<String>, Query),
        ("type" = Option<String>, Query), ("userUUID" = Option<String>, Query), ("onlyHidden" = Option<String>, Query),
    ),
    responses((status = 200, description = "the /feed page split into items and virtual playlists", body = GroupedFeedEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn feed_grouped() {}

#[derive(OpenApi)]
#[openapi(
    paths(feed, feed_ranked, feed_my_dreams, feed_grouped),
    components(schemas(
        FeedPlaylistName,
        FeedPlaylistRef,
        FeedDream,
        FeedPlaylist,
        FeedItem,
        FeedData,
        FeedEnvelope,
        VirtualPlaylist,
        GroupedFeedData,
        GroupedFeedEnvelope
    ))
)]
pub struct FeedDoc;

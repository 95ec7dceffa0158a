//! Path items and schemas of the playlist routes (`rest-api.md` §10, the current
//! playlist of §4 and §7): documentation stubs, never called, one per route registered by
//! `http::playlists`. [`PlaylistDoc`] is merged into the main document.
#![allow(dead_code)]

use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use super::schemas::{Dream, ErrorEnvelope, ImageForm, PublicUser, SuccessEnvelope};

const UUID_PARAM: &str = "playlist uuid (any accepted GUID spelling)";

/// SmallUser: what nested objects show of a user.
#[derive(ToSchema)]
pub struct SmallUser {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    /// Read URL.
    pub avatar: Option<String>,
}

/// Playlist (`rest-api.md` §2). `thumbnail` is a read URL, or the fallback: the first
/// listable item's thumbnail, recursively. `featureRank` only for admins; `items` only
/// where the endpoint says so. Nested playlists carry SmallUsers.
#[derive(ToSchema)]
pub struct Playlist {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    pub description: String,
    pub thumbnail: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub nsfw: bool,
    pub hidden: bool,
    pub user: PublicUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<PublicUser>,
    #[schema(rename = "featureRank")]
    pub feature_rank: Option<i32>,
    pub items: Option<Vec<PlaylistItem>>,
    /// `GET /playlist/:uuid` only: Σ round(activityLevel × frames / 30), recursive.
    #[schema(rename = "totalDurationSeconds")]
    pub total_duration_seconds: Option<i64>,
    /// `GET /playlist/:uuid` only: processed listable dreams, recursive.
    #[schema(rename = "totalDreamCount")]
    pub total_dream_count: Option<i64>,
}

/// PlaylistItem: exactly one of `dreamItem` (Dream with SmallUsers) and `playlistItem`
/// (Playlist with SmallUsers and one level of nested `items`) is set.
#[derive(ToSchema)]
pub struct PlaylistItem {
    pub id: i32,
    /// `dream` or `playlist`.
    #[schema(rename = "type")]
    pub kind: String,
    pub order: i32,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    #[schema(rename = "dreamItem")]
    pub dream_item: Option<Dream>,
    #[schema(rename = "playlistItem", value_type = Option<Object>)]
    pub playlist_item: Option<Value>,
}

/// A keyframe as playlist keyframes show it.
#[derive(ToSchema)]
pub struct PlaylistKeyframeKeyframe {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    /// Read URL.
    pub image: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub user: SmallUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<SmallUser>,
}

#[derive(ToSchema)]
pub struct PlaylistKeyframe {
    pub id: i32,
    pub order: i32,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub keyframe: PlaylistKeyframeKeyframe,
}

/// `{success, data:{playlist}}`.
#[derive(ToSchema)]
pub struct PlaylistEnvelope {
    pub success: bool,
    #[schema(value_type = Object)]
    pub data: Value,
}

/// `{success, data:{playlists, count}}`.
#[derive(ToSchema)]
pub struct PlaylistListEnvelope {
    pub success: bool,
    #[schema(value_type = Object)]
    pub data: Value,
}

/// `{success, data:{items, totalCount}}`, `{keyframes, totalCount}`, `{references}`,
/// `{playlistItem}` or `{playlistKeyframe}`.
#[derive(ToSchema)]
pub struct PlaylistDataEnvelope {
    pub success: bool,
    #[schema(value_type = Object)]
    pub data: Value,
}

#[derive(ToSchema)]
pub struct CreatePlaylistBody {
    pub name: String,
    /// ≤ 500 characters, may be "".
    pub description: Option<String>,
    pub nsfw: Option<bool>,
    /// Admins only (400 otherwise).
    pub hidden: Option<bool>,
}

#[derive(ToSchema)]
pub struct UpdatePlaylistBody {
    /// Required, ≤ 100 characters.
    pub name: String,
    pub description: Option<String>,
    pub nsfw: Option<bool>,
    /// Admins only; ignored otherwise.
    #[schema(rename = "featureRank")]
    pub feature_rank: Option<i32>,
    /// A user id; admins only, ignored otherwise; must exist (404).
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<i32>,
    /// Admins only (400 otherwise).
    pub hidden: Option<bool>,
}

#[derive(ToSchema)]
pub struct OrderEntry {
    pub id: i32,
    pub order: i32,
}

#[derive(ToSchema)]
pub struct OrderBody {
    pub order: Vec<OrderEntry>,
}

#[derive(ToSchema)]
pub struct AddItemBody {
    /// `dream` or `playlist`.
    #[schema(rename = "type")]
    pub kind: String,
    pub uuid: uuid::Uuid,
}

#[derive(ToSchema)]
pub struct KeyframeLinkBody {
    /// Keyframe uuid.
    pub uuid: uuid::Uuid,
}

#[utoipa::path(get, path = "/api/v1/playlist", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query, description = "page size, ≤ 5000 (default 10)"), ("skip" = Option<i64>, Query),
           ("search" = Option<String>, Query, description = "name contains (case-insensitive)"),
           ("userUUID" = Option<String>, Query, description = "only this user's playlists")),
    responses((status = 200, description = "listable playlists, most recently updated first", body = PlaylistListEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn playlist_list() {}

#[utoipa::path(post, path = "/api/v1/playlist", tag = "playlists", security(("api_key" = []), ("session" = [])),
    request_body = CreatePlaylistBody,
    responses((status = 201, description = "`{playlist}`", body = PlaylistEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope)))]
pub fn playlist_create() {}

#[utoipa::path(get, path = "/api/v1/playlist/{uuid}", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "`{playlist}` with totalDurationSeconds, totalDreamCount", body = PlaylistEnvelope),
              (status = 400, description = "Malformed uuid", body = ErrorEnvelope), (status = 404, description = "Missing, hidden or nsfw", body = ErrorEnvelope)))]
pub fn playlist_get() {}

#[utoipa::path(put, path = "/api/v1/playlist/{uuid}", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = UpdatePlaylistBody,
    responses((status = 200, description = "`{playlist}` re-read, with items", body = PlaylistEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope), (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_update() {}

#[utoipa::path(delete, path = "/api/v1/playlist/{uuid}", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "soft-deleted with its items, keyframe links, feed item and referencing items", body = SuccessEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_delete() {}

#[utoipa::path(get, path = "/api/v1/playlist/{uuid}/items", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM), ("take" = Option<i64>, Query, description = "1..5000 (default 10)"),
           ("skip" = Option<i64>, Query, description = "≥ 0")),
    responses((status = 200, description = "`{items: PlaylistItem[], totalCount}`", body = PlaylistDataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_items() {}

#[utoipa::path(get, path = "/api/v1/playlist/{uuid}/keyframes", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM), ("take" = Option<i64>, Query, description = "1..5000 (default 10)"),
           ("skip" = Option<i64>, Query, description = "≥ 0")),
    responses((status = 200, description = "`{keyframes: PlaylistKeyframe[], totalCount}`", body = PlaylistDataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_keyframes() {}

#[utoipa::path(get, path = "/api/v1/playlist/{uuid}/references", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "`{references: [{id, type, order, …, playlist:{id, uuid, name}}]}`", body = PlaylistDataEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_references() {}

#[utoipa::path(put, path = "/api/v1/playlist/{uuid}/thumbnail", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "`{playlist}` with items", body = PlaylistEnvelope),
              (status = 400, description = "File type not allowed / File too large", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_thumbnail() {}

#[utoipa::path(put, path = "/api/v1/playlist/{uuid}/order", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = OrderBody,
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_order() {}

#[utoipa::path(put, path = "/api/v1/playlist/{uuid}/add-item", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = AddItemBody,
    responses((status = 201, description = "`{playlistItem: PlaylistItem}`", body = PlaylistDataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Not the owner, or self/cyclic nesting (Action not allowed.)", body = ErrorEnvelope),
              (status = 404, description = "Playlist or target not found", body = ErrorEnvelope),
              (status = 409, description = "Resource already exists.", body = ErrorEnvelope)))]
pub fn playlist_add_item() {}

#[utoipa::path(delete, path = "/api/v1/playlist/{uuid}/remove-item/{itemId}", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM), ("itemId" = i32, Path, description = "playlist item id")),
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_remove_item() {}

#[utoipa::path(post, path = "/api/v1/playlist/{uuid}/keyframe", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = KeyframeLinkBody,
    responses((status = 201, description = "`{playlistKeyframe: PlaylistKeyframe}`", body = PlaylistDataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope), (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope), (status = 409, description = "Resource already exists.", body = ErrorEnvelope)))]
pub fn playlist_add_keyframe() {}

#[utoipa::path(delete, path = "/api/v1/playlist/{uuid}/keyframe/{playlistKeyframeId}", tag = "playlists", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM), ("playlistKeyframeId" = i32, Path, description = "playlist keyframe id")),
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn playlist_remove_keyframe() {}

#[utoipa::path(get, path = "/api/v1/user/me/playlist", tag = "users", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{playlist}` with its listable items", body = PlaylistEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope),
              (status = 404, description = "No current playlist, or deleted / not visible", body = ErrorEnvelope)))]
pub fn user_me_playlist() {}

#[derive(OpenApi)]
#[openapi(
    paths(
        playlist_list, playlist_create, playlist_get, playlist_update, playlist_delete, playlist_items,
        playlist_keyframes, playlist_references, playlist_thumbnail, playlist_order, playlist_add_item,
        playlist_remove_item, playlist_add_keyframe, playlist_remove_keyframe, user_me_playlist,
    ),
    components(schemas(
        SmallUser, Playlist, PlaylistItem, PlaylistKeyframeKeyframe, PlaylistKeyframe, PlaylistEnvelope,
        PlaylistListEnvelope, PlaylistDataEnvelope, CreatePlaylistBody, UpdatePlaylistBody, OrderEntry, OrderBody,
        AddItemBody, KeyframeLinkBody,
    )),
    tags((name = "playlists", description = "Playlists, their items and keyframes (rest-api.md §10)")),
)]
pub struct PlaylistDoc;

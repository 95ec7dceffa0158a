//! Path items of the desktop client API (`rest-api.md` §6), `GET /api/v1/user/me/dislikes`
//! and `GET /api/v1/playlist/default`: documentation stubs, never called, one per route
//! registered by `http::client`. Merged into the main document by [`ClientApi`].
#![allow(dead_code)]

use super::schemas::{ErrorEnvelope, SuccessEnvelope};
use utoipa::{OpenApi, ToSchema};

const AUTH_ERR: &str = "Missing or invalid credentials";

/// `{quota, currentPlaylistUUID, dislikesCount}`.
#[derive(ToSchema)]
pub struct ClientHello {
    /// Bytes left today (a JSON integer here, unlike the user shape).
    pub quota: i64,
    /// `""` when the caller has no current playlist.
    #[schema(rename = "currentPlaylistUUID")]
    pub current_playlist_uuid: String,
    #[schema(rename = "dislikesCount")]
    pub dislikes_count: i64,
}

#[derive(ToSchema)]
pub struct ClientHelloEnvelope {
    pub success: bool,
    pub data: ClientHello,
}

#[derive(ToSchema)]
pub struct ClientQuota {
    pub quota: i64,
}

#[derive(ToSchema)]
pub struct ClientQuotaEnvelope {
    pub success: bool,
    pub data: ClientQuota,
}

#[derive(ToSchema)]
pub struct Dislikes {
    /// Dream uuids.
    pub dislikes: Vec<uuid::Uuid>,
}

#[derive(ToSchema)]
pub struct DislikesEnvelope {
    pub success: bool,
    pub data: Dislikes,
}

/// `ClientDream` (§6.1): `size`/`fps` strings, timestamps epoch milliseconds.
#[derive(ToSchema)]
pub struct ClientDream {
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    /// Displayed owner's name, else the owner's.
    pub artist: Option<String>,
    /// Bytes, as a string.
    pub size: Option<String>,
    pub status: String,
    /// Frames per second, as a string.
    pub fps: Option<String>,
    pub frames: Option<i32>,
    /// Read URL.
    pub thumbnail: Option<String>,
    pub upvotes: i32,
    pub downvotes: i32,
    pub nsfw: bool,
    #[schema(rename = "frontendUrl")]
    pub frontend_url: String,
    #[schema(rename = "activityLevel")]
    pub activity_level: f64,
    pub md5: Option<String>,
    /// `processed_at`, epoch ms.
    pub video_timestamp: Option<i64>,
    /// `updated_at`, epoch ms.
    pub timestamp: i64,
}

#[derive(ToSchema)]
pub struct ClientDreams {
    pub dreams: Vec<ClientDream>,
}

#[derive(ToSchema)]
pub struct ClientDreamsEnvelope {
    pub success: bool,
    pub data: ClientDreams,
}

/// `POST /client/dream` body.
#[derive(ToSchema)]
pub struct UuidsBody {
    pub uuids: Vec<uuid::Uuid>,
}

#[derive(ToSchema)]
pub struct DreamUrl {
    /// Read URL of the processed video.
    pub url: String,
}

#[derive(ToSchema)]
pub struct DreamUrlEnvelope {
    pub success: bool,
    pub data: DreamUrl,
}

/// One entry of `contents`; keyframe keys are omitted (not null) when absent.
#[derive(ToSchema)]
pub struct ContentEntry {
    pub uuid: uuid::Uuid,
    /// Dream `updated_at`, epoch ms.
    pub timestamp: i64,
    pub start_keyframe: Option<uuid::Uuid>,
    pub end_keyframe: Option<uuid::Uuid>,
}

/// `ClientPlaylist` (§6.1).
#[derive(ToSchema)]
pub struct ClientPlaylist {
    pub id: i32,
    pub name: Option<String>,
    pub artist: Option<String>,
    pub thumbnail: Option<String>,
    pub nsfw: bool,
    pub contents: Vec<ContentEntry>,
    /// Playlist `updated_at`, epoch ms.
    pub timestamp: i64,
}

#[derive(ToSchema)]
pub struct ClientPlaylistData {
    pub playlist: ClientPlaylist,
}

#[derive(ToSchema)]
pub struct ClientPlaylistEnvelope {
    pub success: bool,
    pub data: ClientPlaylistData,
}

#[derive(ToSchema)]
pub struct DefaultEntry {
    pub uuid: uuid::Uuid,
    /// Dream `updated_at`, epoch ms.
    pub timestamp: i64,
}

#[derive(ToSchema)]
pub struct ClientDefaultData {
    /// A bare array (the desktop reads it so).
    pub playlist: Vec<DefaultEntry>,
}

#[derive(ToSchema)]
pub struct ClientDefaultEnvelope {
    pub success: bool,
    pub data: ClientDefaultData,
}

/// `GET /playlist/default` dreams: `{id, uuid, name, video, thumbnail, user (SmallUser),
/// startKeyframe, endKeyframe, frontendUrl}`.
#[derive(ToSchema)]
pub struct DefaultDreams {
    #[schema(value_type = Vec<Object>)]
    pub dreams: Vec<serde_json::Value>,
}

#[derive(ToSchema)]
pub struct DefaultDreamsEnvelope {
    pub success: bool,
    pub data: DefaultDreams,
}

#[utoipa::path(get, path = "/api/v1/client/hello", tag = "client", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = ClientHelloEnvelope), (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn client_hello() {}

#[utoipa::path(get, path = "/api/v1/client/quota", tag = "client", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = ClientQuotaEnvelope), (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn client_quota() {}

#[utoipa::path(get, path = "/api/v1/client/user/dislikes", tag = "client", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "uuids of the dreams the caller downvoted", body = DislikesEnvelope),
              (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn client_dislikes() {}

#[utoipa::path(get, path = "/api/v1/user/me/dislikes", tag = "users", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "uuids of the dreams the caller downvoted", body = DislikesEnvelope),
              (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn user_me_dislikes() {}

#[utoipa::path(get, path = "/api/v1/client/dream", tag = "client", security(("api_key" = []), ("session" = [])),
    params(("uuids" = String, Query, description = "comma-separated dream uuids; items that are not uuids are ignored")),
    responses((status = 200, description = "listable dreams in request order", body = ClientDreamsEnvelope),
              (status = 400, description = "`uuids` missing or empty", body = ErrorEnvelope), (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn client_dreams_get() {}

#[utoipa::path(post, path = "/api/v1/client/dream", tag = "client", security(("api_key" = []), ("session" = [])),
    request_body = UuidsBody,
    responses((status = 200, description = "listable dreams in request order", body = ClientDreamsEnvelope),
              (status = 400, description = "`uuids` missing, not an array, or an item not a uuid", body = ErrorEnvelope),
              (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn client_dreams_post() {}

#[utoipa::path(get, path = "/api/v1/client/dream/{uuid}/url", tag = "client", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "dream uuid")),
    responses((status = 200, description = "read URL of the processed video; its size is charged to the quota", body = DreamUrlEnvelope),
              (status = 400, description = "malformed uuid", body = ErrorEnvelope), (status = 401, description = AUTH_ERR, body = ErrorEnvelope),
              (status = 404, description = "missing, not listable, or no processed video", body = ErrorEnvelope)))]
pub fn client_dream_url() {}

#[utoipa::path(get, path = "/api/v1/client/playlist/default", tag = "client", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "the caller's default playlist", body = ClientDefaultEnvelope),
              (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn client_playlist_default() {}

#[utoipa::path(get, path = "/api/v1/client/playlist/{uuid}", tag = "client", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "playlist uuid")),
    responses((status = 200, description = "the playlist with nested playlists flattened", body = ClientPlaylistEnvelope),
              (status = 400, description = "malformed uuid", body = ErrorEnvelope), (status = 401, description = AUTH_ERR, body = ErrorEnvelope),
              (status = 404, description = "missing or not listable", body = ErrorEnvelope)))]
pub fn client_playlist() {}

#[utoipa::path(get, path = "/api/v1/playlist/default", tag = "playlists", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "the caller's default playlist as dreams", body = DefaultDreamsEnvelope),
              (status = 401, description = AUTH_ERR, body = ErrorEnvelope)))]
pub fn playlist_default() {}

/// The client routes' part of the document.
#[derive(OpenApi)]
#[openapi(
    paths(
        client_hello,
        client_quota,
        client_dislikes,
        user_me_dislikes,
        client_dreams_get,
        client_dreams_post,
        client_dream_url,
        client_playlist_default,
        client_playlist,
        playlist_default,
    ),
    components(schemas(
        ErrorEnvelope,
        SuccessEnvelope,
        ClientHelloEnvelope,
        ClientQuotaEnvelope,
        DislikesEnvelope,
        ClientDreamsEnvelope,
        UuidsBody,
        DreamUrlEnvelope,
        ClientPlaylistEnvelope,
        ClientDefaultEnvelope,
        DefaultDreamsEnvelope,
    ))
)]
pub struct ClientApi;

//! OpenAPI path items and schemas of `/api/v1/keyframe` (`rest-api.md` §11):
//! documentation stubs, never called, one per route registered by `http::keyframes`.
//! Merged into the main document by `openapi::document`.
#![allow(dead_code)]

use super::schemas::{CompletedPart, Dream, ErrorEnvelope, PublicUser, SuccessEnvelope};
use utoipa::{OpenApi, ToSchema};

const UUID_PARAM: &str = "keyframe uuid (any accepted GUID spelling)";

/// A playlist link of a keyframe (only playlists listable by the caller).
#[derive(ToSchema)]
pub struct PlaylistKeyframeLink {
    pub id: i32,
    pub order: i32,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// The Keyframe shape with its relations; related dreams are only those listable by
/// the caller, `dreams` is the de-duplicated union of the two lists.
#[derive(ToSchema)]
pub struct Keyframe {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    /// Read URL.
    pub image: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub user: PublicUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<PublicUser>,
    #[schema(rename = "playlistKeyframes")]
    pub playlist_keyframes: Vec<PlaylistKeyframeLink>,
    #[schema(rename = "dreamsStartingWith")]
    pub dreams_starting_with: Vec<Dream>,
    #[schema(rename = "dreamsEndingWith")]
    pub dreams_ending_with: Vec<Dream>,
    pub dreams: Vec<Dream>,
}

#[derive(ToSchema)]
pub struct KeyframeData {
    pub keyframe: Keyframe,
}

#[derive(ToSchema)]
pub struct KeyframeEnvelope {
    pub success: bool,
    pub data: KeyframeData,
}

#[derive(ToSchema)]
pub struct KeyframeList {
    pub keyframes: Vec<Keyframe>,
    pub count: i64,
}

#[derive(ToSchema)]
pub struct KeyframeListEnvelope {
    pub success: bool,
    pub data: KeyframeList,
}

#[derive(ToSchema)]
pub struct KeyframeImageInit {
    pub keyframe: Keyframe,
    /// Exactly one presigned part URL.
    pub urls: Vec<String>,
    #[schema(rename = "uploadId")]
    pub upload_id: String,
}

#[derive(ToSchema)]
pub struct KeyframeImageInitEnvelope {
    pub success: bool,
    pub data: KeyframeImageInit,
}

/// `{success: true, data: {}}`.
#[derive(ToSchema)]
pub struct EmptyDataEnvelope {
    pub success: bool,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// `POST /keyframe`.
#[derive(ToSchema)]
pub struct CreateKeyframeBody {
    pub name: String,
}

/// `PUT /keyframe/:uuid`; `displayedOwner` (a user id) is applied for admins only.
#[derive(ToSchema)]
pub struct UpdateKeyframeBody {
    /// At most 100 characters.
    pub name: String,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<i64>,
}

#[derive(ToSchema)]
pub struct KeyframeImageInitBody {
    /// An image extension.
    pub extension: String,
}

#[derive(ToSchema)]
pub struct KeyframeImageCompleteBody {
    pub extension: String,
    #[schema(rename = "uploadId")]
    pub upload_id: String,
    pub parts: Vec<CompletedPart>,
}

#[utoipa::path(get, path = "/api/v1/keyframe", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(
        ("take" = Option<i64>, Query, description = "page size, ≤ 500 (default 10)"),
        ("skip" = Option<i64>, Query, description = "offset (default 0)"),
        ("search" = Option<String>, Query, description = "name contains (case-insensitive)"),
        ("userUUID" = Option<String>, Query, description = "only this user's keyframes"),
    ),
    responses((status = 200, description = "keyframes, updated_at DESC", body = KeyframeListEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn keyframe_list() {}

#[utoipa::path(post, path = "/api/v1/keyframe", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    request_body = CreateKeyframeBody,
    responses((status = 201, description = "Created (also served at /api/v1/keyframe/)", body = KeyframeEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope)))]
pub fn keyframe_create() {}

#[utoipa::path(get, path = "/api/v1/keyframe/{uuid}", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = KeyframeEnvelope),
              (status = 400, description = "Malformed uuid", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn keyframe_get() {}

#[utoipa::path(put, path = "/api/v1/keyframe/{uuid}", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = UpdateKeyframeBody,
    responses((status = 200, description = "OK (re-read)", body = KeyframeEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Keyframe or displayed owner not found", body = ErrorEnvelope)))]
pub fn keyframe_update() {}

#[utoipa::path(delete, path = "/api/v1/keyframe/{uuid}", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "Soft-deleted with its playlist links; dream references cleared", body = SuccessEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn keyframe_delete() {}

#[utoipa::path(post, path = "/api/v1/keyframe/{uuid}/image/init", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = KeyframeImageInitBody,
    responses((status = 201, description = "Upload started (creator+, owner-or-admin)", body = KeyframeImageInitEnvelope),
              (status = 400, description = "Validation error (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope),
              (status = 500, description = "Storage failure", body = ErrorEnvelope)))]
pub fn keyframe_image_init() {}

#[utoipa::path(post, path = "/api/v1/keyframe/{uuid}/image/complete", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = KeyframeImageCompleteBody,
    responses((status = 201, description = "Upload completed, image set", body = EmptyDataEnvelope),
              (status = 400, description = "Validation error or parts rejected by storage", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Keyframe or upload not found", body = ErrorEnvelope),
              (status = 500, description = "Storage failure", body = ErrorEnvelope)))]
pub fn keyframe_image_complete() {}

#[utoipa::path(delete, path = "/api/v1/keyframe/{uuid}/image", tag = "keyframes", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "image cleared (object kept)", body = SuccessEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn keyframe_image_delete() {}

#[derive(OpenApi)]
#[openapi(
    paths(
        keyframe_list,
        keyframe_create,
        keyframe_get,
        keyframe_update,
        keyframe_delete,
        keyframe_image_init,
        keyframe_image_complete,
        keyframe_image_delete
    ),
    components(schemas(
        PlaylistKeyframeLink,
        Keyframe,
        KeyframeData,
        KeyframeEnvelope,
        KeyframeList,
        KeyframeListEnvelope,
        KeyframeImageInit,
        KeyframeImageInitEnvelope,
        EmptyDataEnvelope,
        CreateKeyframeBody,
        UpdateKeyframeBody,
        KeyframeImageInitBody,
        KeyframeImageCompleteBody
    ))
)]
pub struct KeyframeDoc;

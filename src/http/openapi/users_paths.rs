//! Path items of the user profile routes (`rest-api.md` §7): documentation stubs, never
//! called, one per route registered by `http::user_profile`.
#![allow(dead_code)]

use super::auth_paths::DataEnvelope;
use super::schemas::{ErrorEnvelope, ImageForm, UserEnvelope};
use utoipa::ToSchema;

/// The strict user update body: any other key is a 400 `"<key>" is not allowed`.
#[derive(ToSchema)]
pub struct UpdateUserBody {
    /// At most 50 characters; may be empty.
    pub name: Option<String>,
    /// At most 4000 characters; may be empty.
    pub description: Option<String>,
    /// Role id; applied only for admins and only when it exists (else ignored).
    pub role: Option<i32>,
    pub nsfw: Option<bool>,
    #[schema(rename = "enableMarketingEmails")]
    pub enable_marketing_emails: Option<bool>,
    /// Admins only (anyone else: 400 `"quota" is not allowed`).
    pub quota: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/user", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query), ("search" = Option<String>, Query, description = "name contains (case-insensitive)"),
           ("role" = Option<String>, Query, description = "admin-group, user-group or creator-group")),
    responses((status = 200, description = "`{users: PublicUser[], count}` (verified users, newest first)", body = DataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn user_list() {}

#[utoipa::path(get, path = "/api/v1/user/{uuid}", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")),
    responses((status = 200, description = "`{user}`: PublicUser + role, currentDream, currentPlaylist; email and signupInvite for self/admin", body = UserEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_get() {}

#[utoipa::path(put, path = "/api/v1/user/{uuid}", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")), request_body = UpdateUserBody,
    responses((status = 200, description = "`{user}`", body = UserEnvelope),
              (status = 400, description = "Validation error (unknown keys included)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_update() {}

#[utoipa::path(put, path = "/api/v1/user/{uuid}/avatar", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")),
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "`{user}`; without a file the avatar is cleared", body = UserEnvelope),
              (status = 400, description = "File type not allowed / File too large", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_avatar() {}

#[utoipa::path(get, path = "/api/v1/user/{uuid}/votes", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid"), ("take" = Option<i64>, Query), ("skip" = Option<i64>, Query),
           ("type" = Option<String>, Query, description = "none, upvote or downvote")),
    responses((status = 200, description = "`{count, dreams}`: one Dream per vote, listable for the caller", body = DataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_votes() {}

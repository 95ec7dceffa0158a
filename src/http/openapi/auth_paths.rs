//! Path items of the authentication, role and API-key routes (`rest-api.md` §4, §7):
//! documentation stubs, never called, one per route registered by `http::auth`,
//! `http::roles` and `http::apikeys`.
#![allow(dead_code)]

use super::schemas::{ErrorEnvelope, SuccessEnvelope, UserEnvelope};
use utoipa::ToSchema;

/// Login responses: `{success, message, data:{sealedSession, user}}` plus `Set-Cookie`.
#[derive(ToSchema)]
pub struct LoginEnvelope {
    pub success: bool,
    pub message: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// `{success, message}`.
#[derive(ToSchema)]
pub struct MessageEnvelope {
    pub success: bool,
    pub message: String,
}

/// Generic `{success, data}` payload.
#[derive(ToSchema)]
pub struct DataEnvelope {
    pub success: bool,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(ToSchema)]
pub struct MagicBody {
    pub email: String,
    /// The emailed one-time code; without it a code is sent.
    pub code: Option<String>,
}

#[derive(ToSchema)]
pub struct LoginBody {
    pub email: String,
    /// At least 6 characters.
    pub password: String,
}

#[derive(ToSchema)]
pub struct SignupBody {
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    /// Invite code.
    pub code: Option<String>,
}

#[derive(ToSchema)]
pub struct EmailBody {
    pub email: String,
}

#[derive(ToSchema)]
pub struct ResetPasswordBody {
    pub email: String,
    pub code: String,
    pub password: String,
}

#[derive(ToSchema)]
pub struct RoleBody {
    /// admin-group or user-group.
    pub role: String,
}

#[utoipa::path(post, path = "/api/v2/auth/magic", tag = "auth", request_body = MagicBody,
    responses((status = 200, description = "code sent, or login response", body = LoginEnvelope),
              (status = 400, description = "User not found. / Invalid verification code provided.", body = ErrorEnvelope),
              (status = 429, description = "Too many requests", body = ErrorEnvelope)))]
pub fn auth_magic() {}

#[utoipa::path(post, path = "/api/v2/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, description = "login response", body = LoginEnvelope),
              (status = 400, description = "Invalid credentials provided.", body = ErrorEnvelope)))]
pub fn auth_login() {}

#[utoipa::path(post, path = "/api/v2/auth/refresh", tag = "auth", security(("session" = [])),
    responses((status = 200, description = "login response with the rotated token", body = LoginEnvelope),
              (status = 400, description = "no_session_cookie_provided / invalid_session_cookie / invalid_grant", body = ErrorEnvelope)))]
pub fn auth_refresh() {}

#[utoipa::path(get, path = "/api/v2/auth/logout", tag = "auth",
    responses((status = 200, description = "User logged out successfully.", body = MessageEnvelope)))]
pub fn auth_logout() {}

#[utoipa::path(get, path = "/api/v2/auth/callback", tag = "auth",
    params(("code" = String, Query, description = "OIDC authorization code")),
    responses((status = 200, description = "login response", body = LoginEnvelope),
              (status = 400, description = "Authentication failed.", body = ErrorEnvelope)))]
pub fn auth_callback() {}

#[utoipa::path(post, path = "/api/v2/auth/signup", tag = "auth", request_body = SignupBody,
    responses((status = 200, description = "User created successfully.", body = MessageEnvelope),
              (status = 400, description = "User already exists. / Invalid invite code.", body = ErrorEnvelope)))]
pub fn auth_signup() {}

#[utoipa::path(post, path = "/api/v2/auth/create-password-reset", tag = "auth", request_body = EmailBody,
    responses((status = 200, description = "always", body = MessageEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope)))]
pub fn auth_create_password_reset() {}

#[utoipa::path(post, path = "/api/v2/auth/reset-password", tag = "auth", request_body = ResetPasswordBody,
    responses((status = 200, description = "User password changed successfully.", body = MessageEnvelope),
              (status = 400, description = "Invalid verification code provided.", body = ErrorEnvelope)))]
pub fn auth_reset_password() {}

#[utoipa::path(get, path = "/api/v2/auth/dream/current", tag = "auth", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{dream: Dream | null}`", body = DataEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn auth_current_dream() {}

#[utoipa::path(get, path = "/api/v2/auth/playlist/current", tag = "auth", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{playlist: Playlist | null}`", body = DataEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn auth_current_playlist() {}

#[utoipa::path(get, path = "/api/v1/user/roles", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query), ("search" = Option<String>, Query)),
    responses((status = 200, description = "`{roles, count}`", body = DataEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn user_roles() {}

#[utoipa::path(put, path = "/api/v1/user/{uuid}/role", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")), request_body = RoleBody,
    responses((status = 200, description = "`{user}`", body = UserEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_role() {}

#[utoipa::path(get, path = "/api/v1/user/{uuid}/apikey", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")),
    responses((status = 200, description = "`{apikey:{apikey (plaintext during the reveal window, else null), hint, created_at, updated_at}}`", body = DataEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_apikey_get() {}

#[utoipa::path(put, path = "/api/v1/user/{uuid}/apikey", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")),
    responses((status = 200, description = "a new key (plaintext shown once)", body = DataEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_apikey_put() {}

#[utoipa::path(delete, path = "/api/v1/user/{uuid}/apikey", tag = "users", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "user uuid")),
    responses((status = 200, description = "revoked", body = SuccessEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn user_apikey_delete() {}

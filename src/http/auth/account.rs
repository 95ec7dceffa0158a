//! Account flows: signup (with invites), password reset, and the caller's current
//! dream and playlist.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::auth::{CodePurpose, SignupRequest};
use serde_json::json;

use super::codes::{self, INVALID_CODE};
use super::input::Fields;
use crate::auth::{limits, password, Caller};
use crate::error::{ok_message, ApiError};
use crate::http::body::JsonBody;
use crate::state::AppState;

/// `POST /api/v2/auth/signup`.
pub async fn signup(state: web::Data<AppState>, req: HttpRequest, body: JsonBody) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "signup").await?;
    let mut f = Fields::new(&body.0);
    let email = f.email();
    let first = f.string("firstname", true, 0, Some(50));
    let last = f.string("lastname", true, 0, Some(50));
    let code = f.string("code", false, 0, None);
    f.finish()?;
    let email = email.unwrap_or_default();
    limits::account(&state, "signup", &email).await?;
    let created = state
        .actors
        .auth
        .signup(SignupRequest {
            email: email.clone(),
            first_name: first.unwrap_or_default(),
            last_name: last.unwrap_or_default(),
            code,
            sheep_playlist: state.settings.auth.sheep_playlist_uuid,
        })
        .await?;
    tracing::info!(target: "analytics", event = "user_signed_up", user_uuid = %created.uuid, "user_signed_up");
    codes::issue_and_send(&state, &email, CodePurpose::Login).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true, "message": "User created successfully.", "data": {}})))
}

/// `POST /api/v2/auth/create-password-reset` — always 200; emails a reset code when the
/// user exists (failures are logged, not reported: the answer must not reveal accounts).
pub async fn create_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "password-reset").await?;
    let mut f = Fields::new(&body.0);
    let email = f.email();
    f.finish()?;
    let email = email.unwrap_or_default();
    limits::account(&state, "password-reset", &email).await?;
    if state.actors.users.auth_user_by_email(email.clone()).await?.is_some() {
        if let Err(e) = codes::issue_and_send(&state, &email, CodePurpose::PasswordReset).await {
            tracing::warn!(error = %e, "password reset code not sent");
        }
    }
    Ok(ok_message("Password reset created, wait for email instructions."))
}

/// `POST /api/v2/auth/reset-password` — code + new password; revokes every session.
pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "reset-password").await?;
    let mut f = Fields::new(&body.0);
    let email = f.email();
    let code = f.string("code", true, 0, None);
    let pw = f.string("password", true, 6, None);
    f.finish()?;
    let email = email.unwrap_or_default();
    limits::account(&state, "reset-password", &email).await?;
    let invalid = || ApiError::BadRequest(INVALID_CODE.into());
    if !codes::check(&state, &email, CodePurpose::PasswordReset, &code.unwrap_or_default()).await? {
        return Err(invalid());
    }
    let user = state.actors.users.auth_user_by_email(email).await?.ok_or_else(invalid)?;
    let hash = password::hash(pw.unwrap_or_default()).await?;
    state.actors.auth.set_password(user.id, hash).await?;
    Ok(ok_message("User password changed successfully."))
}

/// The caller's current dream in the Dream shape (with `user`, `displayedOwner`,
/// `startKeyframe`, `endKeyframe`), or `None` when there is none or it was deleted.
/// Media keys are still raw here: the caller signs them with `dreams::respond`.
pub(crate) async fn current_dream_object(
    state: &AppState,
    req: &actix_web::HttpRequest,
    caller: &Caller,
) -> Result<Option<serde_json::Value>, ApiError> {
    current_dream_object_of(state, req, caller, caller.0.id).await
}

/// [`current_dream_object`] for any user's current dream, rendered for `caller` (no
/// visibility check: callers apply theirs).
pub(crate) async fn current_dream_object_of(
    state: &AppState,
    req: &actix_web::HttpRequest,
    caller: &Caller,
    user: infinidream_actors::UserId,
) -> Result<Option<serde_json::Value>, ApiError> {
    let current = state.actors.auth.current_dream(user).await?;
    let uuid = current.as_ref().and_then(|d| d.get("uuid")?.as_str()?.parse::<uuid::Uuid>().ok());
    let Some(uuid) = uuid else { return Ok(None) };
    let ctx = crate::http::dreams::render::Ctx::new(state, req, caller);
    match crate::http::dreams::read::detail_data(state, &ctx, uuid).await {
        Ok(mut data) => {
            let mut dream = data.remove("dream");
            if let Some(serde_json::Value::Object(d)) = dream.as_mut() {
                d.remove("playlistItems");
                d.remove("reports");
            }
            Ok(dream)
        }
        Err(ApiError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /api/v2/auth/dream/current` — `{dream}` or `{dream: null}` (none, or deleted).
pub async fn current_dream(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let dream = current_dream_object(&state, &req, &caller).await?;
    let mut data = serde_json::Map::new();
    data.insert("dream".into(), dream.unwrap_or(serde_json::Value::Null));
    Ok(crate::http::dreams::respond(&state, 200, data).await)
}

/// `GET /api/v2/auth/playlist/current` — `{playlist}` (Playlist with its listable
/// `items`, visible to the caller) or `{playlist: null}`; served by the playlists area.
pub async fn current_playlist(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    crate::http::playlists::current_playlist(state, caller).await
}

//! `/api/v1/user` and the "current user" auth endpoints (`rest-api.md` §4, §7).

use actix_web::web;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /api/v1/user/me`, `GET /api/v1/auth/user`, `GET /api/v2/auth/user`,
/// `GET /api/v2/auth/authenticate`: 200 `{user: FullUser}`.
///
/// `currentDream` is the Dream shape and `currentPlaylist` the Playlist shape with `user`
/// and `displayedOwner` (media as read URLs), `null` when unset, deleted or not visible.
pub async fn me(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: Caller,
) -> Result<actix_web::HttpResponse, ApiError> {
    let user = full_user_json(&state, &req, &caller).await?;
    Ok(actix_web::HttpResponse::Ok().json(serde_json::json!({"success": true, "data": {"user": user}})))
}

/// The caller's FullUser with `currentDream` and `currentPlaylist` filled in and every
/// media key signed: what `me` and the login/refresh responses carry.
pub async fn full_user_json(
    state: &AppState,
    req: &actix_web::HttpRequest,
    caller: &Caller,
) -> Result<serde_json::Value, ApiError> {
    let mut user = state.actors.users.full_user(caller.0.id).await?.ok_or(ApiError::NotFound)?;
    if user.current_dream_id.is_some() {
        if let Some(dream) = crate::http::auth::account::current_dream_object(state, req, caller).await? {
            user.current_dream = dream;
        }
    }
    if let Some(id) = user.current_playlist_id {
        let viewer = crate::http::dreams::render::viewer(caller);
        if let Some(playlist) = crate::http::playlists::render::playlist_for(state, viewer, id, false).await? {
            user.current_playlist = playlist;
        }
    }
    let mut user = serde_json::to_value(&user).map_err(ApiError::internal)?;
    crate::http::dreams::render::sign_media(&state.storage, &mut user).await;
    Ok(user)
}

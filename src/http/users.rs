//! `/api/v1/user` and the "current user" auth endpoints (`rest-api.md` §4, §7).

use actix_web::web;

use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::state::AppState;

/// `GET /api/v1/user/me`, `GET /api/v1/auth/user`, `GET /api/v2/auth/user`,
/// `GET /api/v2/auth/authenticate`: 200 `{user: FullUser}`.
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<actix_web::HttpResponse, ApiError> {
    let user = state.actors.users.full_user(caller.0.id).await?.ok_or(ApiError::NotFound)?;
    Ok(ok(serde_json::json!({ "user": user })))
}

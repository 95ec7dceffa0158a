//! `/api/v2/auth/*` (`rest-api.md` §4): the server as its own identity provider.
//!
//! | file       | endpoints |
//! |------------|-----------|
//! | `flows`    | magic (request / redeem a code), login, refresh, logout, callback |
//! | `account`  | signup, create-password-reset, reset-password, dream/playlist current |
//! | `codes`    | issuing and checking one-time codes, and emailing them |
//! | `input`    | body field checks |
//!
//! Every public flow counts against `auth::limits::ip` before reading its body and
//! `auth::limits::account` once the email is known.
//! Request bodies of these endpoints are never logged.

pub(crate) mod account;
mod codes;
mod flows;
pub mod input;

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::users::AuthUser;
use serde_json::json;

use crate::auth::cookie;
use crate::error::ApiError;
use crate::state::AppState;

pub const LOGGED_IN: &str = "User logged in successfully.";

/// Routes below `/api/v2/auth`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/magic", web::post().to(flows::magic))
        .route("/auth/login", web::post().to(flows::login))
        .route("/auth/refresh", web::post().to(flows::refresh))
        .route("/auth/logout", web::get().to(flows::logout))
        .route("/auth/callback", web::get().to(flows::callback))
        .route("/auth/signup", web::post().to(account::signup))
        .route("/auth/create-password-reset", web::post().to(account::create_password_reset))
        .route("/auth/reset-password", web::post().to(account::reset_password))
        .route("/auth/dream/current", web::get().to(account::current_dream))
        .route("/auth/playlist/current", web::get().to(account::current_playlist));
}

/// The login response: 200 `{success, message, data:{sealedSession, user}}` plus the cookie.
pub async fn login_response(
    state: &AppState,
    req: &HttpRequest,
    token: String,
    user: &AuthUser,
) -> Result<HttpResponse, ApiError> {
    let full = crate::http::users::full_user_json(state, req, &crate::auth::Caller(user.clone())).await?;
    Ok(HttpResponse::Ok().cookie(cookie::render(&state.settings.auth, &token)).json(json!({
        "success": true,
        "message": LOGGED_IN,
        "data": {"sealedSession": token, "user": full},
    })))
}

/// Creates a session for `user` (a login) and answers with the login response.
pub async fn login(state: &AppState, req: &HttpRequest, user: &AuthUser) -> Result<HttpResponse, ApiError> {
    let (client_type, _) = crate::http::client_info(req.headers());
    let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
    let token = crate::auth::session::issue(state, user, Some(client_type), ua).await?;
    login_response(state, req, token, user).await
}

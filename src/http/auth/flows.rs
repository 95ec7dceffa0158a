//! Sign-in flows: magic code, password, refresh, logout, OIDC callback.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::auth::CodePurpose;
use serde_json::json;

use super::codes::{self, INVALID_CODE};
use super::input::Fields;
use crate::auth::session::{self, SessionFailure};
use crate::auth::{cookie, limits, password, SESSION_COOKIE};
use crate::error::{error_body, ok_message, ApiError, AUTH_FAILED, NO_CREDENTIALS};
use crate::http::body::JsonBody;
use crate::state::AppState;

/// `POST /api/v2/auth/magic` — without `code`: email a sign-in code; with: redeem it.
pub async fn magic(state: web::Data<AppState>, req: HttpRequest, body: JsonBody) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "magic").await?;
    let mut f = Fields::new(&body.0);
    let email = f.email();
    let code = f.string("code", false, 0, None);
    f.finish()?;
    let email = email.unwrap_or_default();
    limits::account(&state, if code.is_some() { "magic-code" } else { "magic" }, &email).await?;
    let Some(code) = code else {
        if state.actors.users.auth_user_by_email(email.clone()).await?.is_none() {
            return Err(ApiError::BadRequest("User not found.".into()));
        }
        codes::issue_and_send(&state, &email, CodePurpose::Login).await?;
        return Ok(ok_message("Sent an authorization code to your email."));
    };
    if !codes::check(&state, &email, CodePurpose::Login, &code).await? {
        return Err(ApiError::BadRequest(INVALID_CODE.into()));
    }
    let user =
        state.actors.users.auth_user_by_email(email).await?.ok_or_else(|| ApiError::BadRequest(INVALID_CODE.into()))?;
    super::login(&state, &req, &user).await
}

/// `POST /api/v2/auth/login` — email and password (Argon2id).
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: JsonBody) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "login").await?;
    let mut f = Fields::new(&body.0);
    let email = f.email();
    let pw = f.string("password", true, 6, None);
    f.finish()?;
    let (email, pw) = (email.unwrap_or_default(), pw.unwrap_or_default());
    limits::account(&state, "login", &email).await?;
    let found = state.actors.auth.password_login(email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let verified = password::verify(pw, hash).await?;
    match user {
        Some(user) if verified => super::login(&state, &req, &user).await,
        _ => Err(ApiError::BadRequest(NO_CREDENTIALS.into())),
    }
}

fn refresh_error(message: &str, clear: bool) -> HttpResponse {
    let mut res = HttpResponse::BadRequest();
    if clear {
        res.cookie(crate::auth::clearing_cookie());
    }
    res.json(error_body(message, None))
}

/// The token of `refresh` (Bearer wins) or `logout` (cookie wins).
fn presented_token(req: &HttpRequest, bearer_first: bool) -> Option<String> {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()).filter(|t| !t.is_empty());
    if bearer_first {
        bearer.or(cookie)
    } else {
        cookie.or(bearer)
    }
}

/// `POST /api/v2/auth/refresh` — always rotates a valid or refreshable token.
pub async fn refresh(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "refresh").await?;
    let Some(token) = presented_token(&req, true) else {
        return Ok(refresh_error("no_session_cookie_provided", false));
    };
    let verified = match session::verify(&state, &token).await? {
        Ok(v) => v,
        Err(SessionFailure::Malformed) => return Ok(refresh_error("invalid_session_cookie", false)),
        Err(SessionFailure::Invalid | SessionFailure::Reused) => return Ok(refresh_error("invalid_grant", true)),
    };
    limits::account(&state, "refresh", &verified.claims.sid.to_string()).await?;
    let Some(new_token) = session::rotate(&state, &verified).await? else {
        return Ok(refresh_error("invalid_grant", true));
    };
    super::login_response(&state, &req, new_token, &verified.user).await
}

/// `GET /api/v2/auth/logout` — revokes the presented session if its signature is good;
/// always 200 and clears the cookie.
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(token) = presented_token(&req, false) {
        session::revoke_by_token(&state, &token).await?;
    }
    Ok(HttpResponse::Ok()
        .cookie(cookie::render(&state.settings.auth, ""))
        .json(json!({"success": true, "message": "User logged out successfully."})))
}

#[derive(serde::Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
}

/// `GET /api/v2/auth/callback?code=` — OIDC authorization-code flow.
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    limits::ip(&state, &req, "callback").await?;
    let Some(code) = query.code.clone().filter(|c| !c.is_empty()) else {
        return Err(ApiError::invalid("query", &["code"], "{} is required"));
    };
    let failed = || ApiError::BadRequest(AUTH_FAILED.into());
    let Some(verifier) = &state.auth.oidc else { return Err(failed()) };
    let claims = match verifier.exchange_code(&code).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(failed()),
        Err(e) => {
            tracing::info!(error = %e, "OIDC code exchange failed");
            return Err(failed());
        }
    };
    let user = crate::auth::resolve_external(&state, claims).await?.ok_or_else(failed)?;
    super::login(&state, &req, &user).await
}

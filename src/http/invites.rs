//! Invites (`rest-api.md` §13.2, admin only): list, create (exact or random code,
//! optional invitation email) and invalidate.
//!
//! The invitation email is sent in the background: the invite exists whether or not the
//! mail server answers, and a failure is logged (`storage-and-jobs.md` §6). The mailer
//! adds the `[STAGE] - ` / `[LOCAL] - ` subject prefix outside production.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::invites::{InviteRefusal, NewInvite, CODE_ALPHABET};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, Violation};
use crate::http::body::JsonBody;
use crate::http::text::text;
use crate::http::validate::{page, query_map, Check};
use crate::state::AppState;

/// Largest page of the invite list (§1.6).
const TAKE_CAP: i64 = 500;
/// Longest code, given or random: far beyond any useful length, short enough that a
/// request cannot make the server build huge strings or exceed the btree row limit of
/// the unique code index (which would otherwise surface as a 500).
const MAX_CODE_LENGTH: i64 = 64;
const CODE_MESSAGE: &str = "Code should contain A-Z and 0-9 (excluding I and O)";

pub fn scope() -> actix_web::Scope {
    web::scope("/invite")
        .route("", web::get().to(list))
        .route("", web::post().to(create))
        .route("/{id}/invalidate", web::put().to(invalidate))
}

/// `<FRONTEND_URL>/account?invite=<code>`.
fn signup_url(state: &AppState, code: &str) -> String {
    format!("{}/account?invite={code}", state.settings.frontend_url)
}

/// Adds the computed `signupUrl` to an invite object.
fn with_url(state: &AppState, mut invite: Value) -> Value {
    let code = invite.get("code").and_then(Value::as_str).unwrap_or_default().to_string();
    if let Value::Object(m) = &mut invite {
        m.insert("signupUrl".into(), Value::String(signup_url(state, &code)));
    }
    invite
}

/// `GET /api/v1/invite` — `{invites, count}`, `size DESC`.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (take, skip) = page(&query_map(&req), TAKE_CAP);
    let (invites, count) = state.actors.invites.list(take, skip).await?;
    let invites: Vec<Value> = invites.into_iter().map(|i| with_url(&state, i)).collect();
    Ok(crate::error::ok(json!({ "invites": invites, "count": count })))
}

/// `POST /api/v1/invite` — 201 `{invite}`.
pub async fn create(state: web::Data<AppState>, caller: Caller, body: JsonBody) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut c = Check::body(&body.0);
    let code = text(&mut c, "code", false, Some(MAX_CODE_LENGTH as usize), true);
    if let Some(code) = &code {
        if !code.chars().all(|ch| CODE_ALPHABET.contains(ch)) {
            c.violations.push(Violation { field: "body, code".into(), message: CODE_MESSAGE.into() });
        }
    }
    let size = c.integer("size", false, Some(1), Some(i64::from(i32::MAX)));
    let code_length = c.integer("codeLength", false, Some(1), Some(MAX_CODE_LENGTH));
    let email = text(&mut c, "email", false, None, false);
    if email.as_deref().is_some_and(|e| !crate::cli::is_plausible_email(e.trim())) {
        c.fail("email", "{} must be a valid email");
    }
    let role = c.number("roleId", true);
    c.finish()?;
    let role = role.ok_or_else(|| ApiError::internal("validated roleId missing"))?;
    // A role id that is not a small integer names no role.
    if role.value.fract() != 0.0 || role.value < 1.0 || role.value > f64::from(i32::MAX) {
        return Err(ApiError::NotFound);
    }
    let new = NewInvite {
        code: code.filter(|c| !c.is_empty()),
        code_length: code_length.unwrap_or(4) as usize,
        size: size.unwrap_or(1) as i32,
        role_id: role.value as i32,
    };
    let created = match state.actors.invites.create(new).await? {
        Ok(created) => created,
        Err(InviteRefusal::RoleNotFound) => return Err(ApiError::NotFound),
        Err(InviteRefusal::CodeTaken) => return Err(ApiError::BadRequest("Code already exists.".into())),
    };
    if let Some(email) = email.map(|e| e.trim().to_string()) {
        let link = format!("{}&email={email}", signup_url(&state, &created.code));
        send_invitation(&state, email, created.role_name == "creator-group", link);
    }
    let invite = with_url(&state, created.invite);
    Ok(HttpResponse::Created().json(json!({"success": true, "data": {"invite": invite}})))
}

/// Sends the invitation in the background; failures are logged, never reported.
fn send_invitation(state: &AppState, to: String, creator: bool, link: String) {
    let (subject, wording) = if creator {
        ("You're invited to create on infinidream", "You have been invited to join infinidream as a creator.")
    } else {
        ("You're invited to infinidream", "You have been invited to join infinidream.")
    };
    let body = format!("{wording}\n\nSign up here: {link}\n");
    let mailer = state.mailer.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = mailer.send(&to, subject, body).await {
            tracing::warn!(error = %e, "invitation email not sent");
        }
    });
}

/// `PUT /api/v1/invite/:id/invalidate` — `size = 0`; 201 `{invite}` (kept from the
/// reference); a non-numeric or unknown id → 404.
pub async fn invalidate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let id = path.trim().parse::<i32>().map_err(|_| ApiError::NotFound)?;
    let invite = state.actors.invites.invalidate(id).await?.ok_or(ApiError::NotFound)?;
    let invite = with_url(&state, invite);
    Ok(HttpResponse::Created().json(json!({"success": true, "data": {"invite": invite}})))
}

//! `/api/v1/user/:uuid/apikey` (`rest-api.md` §7): one active key per user, shown in
//! plaintext only during the reveal window after creation.
//!
//! Postgres holds only the SHA-256 and a 4-character hint. The plaintext copy lives in
//! Redis (`<REDIS_PREFIX>apikey:reveal:<user id>`, or memory without Redis) for
//! `APIKEY_REVEAL_SECS`; it is returned only while its hash still matches the active
//! key, so a key replaced through the CLI is never revealed by a stale copy.

use actix_web::{web, HttpResponse};
use infinidream_actors::domain::auth::ApiKeyInfo;
use infinidream_actors::domain::users::AuthUser;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ApiError, Violation};
use crate::state::AppState;

fn reveal_key(user: &AuthUser) -> String {
    format!("apikey:reveal:{}", user.id)
}

/// Parses the `:uuid` path parameter in the forms the reference accepted.
pub fn path_uuid(raw: &str) -> Result<uuid::Uuid, ApiError> {
    infinidream_actors::remote::guid::parse_guid(raw)
        .ok_or_else(|| ApiError::Validation(vec![Violation::new("params", &["uuid"], "{} must be a valid GUID")]))
}

/// The target user, after the owner-or-admin check.
async fn target(state: &AppState, caller: &Caller, raw: &str) -> Result<AuthUser, ApiError> {
    let uuid = path_uuid(raw)?;
    let user = state.actors.users.auth_user_by_uuid(uuid).await?.ok_or(ApiError::NotFound)?;
    caller.require_owner_or_admin(user.id.0)?;
    Ok(user)
}

fn key_json(plaintext: Option<String>, info: &ApiKeyInfo) -> Value {
    json!({
        "apikey": plaintext,
        "hint": info.hint,
        "created_at": infinidream_actors::time::iso_millis(&info.created_at),
        "updated_at": infinidream_actors::time::iso_millis(&info.updated_at),
    })
}

/// `GET` — 404 without an active key.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = target(&state, &caller, &path).await?;
    let info = state.actors.auth.active_api_key(user.id).await?.ok_or(ApiError::NotFound)?;
    let revealed = state.auth.kv.get(&reveal_key(&user)).await?.filter(|p| {
        let digest = infinidream_actors::domain::users::store::api_key_hash(p);
        crate::auth::ct_eq(digest.as_bytes(), info.hash.as_bytes())
    });
    Ok(crate::error::ok(json!({"apikey": key_json(revealed, &info)})))
}

/// `PUT` — replaces the active key and starts the reveal window.
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = target(&state, &caller, &path).await?;
    let plaintext = state.actors.users.create_api_key(user.id).await?;
    state.auth.kv.set_ex(&reveal_key(&user), &plaintext, state.settings.auth.apikey_reveal).await?;
    let info = state.actors.auth.active_api_key(user.id).await?.ok_or(ApiError::NotFound)?;
    Ok(crate::error::ok(json!({"apikey": key_json(Some(plaintext), &info)})))
}

/// `DELETE` — soft-deletes the active key (404 without one) and drops the reveal copy.
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = target(&state, &caller, &path).await?;
    if !state.actors.auth.revoke_api_key(user.id).await? {
        return Err(ApiError::NotFound);
    }
    state.auth.kv.del(&reveal_key(&user)).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

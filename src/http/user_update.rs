//! Profile writes (`rest-api.md` §7, whitelist in `data-model.md` §6): the strict user
//! update and the avatar form upload, both owner-or-admin.
//!
//! The update body is the one body in the API that rejects unknown keys (as the
//! reference did). Only admins may send `quota` (anyone else gets a 400) and only an
//! admin's `role` is applied, and only when that role id exists (otherwise ignored):
//! no route lets a user raise their own role or quota (differs from reference: a
//! non-admin could set their own `role`).

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::users::{UserDetail, UserUpdate};
use serde_json::Map;

use super::user_profile::profile_json;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::dreams::respond;
use crate::http::form::read_image;
use crate::http::text::{not_allowed, text};
use crate::http::validate::{path_uuid, Check};
use crate::state::AppState;
use crate::storage::keys;

const ALLOWED_KEYS: &[&str] = &["name", "description", "role", "nsfw", "enableMarketingEmails", "quota"];

/// The live target user after the owner-or-admin check (400 → 404 → 403).
async fn target(state: &AppState, caller: &Caller, raw: &str) -> Result<UserDetail, ApiError> {
    let uuid = path_uuid(raw)?;
    let user = state.actors.users.detail(uuid).await?.ok_or(ApiError::NotFound)?;
    caller.require_owner_or_admin(user.public.id)?;
    Ok(user)
}

/// 200 `{user}` as the update endpoints answer: PublicUser + `email`, `role`,
/// `currentDream`, `currentPlaylist`, re-read after the write.
async fn updated(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    user: &UserDetail,
) -> Result<HttpResponse, ApiError> {
    let fresh = state.actors.users.detail(user.public.uuid).await?.ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("user".into(), profile_json(state, req, caller, &fresh, false).await?);
    Ok(respond(state, 200, data).await)
}

/// `PUT /api/v1/user/:uuid` — strict body; owner-or-admin.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let admin = caller.0.role.is_admin();
    let mut c = Check::body(&body.0);
    for key in body.0.keys().filter(|k| !ALLOWED_KEYS.contains(&k.as_str())) {
        c.violations.push(not_allowed(key));
    }
    let mut u = UserUpdate {
        name: text(&mut c, "name", false, Some(50), true),
        description: text(&mut c, "description", false, Some(4000), true),
        nsfw: c.boolean("nsfw", false),
        enable_marketing_emails: c.boolean("enableMarketingEmails", false),
        ..UserUpdate::default()
    };
    let role = c.integer("role", false, Some(1), Some(i64::from(i32::MAX)));
    if c.has("quota") {
        if admin {
            u.quota = c.integer("quota", false, Some(1), None);
        } else {
            c.violations.push(not_allowed("quota"));
        }
    }
    c.finish()?;
    let user = target(&state, &caller, &path).await?;
    if admin {
        u.role_id = role.map(|r| r as i32);
    }
    if !state.actors.users.update(user.public.id, u).await? {
        return Err(ApiError::NotFound);
    }
    updated(&state, &req, &caller, &user).await
}

/// `PUT /api/v1/user/:uuid/avatar` — multipart `file` stored at `<user id>/avatar.<ext>`
/// with `Cache-Control: no-store` (the key never changes, so caches must not keep it);
/// no file clears the avatar.
pub async fn avatar(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user = target(&state, &caller, &path).await?;
    let file = read_image(&req, payload, state.settings.storage.direct_upload_max_bytes).await?;
    let key = match file {
        Some(f) => {
            let owner = keys::storage_id(user.public.cognito_id.as_deref(), user.public.uuid);
            let key = format!("{owner}/avatar.{}", keys::normalise_extension(&f.extension));
            state
                .storage
                .put(&key, f.bytes, keys::content_type(&f.extension), "no-store")
                .await
                .map_err(ApiError::internal)?;
            Some(key)
        }
        None => None,
    };
    if !state.actors.users.set_avatar(user.public.id, key).await? {
        return Err(ApiError::NotFound);
    }
    updated(&state, &req, &caller, &user).await
}

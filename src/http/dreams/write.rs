//! Owner writes (`rest-api.md` §8.2–§8.3): whitelisted update, form thumbnail, soft
//! delete with its cascade, and the three vote endpoints.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::dreams::{DreamUpdate, MediaColumn, VoteKind};
use serde_json::{json, Map, Value};

use super::read::detail_data;
use super::render::{self, Ctx, DETAIL};
use super::{load, respond, row};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::form::read_image;
use crate::http::text::text;
use crate::http::validate::{path_uuid, Check};
use crate::state::AppState;
use crate::storage::keys;

/// `PUT /api/v1/dream/:uuid`: only the whitelist of `data-model.md` §6 is written;
/// `featureRank`/`displayedOwner` are silently ignored for non-admins, `hidden` is a 400.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let admin = caller.0.role.is_admin();
    let uuid = path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let mut u = DreamUpdate {
        name: text(&mut c, "name", false, None, false),
        activity_level: c.number("activityLevel", false).map(|n| n.text),
        description: text(&mut c, "description", false, Some(4000), true),
        source_url: c.source_url("sourceUrl"),
        nsfw: c.boolean("nsfw", false),
        ccby_license: c.boolean("ccbyLicense", false),
        ..DreamUpdate::default()
    };
    let feature_rank = c.integer("featureRank", false, Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX)));
    let displayed_owner = c.number("displayedOwner", false);
    if displayed_owner.as_ref().is_some_and(|n| n.value <= 0.0) {
        c.fail("displayedOwner", "{} must be a positive number");
    }
    if admin {
        u.hidden = c.boolean("hidden", false);
    } else {
        c.forbid("hidden");
    }
    let start = c.guid("startKeyframe", false);
    let end = c.guid("endKeyframe", false);
    c.finish()?;

    let (_, bundle) = load(&state, &uuid.to_string()).await?;
    let d = row(&bundle)?;
    caller.require_owner_or_admin(d.user_id)?;
    let dreams = &state.actors.dreams;
    if let Some(k) = start {
        u.start_keyframe_id =
            Some(dreams.keyframe_id(k).await?.ok_or(ApiError::NotFoundWith("Start keyframe not found"))?);
    }
    if let Some(k) = end {
        u.end_keyframe_id = Some(dreams.keyframe_id(k).await?.ok_or(ApiError::NotFoundWith("End keyframe not found"))?);
    }
    if admin {
        u.feature_rank = feature_rank.and_then(|r| i32::try_from(r).ok());
        if let Some(owner) = displayed_owner {
            let id = i32::try_from(owner.value as i64).map_err(|_| ApiError::NotFound)?;
            if owner.value.fract() != 0.0 || !dreams.user_exists(id).await? {
                return Err(ApiError::NotFound);
            }
            u.displayed_owner_id = Some(id);
        }
    }
    dreams.update(d.id, u).await?;
    let ctx = Ctx::new(&state, &req, &caller);
    let data = detail_data(&state, &ctx, uuid).await?;
    Ok(respond(&state, 200, data).await)
}

/// `PUT /api/v1/dream/:uuid/thumbnail` (form field `file`): stores the image under the
/// owner's prefix with `Cache-Control: no-cache`; no file clears the thumbnail.
pub async fn thumbnail(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (uuid, bundle) = load(&state, &path).await?;
    let d = row(&bundle)?;
    caller.require_owner_or_admin(d.user_id)?;
    let owner = bundle.users.get(&d.user_id).ok_or(ApiError::NotFound)?;
    let file = read_image(&req, payload, state.settings.storage.direct_upload_max_bytes).await?;
    let key = match file {
        Some(f) => {
            let key =
                keys::original_video(&keys::storage_id(owner.cognito_id.as_deref(), owner.uuid), uuid, &f.extension);
            state
                .storage
                .put(&key, f.bytes, keys::content_type(&f.extension), "no-cache")
                .await
                .map_err(ApiError::internal)?;
            Some(key)
        }
        None => None,
    };
    state.actors.dreams.set_media(d.id, MediaColumn::Thumbnail, key).await?;
    let ctx = Ctx::new(&state, &req, &caller);
    let data = detail_data(&state, &ctx, uuid).await?;
    Ok(respond(&state, 200, data).await)
}

/// `DELETE /api/v1/dream/:uuid`: soft delete + cascade in one transaction.
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, bundle) = load(&state, &path).await?;
    let d = row(&bundle)?;
    caller.require_owner_or_admin(d.user_id)?;
    state.actors.dreams.soft_delete(d.id, false).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

async fn cast(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    raw: &str,
    kind: VoteKind,
) -> Result<HttpResponse, ApiError> {
    let (_, bundle) = load(state, raw).await?;
    let d = row(&bundle)?;
    let ctx = Ctx::new(state, req, caller);
    if d.hidden && !ctx.viewer.privileged(d.user_id) {
        return Err(ApiError::NotFound);
    }
    let updated = state.actors.dreams.vote(caller.0.id.0, d.id, kind).await?;
    let mut after = bundle.clone();
    after.dreams = vec![updated];
    let dream = after.dreams.first().map(|r| render::dream(r, &after, &ctx, DETAIL)).unwrap_or_default();
    let mut data = Map::new();
    data.insert("dream".into(), Value::Object(dream));
    Ok(respond(state, 200, data).await)
}

pub async fn upvote(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    cast(&state, &req, &caller, &path, VoteKind::Up).await
}

pub async fn downvote(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    cast(&state, &req, &caller, &path, VoteKind::Down).await
}

pub async fn unvote(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    cast(&state, &req, &caller, &path, VoteKind::None).await
}

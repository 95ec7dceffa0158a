//! Keyframe writes (`rest-api.md` §11): create, whitelisted update (`name`; an admin's
//! `displayedOwner`, which must name an existing user) and the cascading delete.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::keyframes::KeyframeUpdate;
use serde_json::json;

use super::read::detail_data;
use super::{load, owned};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::dreams::render::Ctx;
use crate::http::dreams::respond;
use crate::http::validate::{path_uuid, Check};
use crate::state::AppState;

/// Longest keyframe name an update accepts.
const NAME_MAX: usize = 100;

/// PostgreSQL text cannot hold NUL characters: such a name is a 400, not a failed insert.
fn refuse_nul(c: &mut Check<'_>, key: &str, value: Option<&str>) {
    if value.is_some_and(|s| s.contains('\0')) {
        c.fail(key, "{} must not contain null characters");
    }
}

/// `POST /api/v1/keyframe` (and `/keyframe/`): body `name` (required). 201 `{keyframe}`.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut c = Check::body(&body.0);
    let name = c.string("name", true, None, false);
    refuse_nul(&mut c, "name", name.as_deref());
    c.finish()?;
    let name = name.ok_or_else(|| ApiError::internal("validated name missing"))?;
    let uuid = state.actors.keyframes.create(caller.0.id.0, name).await?;
    let ctx = Ctx::new(&state, &req, &caller);
    let data = detail_data(&state, &ctx, uuid).await?;
    Ok(respond(&state, 201, data).await)
}

/// `PUT /api/v1/keyframe/:uuid`: `name` required (≤ 100); `displayedOwner` (int > 0) is
/// applied for admins only and silently ignored otherwise. 200 `{keyframe}` re-read.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let name = c.string("name", true, Some(NAME_MAX), false);
    refuse_nul(&mut c, "name", name.as_deref());
    let shown = c.number("displayedOwner", false);
    if let Some(n) = &shown {
        if n.value.fract() != 0.0 {
            c.fail("displayedOwner", "{} must be an integer");
        } else if n.value <= 0.0 {
            c.fail("displayedOwner", "{} must be a positive number");
        }
    }
    c.finish()?;
    let name = name.ok_or_else(|| ApiError::internal("validated name missing"))?;
    let row = owned(&state, &caller, &uuid.to_string()).await?;
    let mut update = KeyframeUpdate { name, displayed_owner_id: None };
    if let (true, Some(n)) = (caller.0.role.is_admin(), shown) {
        let id = i32::try_from(n.value as i64).map_err(|_| ApiError::NotFound)?;
        if !state.actors.dreams.user_exists(id).await? {
            return Err(ApiError::NotFound);
        }
        update.displayed_owner_id = Some(id);
    }
    state.actors.keyframes.update(row.id, update).await?;
    let ctx = Ctx::new(&state, &req, &caller);
    let data = detail_data(&state, &ctx, uuid).await?;
    Ok(respond(&state, 200, data).await)
}

/// `DELETE /api/v1/keyframe/:uuid`: soft delete with its cascade, one transaction.
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = load(&state, &path).await?;
    caller.require_owner_or_admin(row.user_id)?;
    state.actors.keyframes.soft_delete(row.id).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

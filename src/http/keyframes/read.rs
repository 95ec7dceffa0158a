//! Keyframe reads (`rest-api.md` §11): the list (lenient paging, `search`, `userUUID`)
//! and the detail, both with relations filtered by the caller's visibility.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::keyframes::KeyframeQuery;
use infinidream_actors::remote::guid::parse_guid;
use serde_json::{json, Map, Value};

use super::render;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::dreams::render::Ctx;
use crate::http::dreams::respond;
use crate::http::validate::{page, path_uuid, query_map};
use crate::state::AppState;

/// Largest page of the keyframe list (§1.6).
const TAKE_CAP: i64 = 500;

/// `GET /api/v1/keyframe`: `updated_at DESC`, with the total.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = query_map(&req);
    let (take, skip) = page(&q, TAKE_CAP);
    // NUL characters cannot occur in stored text (nor be sent to PostgreSQL): dropped.
    let text = |k: &str| q.get(k).and_then(Value::as_str).map(|s| s.replace('\0', "")).filter(|s| !s.is_empty());
    let search = text("search");
    // A userUUID that is not a uuid names no user: an empty page, not an error.
    let user_uuid = text("userUUID").map(|s| parse_guid(&s).unwrap_or(uuid::Uuid::nil()));
    let ctx = Ctx::new(&state, &req, &caller);
    let query = KeyframeQuery { take, skip, search, user_uuid };
    let (bundle, count) = state.actors.keyframes.list(ctx.viewer, query).await?;
    let mut data = Map::new();
    data.insert("keyframes".into(), Value::Array(render::keyframes(&bundle, &ctx)));
    data.insert("count".into(), json!(count));
    Ok(respond(&state, 200, data).await)
}

/// The detail of one keyframe as `{keyframe}` (used by get and after writes).
pub(super) async fn detail_data(
    state: &AppState,
    ctx: &Ctx<'_>,
    uuid: uuid::Uuid,
) -> Result<Map<String, Value>, ApiError> {
    let bundle = state.actors.keyframes.detail(ctx.viewer, uuid).await?.ok_or(ApiError::NotFound)?;
    let k = bundle.keyframes.first().ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("keyframe".into(), Value::Object(render::keyframe_detail(k, &bundle, ctx)));
    Ok(data)
}

/// `GET /api/v1/keyframe/:uuid`: 404 when missing.
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let ctx = Ctx::new(&state, &req, &caller);
    let data = detail_data(&state, &ctx, uuid).await?;
    Ok(respond(&state, 200, data).await)
}

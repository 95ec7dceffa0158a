//! Dream reads (`rest-api.md` §8.1): list, my dreams, detail, the caller's vote.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::dreams::ListQuery;
use infinidream_actors::remote::guid::parse_guid;
use serde_json::{json, Map, Value};

use super::render::{self, Ctx, DETAIL, LIST};
use super::{load, respond, row};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::validate::{page, path_uuid, query_map, Check};
use crate::state::AppState;

const STATUSES: &[&str] = &["none", "queue", "processing", "failed", "processed"];

/// Largest page of every dream list (§1.6).
const TAKE_CAP: i64 = 500;

/// `GET /api/v1/dream` (validated query): listable dreams of one status, newest first.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = query_map(&req);
    let mut check = Check::query(&q);
    let status = check.one_of("status", false, STATUSES).unwrap_or_else(|| "processed".into());
    check.number("take", false);
    check.number("skip", false);
    let user = check.string("userUUID", false, None, true);
    check.finish()?;
    let (take, skip) = page(&q, TAKE_CAP);
    // A userUUID that is not a uuid names no user: an empty page, not an error.
    let user_uuid = user.as_deref().filter(|s| !s.is_empty()).map(|s| parse_guid(s).unwrap_or(uuid::Uuid::nil()));
    let ctx = Ctx::new(&state, &req, &caller);
    let (bundle, count) = state.actors.dreams.list(ctx.viewer, ListQuery { status, take, skip, user_uuid }).await?;
    let mut data = Map::new();
    data.insert("dreams".into(), Value::Array(render::dreams(&bundle, &ctx, LIST)));
    data.insert("count".into(), json!(count));
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/dream/my-dreams`: the caller's dreams, every status, hidden included.
pub async fn my_dreams(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (take, skip) = page(&query_map(&req), TAKE_CAP);
    let ctx = Ctx::new(&state, &req, &caller);
    let (bundle, count) = state.actors.dreams.my_dreams(ctx.viewer.id, take, skip).await?;
    let mut data = Map::new();
    data.insert("dreams".into(), Value::Array(render::dreams(&bundle, &ctx, LIST)));
    data.insert("count".into(), json!(count));
    Ok(respond(&state, 200, data).await)
}

/// Renders the full detail of a dream (used by get and after writes).
pub(crate) async fn detail_data(
    state: &AppState,
    ctx: &Ctx<'_>,
    uuid: uuid::Uuid,
) -> Result<Map<String, Value>, ApiError> {
    let detail = state.actors.dreams.detail(ctx.viewer, uuid).await?.ok_or(ApiError::NotFound)?;
    let d = row(&detail.bundle)?;
    let mut dream = render::dream(d, &detail.bundle, ctx, DETAIL);
    dream.insert("playlistItems".into(), render::playlist_items(&detail.playlist_items, ctx));
    dream.insert("reports".into(), Value::Array(detail.reports.clone()));
    let mut data = Map::new();
    data.insert("dream".into(), Value::Object(dream));
    Ok(data)
}

/// `GET /api/v1/dream/:uuid`: missing or not visible → 404 (nsfw not checked here).
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let ctx = Ctx::new(&state, &req, &caller);
    let data = detail_data(&state, &ctx, uuid).await?;
    let hidden = data["dream"]["hidden"].as_bool().unwrap_or(false);
    let owner = data["dream"]["user"]["id"].as_i64().unwrap_or(0);
    if hidden && !(ctx.viewer.admin || i64::from(ctx.viewer.id) == owner) {
        return Err(ApiError::NotFound);
    }
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/dream/:uuid/vote`: the caller's vote row or `null`.
pub async fn vote(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, bundle) = load(&state, &path).await?;
    let d = row(&bundle)?;
    let vote = state.actors.dreams.vote_of(caller.0.id.0, d.id).await?;
    let mut data = Map::new();
    data.insert("vote".into(), vote.as_ref().map_or(Value::Null, render::vote));
    Ok(respond(&state, 200, data).await)
}

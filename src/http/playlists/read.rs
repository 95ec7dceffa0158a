//! Playlist reads (`rest-api.md` §10.1) and the caller's current playlist (§4, §7).

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::playlists::ListQuery;
use infinidream_actors::remote::guid::parse_guid;
use serde_json::{json, Map, Value};

use super::render::{self, playlist_for};
use super::{load_listable, TAKE_CAP};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::dreams::render::{viewer, Ctx};
use crate::http::dreams::respond;
use crate::http::validate::{page, query_map, Check};
use crate::state::AppState;

/// `GET /api/v1/playlist`: listable playlists, most recently updated first.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = query_map(&req);
    let (take, skip) = page(&q, TAKE_CAP);
    // NUL cannot be stored nor matched by PostgreSQL text: dropped, as in the other searches.
    let search = q.get("search").and_then(Value::as_str).map(|s| s.replace('\0', "")).filter(|s| !s.is_empty());
    // A userUUID that is not a uuid names no user: an empty page, not an error.
    let user_uuid = q
        .get("userUUID")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| parse_guid(s).unwrap_or(uuid::Uuid::nil()));
    let viewer = viewer(&caller);
    let (bundle, count) = state.actors.playlists.list(viewer, ListQuery { take, skip, search, user_uuid }).await?;
    let playlists: Vec<Value> =
        bundle.playlists.iter().map(|p| Value::Object(render::playlist(p, &bundle.users, &viewer, false))).collect();
    let mut data = Map::new();
    data.insert("playlists".into(), Value::Array(playlists));
    data.insert("count".into(), json!(count));
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/playlist/:uuid`: the playlist (no items) with its recursive totals.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&caller);
    let p = load_listable(&state, &path, &viewer).await?;
    let mut playlist = playlist_for(&state, viewer, p.id, false).await?.ok_or(ApiError::NotFound)?;
    let totals = state.actors.playlists.totals(viewer, p.id).await?;
    playlist["totalDurationSeconds"] = json!(totals.duration_seconds);
    playlist["totalDreamCount"] = json!(totals.dream_count);
    let mut data = Map::new();
    data.insert("playlist".into(), playlist);
    Ok(respond(&state, 200, data).await)
}

/// Validated `take` (1..5000, default 10) and `skip` (≥ 0, default 0).
fn validated_page(req: &HttpRequest) -> Result<(i64, i64), ApiError> {
    let q = query_map(req);
    let mut c = Check::query(&q);
    let take = c.integer("take", false, Some(1), Some(TAKE_CAP));
    let skip = c.integer("skip", false, Some(0), None);
    c.finish()?;
    Ok((take.unwrap_or(10), skip.unwrap_or(0)))
}

/// `GET /api/v1/playlist/:uuid/items`: listable items in order, with the total.
pub async fn items(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let page = validated_page(&req)?;
    let ctx = Ctx::new(&state, &req, &caller);
    let p = load_listable(&state, &path, &ctx.viewer).await?;
    let items = state.actors.playlists.items(ctx.viewer, p.id, Some(page)).await?;
    let mut data = Map::new();
    data.insert("items".into(), Value::Array(render::items(&items, &ctx)));
    data.insert("totalCount".into(), json!(items.total));
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/playlist/:uuid/keyframes`: the playlist's keyframes in order.
pub async fn keyframes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (take, skip) = validated_page(&req)?;
    let p = load_listable(&state, &path, &viewer(&caller)).await?;
    let page = state.actors.playlists.keyframes(p.id, take, skip).await?;
    let mut data = Map::new();
    data.insert("keyframes".into(), Value::Array(render::keyframes(&page)));
    data.insert("totalCount".into(), json!(page.total));
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/playlist/:uuid/references`: items of other listable playlists nesting it.
pub async fn references(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&caller);
    let p = load_listable(&state, &path, &viewer).await?;
    let refs = state.actors.playlists.references(viewer, p.id).await?;
    let references: Vec<Value> = refs
        .iter()
        .map(|r| {
            let i = &r.item;
            json!({
                "id": i.id, "type": i.kind, "order": i.order,
                "created_at": infinidream_actors::time::iso_millis(&i.created_at),
                "updated_at": infinidream_actors::time::iso_millis(&i.updated_at),
                "deleted_at": Value::Null,
                "playlist": {"id": r.parent_id, "uuid": r.parent_uuid, "name": r.parent_name},
            })
        })
        .collect();
    let mut data = Map::new();
    data.insert("references".into(), Value::Array(references));
    Ok(respond(&state, 200, data).await)
}

/// The caller's current playlist with its listable items, `None` when unset, deleted or
/// not visible to them.
async fn current(state: &AppState, caller: &Caller) -> Result<Option<Value>, ApiError> {
    let Some(id) = state.actors.playlists.current_of(caller.0.id.0).await? else { return Ok(None) };
    playlist_for(state, viewer(caller), id, true).await
}

/// `GET /api/v1/user/me/playlist`: 404 when there is no (visible) current playlist.
pub async fn me_playlist(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let playlist = current(&state, &caller).await?.ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("playlist".into(), playlist);
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v2/auth/playlist/current`: `{playlist}` or `{playlist: null}`.
pub async fn current_playlist(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let playlist = current(&state, &caller).await?;
    let mut data = Map::new();
    data.insert("playlist".into(), playlist.unwrap_or(Value::Null));
    Ok(respond(&state, 200, data).await)
}

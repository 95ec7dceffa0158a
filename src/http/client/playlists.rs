//! Playlists for the desktop (`rest-api.md` §6.2) and the web UI's default playlist
//! (§10.1). Both default-playlist routes share one computation in the client domain;
//! they differ only in shape: the desktop reads `data.playlist` as a **bare array** of
//! `{uuid, timestamp}`, the web UI reads `data.dreams`.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::dreams::DreamBundle;
use infinidream_actors::time::epoch_ms;
use serde_json::{json, Map, Value};

use super::render;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::dreams::render::{self as dream_render, viewer, Ctx, Extras};
use crate::http::dreams::respond;
use crate::http::validate::path_uuid;
use crate::state::AppState;

async fn default_bundle(state: &AppState, caller: &Caller) -> Result<DreamBundle, ApiError> {
    Ok(state.actors.client.default_playlist(viewer(caller), state.settings.designed_playlist_uuid).await?)
}

/// `GET /api/v1/client/playlist/default`: `{playlist: [{uuid, timestamp}]}`.
pub async fn default(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let bundle = default_bundle(&state, &caller).await?;
    let list: Vec<Value> =
        bundle.dreams.iter().map(|d| json!({"uuid": d.uuid, "timestamp": epoch_ms(&d.updated_at)})).collect();
    let mut data = Map::new();
    data.insert("playlist".into(), Value::Array(list));
    Ok(respond(&state, 200, data).await)
}

/// Keys of the §10.1 dream shape.
const DEFAULT_KEYS: &[&str] =
    &["id", "uuid", "name", "video", "thumbnail", "user", "startKeyframe", "endKeyframe", "frontendUrl"];

/// `GET /api/v1/playlist/default`: `{dreams: [{id, uuid, name, video, thumbnail, user
/// (SmallUser), startKeyframe, endKeyframe, frontendUrl}]}`.
pub async fn playlist_default(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let bundle = default_bundle(&state, &caller).await?;
    let ctx = Ctx::new(&state, &req, &caller);
    let extras = Extras { keyframes: true, ..Extras::default() };
    let list = bundle
        .dreams
        .iter()
        .map(|d| {
            let full = dream_render::dream(d, &bundle, &ctx, extras);
            let mut m: Map<String, Value> =
                full.into_iter().filter(|(k, _)| DEFAULT_KEYS.contains(&k.as_str())).collect();
            let small = bundle
                .users
                .get(&d.user_id)
                .map_or(Value::Null, |u| json!({"id": u.id, "uuid": u.uuid, "name": u.name, "avatar": u.avatar}));
            m.insert("user".into(), small);
            Value::Object(m)
        })
        .collect();
    let mut data = Map::new();
    data.insert("dreams".into(), Value::Array(list));
    Ok(respond(&state, 200, data).await)
}

/// `GET /api/v1/client/playlist/:uuid`: missing or not listable → 404; `contents` are
/// the processed, listable dreams, nested playlists expanded in place (depth ≤ 10).
pub async fn playlist(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let row = state.actors.client.playlist(viewer(&caller), uuid).await?.ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("playlist".into(), render::playlist(&row));
    Ok(respond(&state, 200, data).await)
}

//! Item and keyframe edits of a playlist (`rest-api.md` §10.2): reorder, add (with the
//! self/cycle guard and the 409 duplicate rule), remove with renumbering, and keyframe
//! links. Ordering and renumbering happen in the domain under the parent's row lock.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::playlists::{AddOutcome, ItemTarget};
use serde_json::{json, Map, Value};

use super::{load_owned, path_id, render};
use crate::auth::Caller;
use crate::error::{ApiError, Violation};
use crate::http::body::JsonBody;
use crate::http::dreams::render::Ctx;
use crate::http::dreams::respond;
use crate::http::validate::{coerce_number, path_uuid, Check};
use crate::state::AppState;

const TYPES: &[&str] = &["dream", "playlist"];

/// One `{id, order}` field: an integer in `i32` range, else a violation at
/// `body.order[i].<key>`.
fn order_field(entry: &Map<String, Value>, i: usize, key: &str, out: &mut Vec<Violation>) -> Option<i32> {
    let idx = i.to_string();
    let mut fail = |t: &str| out.push(Violation::new("body", &["order", &idx, key], t));
    let Some(v) = entry.get(key) else {
        fail("{} is required");
        return None;
    };
    let Some(n) = coerce_number(v) else {
        fail("{} must be a number");
        return None;
    };
    if n.value.fract() != 0.0 {
        fail("{} must be an integer");
        return None;
    }
    if n.value < f64::from(i32::MIN) {
        fail(&format!("{{}} must be greater than or equal to {}", i32::MIN));
        return None;
    }
    if n.value > f64::from(i32::MAX) {
        fail(&format!("{{}} must be less than or equal to {}", i32::MAX));
        return None;
    }
    Some(n.value as i32)
}

/// Parses `order: [{id, order}]`; a repeated id keeps its last order.
fn parse_order(body: &Map<String, Value>) -> Result<Vec<(i32, i32)>, ApiError> {
    let mut violations = Vec::new();
    let entries = match body.get("order") {
        None => return Err(ApiError::invalid("body", &["order"], "{} is required")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::invalid("body", &["order"], "{} must be an array")),
    };
    let mut pairs = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let Value::Object(m) = e else {
            violations.push(Violation::new("body", &["order", &i.to_string()], "{} must be of type object"));
            continue;
        };
        let id = order_field(m, i, "id", &mut violations);
        let order = order_field(m, i, "order", &mut violations);
        if let (Some(id), Some(order)) = (id, order) {
            pairs.push((id, order));
        }
    }
    if !violations.is_empty() {
        return Err(ApiError::Validation(violations));
    }
    let last: HashMap<i32, i32> = pairs.iter().copied().collect();
    let mut seen = std::collections::HashSet::new();
    Ok(pairs.into_iter().filter(|(id, _)| seen.insert(*id)).map(|(id, _)| (id, last[&id])).collect())
}

/// `PUT /api/v1/playlist/:uuid/order`: entries naming items of this playlist get their
/// new order; others are ignored.
pub async fn order(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let pairs = parse_order(&body.0)?;
    let p = load_owned(&state, &path, &caller).await?;
    state.actors.playlists.reorder(p.id, pairs).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

/// `PUT /api/v1/playlist/:uuid/add-item`: 201 `{playlistItem}`.
pub async fn add_item(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let kind = c.one_of("type", true, TYPES);
    let uuid = c.guid("uuid", true);
    c.finish()?;
    let (Some(kind), Some(uuid)) = (kind, uuid) else { return Err(ApiError::NotFound) };
    let parent = load_owned(&state, &path, &caller).await?;
    let ctx = Ctx::new(&state, &req, &caller);
    let playlists = &state.actors.playlists;
    let is_playlist = kind == "playlist";
    let (id, owner, hidden) = playlists.target(is_playlist, uuid).await?.ok_or(ApiError::NotFound)?;
    if hidden && !ctx.viewer.privileged(owner) {
        return Err(ApiError::NotFound);
    }
    let target = if is_playlist { ItemTarget::Playlist(id) } else { ItemTarget::Dream(id) };
    if target == ItemTarget::Playlist(parent.id) {
        return Err(ApiError::Forbidden);
    }
    let page = match playlists.add_item(ctx.viewer, parent.id, target).await? {
        AddOutcome::Added(page) => page,
        AddOutcome::Cycle => return Err(ApiError::Forbidden),
    };
    tracing::info!(target: "analytics", event = "playlist_add_item", user_uuid = %caller.0.uuid, "playlist_add_item");
    let item = render::items(&page, &ctx).into_iter().next().ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("playlistItem".into(), item);
    Ok(respond(&state, 201, data).await)
}

/// `DELETE /api/v1/playlist/:uuid/remove-item/:itemId`.
pub async fn remove_item(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw, item) = path.into_inner();
    path_uuid(&raw)?;
    let item = path_id(&item, "itemId")?;
    let p = load_owned(&state, &raw, &caller).await?;
    state.actors.playlists.remove_item(p.id, item).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

/// `POST /api/v1/playlist/:uuid/keyframe`: 201 `{playlistKeyframe}`.
pub async fn add_keyframe(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let uuid = c.guid("uuid", true);
    c.finish()?;
    let Some(uuid) = uuid else { return Err(ApiError::NotFound) };
    let p = load_owned(&state, &path, &caller).await?;
    let playlists = &state.actors.playlists;
    let keyframe = playlists.keyframe_id(uuid).await?.ok_or(ApiError::NotFound)?;
    let page = playlists.add_keyframe(p.id, keyframe).await?;
    let link = render::keyframes(&page).into_iter().next().ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("playlistKeyframe".into(), link);
    Ok(respond(&state, 201, data).await)
}

/// `DELETE /api/v1/playlist/:uuid/keyframe/:playlistKeyframeId`.
pub async fn remove_keyframe(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (raw, link) = path.into_inner();
    path_uuid(&raw)?;
    let link = path_id(&link, "playlistKeyframeId")?;
    let p = load_owned(&state, &raw, &caller).await?;
    state.actors.playlists.remove_keyframe(p.id, link).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn order_entries_are_validated_with_nested_paths() {
        let err = parse_order(&body(json!({"order": [{"id": 1}, {"id": "x", "order": 1.5}, 3]})));
        let Err(ApiError::Validation(v)) = err else { panic!("expected validation error") };
        let fields: Vec<&str> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["body, order, 0, order", "body, order, 1, id", "body, order, 1, order", "body, order, 2"]);
        assert_eq!(v[0].message, "\"body.order[0].order\" is required");
        assert!(matches!(parse_order(&body(json!({}))), Err(ApiError::Validation(_))));
        assert!(matches!(parse_order(&body(json!({"order": {}}))), Err(ApiError::Validation(_))));
    }

    #[test]
    fn a_repeated_id_keeps_its_last_order() {
        let pairs = parse_order(&body(
            json!({"order": [{"id": 1, "order": 5}, {"id": "2", "order": 0}, {"id": 1, "order": 3}]}),
        ));
        assert_eq!(pairs.ok(), Some(vec![(1, 3), (2, 0)]));
    }
}

//! `/api/v1/playlist` (`rest-api.md` §10, except `GET /playlist/default`, which the
//! default-playlist area registers itself) and the caller's current playlist
//! (`GET /api/v1/user/me/playlist`, `GET /api/v2/auth/playlist/current`).
//!
//! | file     | endpoints |
//! |----------|-----------|
//! | `read`   | list, get (with totals), items, keyframes, references, current playlist |
//! | `write`  | create, update, thumbnail, delete |
//! | `items`  | order, add-item, remove-item, keyframe add/remove |
//! | `render` | the Playlist / PlaylistItem / PlaylistKeyframe shapes, [`render::playlist_for`] |
//!
//! [`scope`] claims every `/playlist/...` path, so a route registered elsewhere under
//! `/api/v1/playlist/` (the default playlist) must be added before this scope.
//!
//! Handlers validate input, load the parent playlist and apply its rule (reads:
//! `listable`; writes: `visible`, then owner-or-admin), call the playlists domain
//! actor, and answer through `dreams::respond`, which signs every media key.

mod items;
mod read;
pub mod render;
mod write;

use actix_web::{web, Route};
use infinidream_actors::domain::dreams::Viewer;
use infinidream_actors::domain::playlists::PlaylistRow;

use crate::auth::Caller;
use crate::error::{ApiError, Violation};
use crate::http::not_found;
use crate::http::validate::{coerce_number, path_uuid};
use crate::state::AppState;

pub use read::{current_playlist, me_playlist};

/// Largest page of the playlist list and of items/keyframes (`rest-api.md` §1.6).
const TAKE_CAP: i64 = 5000;

/// A live playlist by raw path uuid: 400 for a malformed uuid, 404 when missing.
async fn load(state: &AppState, raw: &str) -> Result<PlaylistRow, ApiError> {
    let uuid = path_uuid(raw)?;
    state.actors.playlists.by_uuid(uuid).await?.ok_or(ApiError::NotFound)
}

/// Read rule: missing, not `visible` or not `nsfw_ok` → 404.
async fn load_listable(state: &AppState, raw: &str, viewer: &Viewer) -> Result<PlaylistRow, ApiError> {
    let p = load(state, raw).await?;
    let privileged = viewer.privileged(p.user_id);
    if (p.hidden || (p.nsfw && !viewer.nsfw)) && !privileged {
        return Err(ApiError::NotFound);
    }
    Ok(p)
}

/// Write rule: missing or not `visible` → 404; visible but neither owner nor admin → 403.
async fn load_owned(state: &AppState, raw: &str, caller: &Caller) -> Result<PlaylistRow, ApiError> {
    let p = load(state, raw).await?;
    let viewer = crate::http::dreams::render::viewer(caller);
    if p.hidden && !viewer.privileged(p.user_id) {
        return Err(ApiError::NotFound);
    }
    caller.require_owner_or_admin(p.user_id)?;
    Ok(p)
}

/// A positive integer path parameter (`params.itemId`, `params.playlistKeyframeId`).
fn path_id(raw: &str, key: &str) -> Result<i32, ApiError> {
    let fail = |t: &str| ApiError::Validation(vec![Violation::new("params", &[key], t)]);
    let n = coerce_number(&serde_json::Value::String(raw.to_string())).ok_or_else(|| fail("{} must be a number"))?;
    if n.value.fract() != 0.0 {
        return Err(fail("{} must be an integer"));
    }
    if n.value <= 0.0 {
        return Err(fail("{} must be a positive number"));
    }
    // Larger than any id: names no row.
    i32::try_from(n.value as i64).map_err(|_| ApiError::NotFound)
}

/// A resource whose other methods answer the JSON 404 (§1.1), not 405.
fn resource(path: &str, routes: Vec<Route>) -> actix_web::Resource {
    routes.into_iter().fold(web::resource(path), |r, route| r.route(route)).default_service(web::to(not_found))
}

pub fn scope() -> actix_web::Scope {
    web::scope("/playlist")
        .service(resource("", vec![web::get().to(read::list), web::post().to(write::create)]))
        // One scope for every `/{uuid}…` route, as in `dreams::scope`.
        .service(
            web::scope("/{uuid}")
                .service(resource(
                    "",
                    vec![web::get().to(read::get), web::put().to(write::update), web::delete().to(write::delete)],
                ))
                .service(resource("/items", vec![web::get().to(read::items)]))
                .service(resource("/keyframes", vec![web::get().to(read::keyframes)]))
                .service(resource("/references", vec![web::get().to(read::references)]))
                .service(resource("/thumbnail", vec![web::put().to(write::thumbnail)]))
                .service(resource("/order", vec![web::put().to(items::order)]))
                .service(resource("/add-item", vec![web::put().to(items::add_item)]))
                .service(resource("/remove-item/{item_id}", vec![web::delete().to(items::remove_item)]))
                .service(resource("/keyframe", vec![web::post().to(items::add_keyframe)]))
                .service(resource("/keyframe/{link_id}", vec![web::delete().to(items::remove_keyframe)])),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_must_be_positive_integers() {
        assert_eq!(path_id("12", "itemId").ok(), Some(12));
        for bad in ["x", "0", "-3", "1.5", ""] {
            assert!(matches!(path_id(bad, "itemId"), Err(ApiError::Validation(_))), "{bad}");
        }
        assert!(matches!(path_id("99999999999", "itemId"), Err(ApiError::NotFound)));
    }
}

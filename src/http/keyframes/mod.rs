//! `/api/v1/keyframe` (`rest-api.md` §11): list and detail with relations, create,
//! whitelisted update, the one-part image upload, image removal and the cascading
//! delete. Reads are any-role; writes are owner-or-admin, the image upload creator+ too.
//! `POST /keyframe/` (the SDK's trailing slash) reaches the same route because
//! the edge middleware (`edge.rs`) trims it before routing.

mod image;
mod read;
pub mod render;
mod write;

use actix_web::web;
use infinidream_actors::domain::keyframes::KeyframeRow;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::dreams::resource;
use crate::http::validate::path_uuid;
use crate::state::AppState;

/// A live keyframe by raw path uuid: 400 for a malformed uuid, 404 when missing.
async fn load(state: &AppState, raw: &str) -> Result<KeyframeRow, ApiError> {
    let uuid = path_uuid(raw)?;
    state.actors.keyframes.row(uuid).await?.ok_or(ApiError::NotFound)
}

/// Loads a keyframe the caller may write: 404 when missing, then owner-or-admin.
async fn owned(state: &AppState, caller: &Caller, raw: &str) -> Result<KeyframeRow, ApiError> {
    let row = load(state, raw).await?;
    caller.require_owner_or_admin(row.user_id)?;
    Ok(row)
}

pub fn scope() -> actix_web::Scope {
    web::scope("/keyframe")
        .service(resource("", vec![web::get().to(read::list), web::post().to(write::create)]))
        .service(resource(
            "/{uuid}",
            vec![web::get().to(read::get), web::put().to(write::update), web::delete().to(write::delete)],
        ))
        .service(resource("/{uuid}/image/init", vec![web::post().to(image::init)]))
        .service(resource("/{uuid}/image/complete", vec![web::post().to(image::complete)]))
        .service(resource("/{uuid}/image", vec![web::delete().to(image::delete)]))
}

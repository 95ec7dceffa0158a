//! Playlist writes (`rest-api.md` §10.2): create with its feed item, whitelisted update,
//! form thumbnail, and the cascading soft delete.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::playlists::{NewPlaylist, PlaylistUpdate};
use serde_json::{json, Map};

use super::load_owned;
use super::render::playlist_for;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::dreams::render::viewer;
use crate::http::dreams::respond;
use crate::http::form::read_image;
use crate::http::text::text;
use crate::http::validate::{path_uuid, Check};
use crate::state::AppState;
use crate::storage::keys;

/// `{playlist}` re-read for the caller (with items when asked), under `status`.
async fn answer(
    state: &AppState,
    caller: &Caller,
    id: i32,
    status: u16,
    items: bool,
) -> Result<HttpResponse, ApiError> {
    let playlist = playlist_for(state, viewer(caller), id, items).await?.ok_or(ApiError::NotFound)?;
    let mut data = Map::new();
    data.insert("playlist".into(), playlist);
    Ok(respond(state, status, data).await)
}

/// `POST /api/v1/playlist`: 201 `{playlist}`; `hidden` is admin-only (400 otherwise).
pub async fn create(state: web::Data<AppState>, caller: Caller, body: JsonBody) -> Result<HttpResponse, ApiError> {
    let admin = caller.0.role.is_admin();
    let mut c = Check::body(&body.0);
    let name = text(&mut c, "name", true, None, false);
    let description = text(&mut c, "description", false, Some(500), true);
    let nsfw = c.boolean("nsfw", false);
    let hidden = if admin {
        c.boolean("hidden", false)
    } else {
        c.forbid("hidden");
        None
    };
    c.finish()?;
    let new = NewPlaylist {
        name: name.unwrap_or_default(),
        description: description.unwrap_or_default(),
        nsfw: nsfw.unwrap_or(false),
        hidden: hidden.unwrap_or(false),
    };
    let id = state.actors.playlists.create(caller.0.id.0, new).await?;
    tracing::info!(target: "analytics", event = "playlist_created", user_uuid = %caller.0.uuid, "playlist_created");
    answer(&state, &caller, id, 201, false).await
}

/// `PUT /api/v1/playlist/:uuid`: only the whitelist of `data-model.md` §6 is written;
/// `featureRank`/`displayedOwner` are silently ignored for non-admins, `hidden` is a 400.
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let admin = caller.0.role.is_admin();
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let mut u = PlaylistUpdate {
        name: text(&mut c, "name", true, Some(100), false),
        description: text(&mut c, "description", false, Some(500), true),
        nsfw: c.boolean("nsfw", false),
        ..PlaylistUpdate::default()
    };
    let feature_rank = c.integer("featureRank", false, Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX)));
    let displayed_owner = c.integer("displayedOwner", false, None, None);
    if displayed_owner.is_some_and(|n| n <= 0) {
        c.fail("displayedOwner", "{} must be a positive number");
    }
    if admin {
        u.hidden = c.boolean("hidden", false);
    } else {
        c.forbid("hidden");
    }
    c.finish()?;

    let p = load_owned(&state, &path, &caller).await?;
    let playlists = &state.actors.playlists;
    if admin {
        u.feature_rank = feature_rank.and_then(|r| i32::try_from(r).ok());
        if let Some(owner) = displayed_owner {
            let id = i32::try_from(owner).map_err(|_| ApiError::NotFound)?;
            if !playlists.user_exists(id).await? {
                return Err(ApiError::NotFound);
            }
            u.displayed_owner_id = Some(id);
        }
    }
    playlists.update(p.id, u).await?;
    answer(&state, &caller, p.id, 200, true).await
}

/// `PUT /api/v1/playlist/:uuid/thumbnail` (form field `file`): stores the image at
/// `<owner id>/pl-<playlist id>/thumbnail.<ext>` with `Cache-Control: no-cache`; no file
/// clears the thumbnail.
pub async fn thumbnail(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let p = load_owned(&state, &path, &caller).await?;
    let bundle = state.actors.playlists.bundle_by_id(viewer(&caller), p.id).await?.ok_or(ApiError::NotFound)?;
    let owner = bundle.users.get(&p.user_id).ok_or(ApiError::NotFound)?;
    let file = read_image(&req, payload, state.settings.storage.direct_upload_max_bytes).await?;
    let key = match file {
        Some(f) => {
            let owner_id = keys::storage_id(owner.cognito_id.as_deref(), owner.uuid);
            let key = format!("{owner_id}/pl-{}/thumbnail.{}", p.id, f.extension);
            state
                .storage
                .put(&key, f.bytes, keys::content_type(&f.extension), "no-cache")
                .await
                .map_err(ApiError::internal)?;
            Some(key)
        }
        None => None,
    };
    state.actors.playlists.set_thumbnail(p.id, key).await?;
    answer(&state, &caller, p.id, 200, true).await
}

/// `DELETE /api/v1/playlist/:uuid`: soft delete + cascade in one transaction.
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = load_owned(&state, &path, &caller).await?;
    state.actors.playlists.soft_delete(p.id).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

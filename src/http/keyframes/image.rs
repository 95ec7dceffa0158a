//! The keyframe image (`rest-api.md` §11, `storage-and-jobs.md` §3.1): a presigned
//! multipart upload of exactly one part at `<owner id>/keyframes/<uuid>/<uuid>.<ext>`,
//! completed by the client's ETag, then recorded. Storage goes first: the column is set
//! only after storage completed the object. Removing the image clears the column and
//! keeps the object.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use uuid::Uuid;

use super::owned;
use super::read::detail_data;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::dreams::render::{viewer, Ctx};
use crate::http::dreams::respond;
use crate::http::dreams::upload_input::{parse_parts, storage_error};
use crate::http::validate::{path_uuid, Check};
use crate::state::AppState;
use crate::storage::keys;

/// `<owner>/keyframes/<keyframe>/<keyframe>.<ext>`.
pub fn image_key(owner: &str, keyframe: Uuid, ext: &str) -> String {
    format!("{owner}/keyframes/{keyframe}/{keyframe}.{}", keys::normalise_extension(ext))
}

/// `extension`, required, an image extension (lower-cased).
fn image_extension(c: &mut Check<'_>) -> Option<String> {
    let ext = c.string("extension", true, None, false)?;
    if keys::is_image_extension(&ext) {
        Some(keys::normalise_extension(&ext))
    } else {
        c.fail("extension", &format!("{{}} must be one of [{}]", keys::IMAGE_EXTENSIONS.join(", ")));
        None
    }
}

/// creator+, then 404, then owner-or-admin; returns the keyframe's uuid, id and the
/// owner's storage identifier (keys always use the owner's, whoever uploads).
async fn target(state: &AppState, caller: &Caller, raw: &str) -> Result<(Uuid, i32, String), ApiError> {
    caller.require_creator()?;
    let row = owned(state, caller, raw).await?;
    let bundle = state.actors.keyframes.detail(viewer(caller), row.uuid).await?.ok_or(ApiError::NotFound)?;
    let owner = bundle.users.get(&row.user_id).ok_or(ApiError::NotFound)?;
    Ok((row.uuid, row.id, keys::storage_id(owner.cognito_id.as_deref(), owner.uuid)))
}

/// `POST /api/v1/keyframe/:uuid/image/init`: 201 `{keyframe, urls: [url], uploadId}`.
pub async fn init(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let extension = image_extension(&mut c);
    c.finish()?;
    let extension = extension.ok_or_else(|| ApiError::internal("validated extension missing"))?;
    let (uuid, _, owner) = target(&state, &caller, &path).await?;
    let key = image_key(&owner, uuid, &extension);
    let storage = &state.storage;
    let upload_id = storage.create_multipart(&key, keys::content_type(&extension)).await.map_err(storage_error)?;
    let urls = storage.part_urls(&key, &upload_id, 1).await.map_err(storage_error)?;
    let ctx = Ctx::new(&state, &req, &caller);
    let mut data = detail_data(&state, &ctx, uuid).await?;
    data.insert("urls".into(), json!(urls));
    data.insert("uploadId".into(), json!(upload_id));
    Ok(respond(&state, 201, data).await)
}

/// `POST /api/v1/keyframe/:uuid/image/complete`: 201 `{success:true, data:{}}`.
pub async fn complete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let extension = image_extension(&mut c);
    let upload_id = c.string("uploadId", true, None, false);
    let parts = parse_parts(&mut c, &body.0);
    c.finish()?;
    let (Some(extension), Some(upload_id), Some(parts)) = (extension, upload_id, parts) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let (uuid, id, owner) = target(&state, &caller, &path).await?;
    let key = image_key(&owner, uuid, &extension);
    state.storage.complete(&key, &upload_id, &parts).await.map_err(storage_error)?;
    state.actors.keyframes.set_image(id, Some(key)).await?;
    Ok(HttpResponse::Created().json(json!({"success": true, "data": {}})))
}

/// `DELETE /api/v1/keyframe/:uuid/image`: `image = NULL` (object kept).
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = owned(&state, &caller, &path).await?;
    state.actors.keyframes.set_image(row.id, None).await?;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

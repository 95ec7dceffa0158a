//! Presigned multipart uploads (`rest-api.md` §9, `storage-and-jobs.md` §3.1).
//!
//! Storage always goes first: a new dream row is inserted only after storage accepted
//! the upload (its uuid is chosen here), and completion updates the database only after
//! storage completed the object, so a storage failure leaves no row behind. Unknown
//! upload ids answer 404 and parts storage rejects answer 400; other storage failures
//! are 500 with the cause logged.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::dreams::{DreamBundle, MediaColumn, NewDream};
use infinidream_actors::UserId;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::render::{self, Ctx, DETAIL};
use super::{load, respond, row};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::text::text;
use crate::http::validate::{path_uuid, Check};
use crate::processing::key_extension;
use crate::state::AppState;
use crate::storage::keys;

use super::upload_input::{parse_parts, storage_error, truncate, video_extension, Target, MAX_PARTS};

/// The owner's storage id for a loaded dream.
fn owner_sid(bundle: &DreamBundle) -> Result<String, ApiError> {
    let d = row(bundle)?;
    let owner = bundle.users.get(&d.user_id).ok_or(ApiError::NotFound)?;
    Ok(keys::storage_id(owner.cognito_id.as_deref(), owner.uuid))
}

/// Loads the dream of a `:uuid` upload route: creator+, then 404, then owner-or-admin.
async fn owned(state: &AppState, caller: &Caller, raw: &str) -> Result<(Uuid, DreamBundle), ApiError> {
    caller.require_creator()?;
    let (uuid, bundle) = load(state, raw).await?;
    caller.require_owner_or_admin(row(&bundle)?.user_id)?;
    Ok((uuid, bundle))
}

async fn dream_data(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    uuid: Uuid,
) -> Result<Map<String, Value>, ApiError> {
    let bundle = state.actors.dreams.by_uuid(uuid).await?.ok_or(ApiError::NotFound)?;
    let ctx = Ctx::new(state, req, caller);
    let dream = render::dream(row(&bundle)?, &bundle, &ctx, DETAIL);
    let mut data = Map::new();
    data.insert("dream".into(), Value::Object(dream));
    Ok(data)
}

/// `POST /api/v1/dream/create-multipart-upload`: a new dream (or, with `uuid`, a
/// replacement video of an existing one) and presigned part URLs.
pub async fn create_new(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    caller.require_creator()?;
    let mut c = Check::body(&body.0);
    let existing = c.guid("uuid", false);
    let name = text(&mut c, "name", false, None, true).map(truncate);
    let extension = video_extension(&mut c);
    let parts = c.integer("parts", true, Some(1), Some(MAX_PARTS));
    let description = text(&mut c, "description", false, Some(4000), true);
    let source_url = c.source_url("sourceUrl");
    let nsfw = c.boolean("nsfw", false);
    let ccby = c.boolean("ccbyLicense", false);
    let hidden = if caller.0.role.is_admin() {
        c.boolean("hidden", false)
    } else {
        c.forbid("hidden");
        None
    };
    c.finish()?;
    let (Some(extension), Some(parts)) = (extension, parts) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let parts = i32::try_from(parts).map_err(ApiError::internal)?;

    let (uuid, owner) = match existing {
        Some(u) => {
            let bundle = state.actors.dreams.by_uuid(u).await?.ok_or(ApiError::NotFound)?;
            caller.require_owner_or_admin(row(&bundle)?.user_id)?;
            (u, owner_sid(&bundle)?)
        }
        None => {
            // Keys use the owner's storage id: the cognito id of a legacy account.
            let me = state.actors.users.full_user(caller.0.id).await?.ok_or(ApiError::NotFound)?;
            (Uuid::new_v4(), keys::storage_id(me.public.cognito_id.as_deref(), me.public.uuid))
        }
    };
    let key = keys::original_video(&owner, uuid, &extension);
    let storage = &state.storage;
    let upload_id = storage.create_multipart(&key, keys::content_type(&extension)).await.map_err(storage_error)?;
    let urls = storage.part_urls(&key, &upload_id, parts).await.map_err(storage_error)?;
    if existing.is_none() {
        let new = NewDream {
            uuid,
            name,
            description,
            source_url,
            nsfw: nsfw.unwrap_or(false),
            ccby_license: ccby.unwrap_or(false),
            hidden: hidden.unwrap_or(false),
        };
        if let Err(e) = state.actors.dreams.create(caller.0.id.0, new).await {
            if let Err(abort) = storage.abort(&key, &upload_id).await {
                tracing::warn!(error = %abort, "could not abort the upload of a dream that was not created");
            }
            return Err(e.into());
        }
    }
    let mut data = dream_data(&state, &req, &caller, uuid).await?;
    data.insert("urls".into(), json!(urls));
    data.insert("uploadId".into(), json!(upload_id));
    Ok(respond(&state, 201, data).await)
}

/// `POST /api/v1/dream/:uuid/create-multipart-upload`: video, thumbnail or filmstrip.
pub async fn create_existing(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let target = Target::parse(&mut c, true);
    let parts = c.integer("parts", true, Some(1), Some(MAX_PARTS));
    c.finish()?;
    let (Some(target), Some(parts)) = (target, parts) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let (uuid, bundle) = owned(&state, &caller, &path).await?;
    let key = target.key(&owner_sid(&bundle)?, uuid);
    let storage = &state.storage;
    let upload_id =
        storage.create_multipart(&key, keys::content_type(&target.extension)).await.map_err(storage_error)?;
    let urls = storage
        .part_urls(&key, &upload_id, i32::try_from(parts).map_err(ApiError::internal)?)
        .await
        .map_err(storage_error)?;
    let mut data = dream_data(&state, &req, &caller, uuid).await?;
    data.insert("urls".into(), json!(urls));
    data.insert("uploadId".into(), json!(upload_id));
    Ok(respond(&state, 201, data).await)
}

/// `POST /api/v1/dream/:uuid/refresh-multipart-upload-url`: one new part URL.
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let upload_id = c.string("uploadId", true, None, false);
    let target = Target::parse(&mut c, true);
    let part = c.integer("part", true, Some(1), Some(MAX_PARTS));
    c.finish()?;
    let (Some(upload_id), Some(target), Some(part)) = (upload_id, target, part) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let (uuid, bundle) = owned(&state, &caller, &path).await?;
    let key = target.key(&owner_sid(&bundle)?, uuid);
    let url = state
        .storage
        .part_url(&key, &upload_id, i32::try_from(part).map_err(ApiError::internal)?)
        .await
        .map_err(storage_error)?;
    let mut data = dream_data(&state, &req, &caller, uuid).await?;
    data.insert("url".into(), json!(url));
    data.insert("uploadId".into(), json!(upload_id));
    Ok(respond(&state, 201, data).await)
}

/// `POST /api/v1/dream/:uuid/complete-multipart-upload`: storage completes first, then
/// the database records the key; an original video then goes to processing.
pub async fn complete(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let upload_id = c.string("uploadId", true, None, false);
    let target = Target::parse(&mut c, true);
    let parts = parse_parts(&mut c, &body.0);
    let name = if target.as_ref().is_some_and(|t| t.kind == "dream") {
        text(&mut c, "name", false, None, true).map(truncate)
    } else {
        c.forbid("name");
        None
    };
    c.finish()?;
    let (Some(upload_id), Some(target), Some(parts)) = (upload_id, target, parts) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let (uuid, bundle) = owned(&state, &caller, &path).await?;
    let d = row(&bundle)?;
    let key = target.key(&owner_sid(&bundle)?, uuid);
    state.storage.complete(&key, &upload_id, &parts).await.map_err(storage_error)?;
    let dreams = &state.actors.dreams;
    match target.kind.as_str() {
        "thumbnail" => dreams.set_media(d.id, MediaColumn::Thumbnail, Some(key)).await?,
        "filmstrip" => {}
        _ if target.processed => dreams.set_media(d.id, MediaColumn::Video, Some(key)).await?,
        _ => {
            dreams.set_original(d.id, key.clone(), name).await?;
            let (client_type, client_version) = crate::http::client_info(req.headers());
            tracing::info!(target: "analytics", event = "user_uploaded_dream", user_uuid = %caller.0.uuid,
                dream_uuid = %uuid, client_type = %client_type, client_version = %client_version);
            state.processing.spawn_request(uuid, key_extension(&key));
            super::processing::emit_status(&state, UserId(d.user_id), uuid, "queue").await;
        }
    }
    let data = dream_data(&state, &req, &caller, uuid).await?;
    Ok(respond(&state, 201, data).await)
}

/// `POST /api/v1/dream/:uuid/abort-multipart-upload`: aborts the storage upload; unless
/// the dream already has a processed video, marks it failed and soft-deletes it.
pub async fn abort(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let extension = video_extension(&mut c);
    let upload_id = c.string("uploadId", true, None, false);
    c.finish()?;
    let (Some(extension), Some(upload_id)) = (extension, upload_id) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let (uuid, bundle) = owned(&state, &caller, &path).await?;
    let d = row(&bundle)?;
    let key = keys::original_video(&owner_sid(&bundle)?, uuid, &extension);
    state.storage.abort(&key, &upload_id).await.map_err(ApiError::internal)?;
    if d.video.is_none() {
        state.actors.dreams.soft_delete(d.id, true).await?;
        super::processing::emit_status(&state, UserId(d.user_id), uuid, "failed").await;
    }
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

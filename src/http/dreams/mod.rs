//! `/api/v1/dream` (`rest-api.md` §8–§9): catalogue reads, owner writes, votes, uploads
//! and the processing callbacks. Handlers validate input, check roles and ownership,
//! call the dreams domain actor, and render through [`render`]; media keys become read
//! URLs in one pass just before the response is written.

mod processing;
pub(crate) mod read;
pub mod render;
pub(crate) mod upload_input;
mod uploads;
mod write;

use actix_web::{web, HttpResponse, Route};
use infinidream_actors::domain::dreams::{DreamBundle, DreamRow};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::not_found;
use crate::http::validate::path_uuid;
use crate::state::AppState;

/// A live dream by raw path uuid: 400 for a malformed uuid, 404 when missing.
pub(crate) async fn load(state: &AppState, raw: &str) -> Result<(Uuid, DreamBundle), ApiError> {
    let uuid = path_uuid(raw)?;
    let bundle = state.actors.dreams.by_uuid(uuid).await?.ok_or(ApiError::NotFound)?;
    Ok((uuid, bundle))
}

pub(crate) fn row(bundle: &DreamBundle) -> Result<&DreamRow, ApiError> {
    bundle.dreams.first().ok_or(ApiError::NotFound)
}

/// `{success:true, data}` with every media key signed, under `status`.
pub(crate) async fn respond(state: &AppState, status: u16, data: Map<String, Value>) -> HttpResponse {
    let mut data = Value::Object(data);
    render::sign_media(&state.storage, &mut data).await;
    let code = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(code).json(crate::error::success(data))
}

/// A resource whose other methods answer the JSON 404 (§1.1), not 405.
pub(crate) fn resource(path: &str, routes: Vec<Route>) -> actix_web::Resource {
    routes.into_iter().fold(web::resource(path), |r, route| r.route(route)).default_service(web::to(not_found))
}

pub fn scope() -> actix_web::Scope {
    web::scope("/dream")
        .service(resource("", vec![web::get().to(read::list)]))
        .service(resource("/my-dreams", vec![web::get().to(read::my_dreams)]))
        .service(resource("/job", vec![web::get().to(processing::jobs)]))
        .service(resource("/create-multipart-upload", vec![web::post().to(uploads::create_new)]))
        // One scope for every `/{uuid}…` route: its prefix is the only regex a request
        // runs here, the routes inside are static (`http/mod.rs` on routing cost).
        .service(
            web::scope("/{uuid}")
                .service(resource(
                    "",
                    vec![web::get().to(read::get), web::put().to(write::update), web::delete().to(write::delete)],
                ))
                .service(resource("/vote", vec![web::get().to(read::vote)]))
                .service(resource("/upvote", vec![web::put().to(write::upvote)]))
                .service(resource("/downvote", vec![web::put().to(write::downvote)]))
                .service(resource("/unvote", vec![web::put().to(write::unvote)]))
                .service(resource("/thumbnail", vec![web::put().to(write::thumbnail)]))
                .service(resource("/create-multipart-upload", vec![web::post().to(uploads::create_existing)]))
                .service(resource("/refresh-multipart-upload-url", vec![web::post().to(uploads::refresh)]))
                .service(resource("/complete-multipart-upload", vec![web::post().to(uploads::complete)]))
                .service(resource("/abort-multipart-upload", vec![web::post().to(uploads::abort)]))
                .service(resource("/process-dream", vec![web::post().to(processing::process_dream)]))
                .service(resource("/status/{kind}", vec![web::post().to(processing::status)])),
        )
}

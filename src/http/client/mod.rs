//! Desktop client API `/api/v1/client/*` (`rest-api.md` §6), plus the two routes outside
//! that scope that share its queries: `GET /api/v1/user/me/dislikes` and
//! `GET /api/v1/playlist/default`.
//!
//! The desktop player (C++) parses these bodies with strict JSON kinds (`clients.md`
//! §2.1): `size`/`fps` are strings, counters and timestamps integer literals (epoch
//! milliseconds), absent keyframes are omitted keys, and only a 200 counts as success.
//! The rendering in [`render`] is the one place those rules live. Every read applies
//! `listable` (§3.7) in the client domain actor.

mod dreams;
mod playlists;
mod render;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::http::body::JsonBody;
use crate::http::client_info;
use crate::http::dreams::resource;
use crate::state::AppState;

pub use playlists::playlist_default;

/// `POST /api/v1/client/telemetry`: accepted and ignored except for a structured log
/// event (the desktop reports md5 mismatches here).
pub async fn telemetry(req: HttpRequest, caller: Caller, body: JsonBody) -> HttpResponse {
    let (client_type, client_version) = client_info(req.headers());
    let event_type = body.0.get("eventType").and_then(|v| v.as_str()).unwrap_or("unknown");
    tracing::info!(
        target: "analytics",
        event = "client_telemetry",
        user_uuid = %caller.0.uuid,
        event_type = %event_type.chars().take(64).collect::<String>(),
        client_type = %client_type,
        client_version = %client_version,
    );
    HttpResponse::Ok().json(json!({"success": true}))
}

/// `GET /api/v1/client/hello`: quota (read fresh), current playlist uuid (`""` when
/// none) and the number of dislikes, all integers.
pub async fn hello(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let hello = state.actors.client.hello(caller.0.id.0).await?;
    Ok(ok(json!({
        "quota": hello.quota,
        "currentPlaylistUUID": hello.current_playlist.map(|u| u.to_string()).unwrap_or_default(),
        "dislikesCount": hello.dislikes_count,
    })))
}

/// `GET /api/v1/client/quota`.
pub async fn quota(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let quota = state.actors.client.quota(caller.0.id.0).await?;
    Ok(ok(json!({ "quota": quota })))
}

/// `GET /api/v1/client/user/dislikes` and `GET /api/v1/user/me/dislikes`: uuids of the
/// live dreams the caller downvoted.
pub async fn dislikes(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let dislikes = state.actors.client.dislikes(caller.0.id.0).await?;
    Ok(ok(json!({ "dislikes": dislikes })))
}

pub fn scope() -> actix_web::Scope {
    web::scope("/client")
        .service(resource("/hello", vec![web::get().to(hello)]))
        .service(resource("/quota", vec![web::get().to(quota)]))
        .service(resource("/user/dislikes", vec![web::get().to(dislikes)]))
        .service(resource("/dream", vec![web::get().to(dreams::by_query), web::post().to(dreams::by_body)]))
        .service(resource("/dream/{uuid}/url", vec![web::get().to(dreams::url)]))
        .service(resource("/playlist/default", vec![web::get().to(playlists::default)]))
        .service(resource("/playlist/{uuid}", vec![web::get().to(playlists::playlist)]))
        .service(resource("/telemetry", vec![web::post().to(telemetry)]))
}

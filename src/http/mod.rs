//! HTTP routes. One module per API area; this file wires them under `/api/v1` and
//! `/api/v2`. Literal segments are registered before `{uuid}` parameters so they win.

mod apikeys;
mod auth;
pub mod body;
mod client;
pub mod cors;
pub(crate) mod dreams;
pub mod edge;
mod features;
mod feed;
pub mod form;
mod invites;
pub(crate) mod keyframes;
pub mod metrics;
pub mod openapi;
mod platform;
pub(crate) mod playlists;
mod remote;
mod reports;
mod roles;
pub mod text;
mod user_profile;
mod user_update;
mod users;
pub mod validate;

use actix_web::{web, HttpResponse};

use crate::error::{error_body, NOT_FOUND};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(platform::banner))
        .route("/metrics", web::get().to(metrics::metrics))
        .configure(remote::configure)
        .service(
            web::scope("/api/v1")
                .route("", web::get().to(platform::banner))
                .route("/health", web::get().to(platform::health))
                .route("/auth/user", web::get().to(users::me))
                .route("/playlist/default", web::get().to(client::playlist_default))
                // Routes with a `{param}` are matched by a regex each, tried in order until
                // one matches: grouping them in scopes by their first segment keeps every
                // other request from running them (scopes match their prefix statically).
                // Inside a scope, static paths come before the `{uuid}` ones they overlap.
                .service(
                    web::scope("/user")
                        .route("/me", web::get().to(users::me))
                        .route("/me/dislikes", web::get().to(client::dislikes))
                        .route("/me/playlist", web::get().to(playlists::me_playlist))
                        .route("/roles", web::get().to(roles::list))
                        .route("/{uuid}/role", web::put().to(roles::set))
                        .route("/{uuid}/apikey", web::get().to(apikeys::get))
                        .route("/{uuid}/apikey", web::put().to(apikeys::put))
                        .route("/{uuid}/apikey", web::delete().to(apikeys::delete))
                        .configure(user_profile::configure),
                )
                .service(reports::scope())
                .service(invites::scope())
                .configure(features::configure)
                .service(client::scope())
                .service(dreams::scope())
                .service(keyframes::scope())
                .service(feed::scope())
                .service(playlists::scope())
                .configure(openapi::configure),
        )
        .service(
            web::scope("/api/v2")
                .route("/auth/user", web::get().to(users::me))
                .route("/auth/authenticate", web::get().to(users::me))
                .configure(auth::configure),
        )
        .default_service(web::to(not_found));
}

/// Any unmatched method or path (`rest-api.md` §1.1).
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(error_body(NOT_FOUND, None))
}

/// Client identification headers (`rest-api.md` §1.9), for logs and metrics only:
/// type lower-cased (default `web`), version (default `unknown`), each cut to 64 chars.
pub fn client_info(headers: &actix_web::http::header::HeaderMap) -> (String, String) {
    let get = |a: &str, b: &str| {
        headers
            .get(a)
            .or_else(|| headers.get(b))
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().chars().take(64).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let client_type =
        get("edream-client-type", "e-dream-client-type").map_or_else(|| "web".to_string(), |t| t.to_lowercase());
    let version = get("edream-client-version", "e-dream-client-version").unwrap_or_else(|| "unknown".to_string());
    (client_type, version)
}

//! HTTP routes. One module per API area; this file wires them under `/api/v1` and
//! `/api/v2`. Literal segments are registered before `{uuid}` parameters so they win.

pub mod body;
pub mod cors;
pub mod edge;
mod platform;
mod users;

use actix_web::{web, HttpResponse};

use crate::error::{error_body, NOT_FOUND};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(platform::banner))
        .service(
            web::scope("/api/v1")
                .route("", web::get().to(platform::banner))
                .route("/health", web::get().to(platform::health))
                .route("/auth/user", web::get().to(users::me))
                .route("/user/me", web::get().to(users::me)),
        )
        .service(
            web::scope("/api/v2")
                .route("/auth/user", web::get().to(users::me))
                .route("/auth/authenticate", web::get().to(users::me)),
        )
        .default_service(web::to(not_found));
}

/// Any unmatched method or path (`rest-api.md` §1.1).
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(error_body(NOT_FOUND, None))
}

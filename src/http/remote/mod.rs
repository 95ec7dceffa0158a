//! The built-in web remote at `/remote`: one static page, its script and its stylesheet,
//! compiled into the binary (no build step, no CDN). The page signs in with an API key or
//! the `wos-session` cookie and speaks Socket.IO on `/remote-control` like every other
//! client, so it exercises the same realtime path as the desktop player and the web UI.
//!
//! The API's security headers forbid everything (`default-src 'none'`); this page gets its
//! own policy that allows only same-origin scripts, styles and connections (the WebSocket
//! and `/api/v1/user/me`), still no inline code, no framing, no form targets.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("app.css");

const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                           img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(body: &'static str, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .body(body)
}

async fn index() -> HttpResponse {
    asset(INDEX, "text/html; charset=utf-8")
}

async fn script() -> HttpResponse {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

async fn style() -> HttpResponse {
    asset(STYLE, "text/css; charset=utf-8")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/remote", web::get().to(index))
        .route("/remote/app.js", web::get().to(script))
        .route("/remote/app.css", web::get().to(style));
}

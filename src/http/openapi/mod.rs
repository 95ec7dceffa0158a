//! The OpenAPI 3 document (`/api/v1/api-docs/openapi.json`) and the interactive docs
//! page (`/api/v1/api-docs`, Swagger UI served from files vendored into the binary, so it
//! works with no internet access).
//!
//! The document is assembled by utoipa from [`paths`] and [`schemas`]; aliases that
//! serve the same operation under another path (`/api/v1/auth/user`, the `/api/v2`
//! copies) are added by copying the path item, so they can never drift apart.

mod auth_paths;
mod client_paths;
mod feed_paths;
mod keyframe_paths;
mod misc_paths;
mod paths;
mod playlist_paths;
mod schemas;
mod users_paths;

use std::sync::{Arc, OnceLock};

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::not_found;

/// The docs page's policy: its own scripts, styles (Swagger UI injects inline styles)
/// and images only; still never framed. Replaces the API's `default-src 'none'`.
const UI_CSP: &str =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/// Where the document is served (the Swagger UI page loads it from here).
pub const DOC_PATH: &str = "/api/v1/api-docs/openapi.json";

/// Routes served under a second path with the same operation: (alias, original).
const ALIASES: &[(&str, &str)] = &[
    ("/api/v1/auth/user", "/api/v1/user/me"),
    ("/api/v2/auth/user", "/api/v1/user/me"),
    ("/api/v2/auth/authenticate", "/api/v1/user/me"),
];

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description("Authorization", "`Api-Key <key>`"))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "wos-session",
                "session token (also accepted as `Authorization: Bearer <token>`)",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "infinidream API", description = "REST API of the infinidream.ai backend (rest-api.md)."),
    modifiers(&Security),
    paths(
        paths::banner, paths::banner_v1, paths::health, paths::metrics, paths::user_me, paths::client_telemetry,
        paths::dream_list, paths::dream_my_dreams, paths::dream_jobs, paths::dream_create_upload,
        paths::dream_get, paths::dream_update, paths::dream_delete, paths::dream_vote,
        paths::dream_upvote, paths::dream_downvote, paths::dream_unvote, paths::dream_thumbnail,
        paths::dream_create_dream_upload, paths::dream_refresh_upload, paths::dream_complete_upload,
        paths::dream_abort_upload, paths::dream_process, paths::dream_status_processing,
        paths::dream_status_processed, paths::dream_status_failed, paths::dream_status_progress,
        auth_paths::auth_magic, auth_paths::auth_login, auth_paths::auth_refresh, auth_paths::auth_logout,
        auth_paths::auth_callback, auth_paths::auth_signup, auth_paths::auth_create_password_reset,
        auth_paths::auth_reset_password, auth_paths::auth_current_dream, auth_paths::auth_current_playlist,
        auth_paths::user_roles, auth_paths::user_role, auth_paths::user_apikey_get, auth_paths::user_apikey_put,
        auth_paths::user_apikey_delete,
        users_paths::user_list, users_paths::user_get, users_paths::user_update, users_paths::user_avatar,
        users_paths::user_votes,
        misc_paths::report_types, misc_paths::report_list, misc_paths::report_create, misc_paths::report_get,
        misc_paths::report_update, misc_paths::report_delete, misc_paths::invite_list, misc_paths::invite_create,
        misc_paths::invite_invalidate, misc_paths::feature_list, misc_paths::feature_update,
    ),
    components(schemas(
        schemas::Violation, schemas::ErrorEnvelope, schemas::SuccessEnvelope, schemas::PublicUser,
        schemas::KeyframeColumns, schemas::FilmstripFrame, schemas::Dream, schemas::DreamEnvelope,
        schemas::DreamListEnvelope, schemas::VoteEnvelope, schemas::UploadEnvelope,
        schemas::RefreshEnvelope, schemas::JobsEnvelope, schemas::CreateUploadBody,
        schemas::CreateDreamUploadBody, schemas::RefreshBody, schemas::CompleteBody,
        schemas::AbortBody, schemas::UpdateDreamBody, schemas::ProcessedBody, schemas::ProgressBody,
        schemas::ImageForm, schemas::Banner, schemas::HealthEnvelope, schemas::UserEnvelope,
        auth_paths::LoginEnvelope, auth_paths::MessageEnvelope, auth_paths::DataEnvelope, auth_paths::MagicBody,
        auth_paths::LoginBody, auth_paths::SignupBody, auth_paths::EmailBody, auth_paths::ResetPasswordBody,
        auth_paths::RoleBody,
        users_paths::UpdateUserBody, misc_paths::CreateReportBody, misc_paths::UpdateReportBody,
        misc_paths::CreateInviteBody, misc_paths::FeatureBody,
    )),
)]
pub struct ApiDoc;

/// The document with aliases and the crate version, built once.
pub fn document() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.merge(client_paths::ClientApi::openapi());
        doc.merge(keyframe_paths::KeyframeDoc::openapi());
        doc.merge(feed_paths::FeedDoc::openapi());
        doc.merge(playlist_paths::PlaylistDoc::openapi());
        doc.info.version = env!("CARGO_PKG_VERSION").to_string();
        let mut doc = serde_json::to_value(&doc).unwrap_or(serde_json::Value::Null);
        if let Some(paths) = doc.get_mut("paths").and_then(serde_json::Value::as_object_mut) {
            for (alias, original) in ALIASES {
                let Some(mut item) = paths.get(*original).cloned() else { continue };
                // Operation ids must stay unique: suffix the alias's path.
                let suffix: String = alias.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
                if let Some(ops) = item.as_object_mut() {
                    for op in ops.values_mut() {
                        if let Some(id) = op.get("operationId").and_then(serde_json::Value::as_str) {
                            op["operationId"] = serde_json::Value::String(format!("{id}{suffix}"));
                        }
                    }
                }
                paths.insert((*alias).to_string(), item);
            }
        }
        doc
    })
}

/// `GET /api/v1/api-docs/openapi.json`.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

fn ui_config() -> Arc<utoipa_swagger_ui::Config<'static>> {
    static CONFIG: OnceLock<Arc<utoipa_swagger_ui::Config<'static>>> = OnceLock::new();
    CONFIG.get_or_init(|| Arc::new(utoipa_swagger_ui::Config::new([DOC_PATH]))).clone()
}

/// `GET /api/v1/api-docs` and its assets `GET /api/v1/api-docs/{file}`. The page is
/// served without a trailing slash (paths are normalised), so its relative asset links
/// are rewritten to absolute ones.
pub async fn ui(file: Option<web::Path<String>>) -> HttpResponse {
    let name = file.map(|f| f.into_inner()).unwrap_or_default();
    match utoipa_swagger_ui::serve(&name, ui_config()) {
        Ok(Some(f)) => {
            let mut res = HttpResponse::Ok();
            res.insert_header((header::CONTENT_TYPE, f.content_type.clone()));
            res.insert_header((header::CONTENT_SECURITY_POLICY, UI_CSP));
            if name.is_empty() || name == "index.html" {
                let html = String::from_utf8_lossy(&f.bytes)
                    .replace("href=\"./", "href=\"/api/v1/api-docs/")
                    .replace("src=\"./", "src=\"/api/v1/api-docs/");
                return res.body(html);
            }
            if f.gzpipped {
                res.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            res.body(f.bytes.into_owned())
        }
        Ok(None) => not_found().await,
        Err(e) => {
            tracing::error!(error = %e, "swagger ui asset");
            actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e))
        }
    }
}

async fn ui_index() -> HttpResponse {
    ui(None).await
}

async fn ui_asset(file: web::Path<String>) -> HttpResponse {
    ui(Some(file)).await
}

/// Routes of the docs, for `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api-docs", web::get().to(ui_index))
        .route("/api-docs/openapi.json", web::get().to(openapi_json))
        .route("/api-docs/{file}", web::get().to(ui_asset));
}

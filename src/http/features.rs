//! Feature flags (`rest-api.md` §5.2): public read (the web signup page checks
//! `SIGNUP_WITH_CODE` before anyone is signed in), admin toggle by name.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::http::body::JsonBody;
use crate::http::text::text;
use crate::http::validate::Check;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/feature", web::get().to(list)).route("/feature", web::put().to(set));
}

/// `GET /api/v1/feature` — public. 200 `{features}`.
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let features = state.actors.invites.features().await?;
    Ok(ok(json!({ "features": features })))
}

/// `PUT /api/v1/feature` — admin; `name` (≤500) and `isActive` required; unknown → 404.
pub async fn set(state: web::Data<AppState>, caller: Caller, body: JsonBody) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut c = Check::body(&body.0);
    let name = text(&mut c, "name", true, Some(500), false);
    let active = c.boolean("isActive", true);
    c.finish()?;
    let (Some(name), Some(active)) = (name, active) else { return Err(ApiError::internal("validated fields missing")) };
    let feature = state.actors.invites.set_feature(name, active).await?.ok_or(ApiError::NotFound)?;
    Ok(ok(json!({ "feature": feature })))
}

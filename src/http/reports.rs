//! Reports (`rest-api.md` §13.1): any user reports a dream; admins list, read, process
//! and soft-delete reports.
//!
//! A new report is mailed to `OPS_EMAIL` (when set) in the background: the report is
//! stored whether or not the mail server answers, and failures are only logged
//! (`storage-and-jobs.md` §6).

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::reports::{CreateOutcome, CreatedReport, NewReport};
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::http::body::JsonBody;
use crate::http::text::text;
use crate::http::validate::{page, path_uuid, query_map, Check};
use crate::state::AppState;

/// Largest page of the report list (§1.6).
const TAKE_CAP: i64 = 500;
/// Characters of the dream name kept in the email subject.
const SUBJECT_NAME_CHARS: usize = 120;

pub fn scope() -> actix_web::Scope {
    web::scope("/report")
        .route("/type", web::get().to(types))
        .route("", web::get().to(list))
        .route("", web::post().to(create))
        .route("/{uuid}", web::get().to(get))
        .route("/{uuid}", web::put().to(update))
        .route("/{uuid}", web::delete().to(delete))
}

/// `GET /api/v1/report/type` — any role.
pub async fn types(state: web::Data<AppState>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let types = state.actors.reports.types().await?;
    Ok(ok(json!({ "reportTypes": types })))
}

/// `GET /api/v1/report` — admin; `{reports, count}`, `updated_at DESC`.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (take, skip) = page(&query_map(&req), TAKE_CAP);
    let (reports, count) = state.actors.reports.list(take, skip).await?;
    Ok(ok(json!({ "reports": reports, "count": count })))
}

/// `GET /api/v1/report/:uuid` — admin.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let uuid = path_uuid(&path)?;
    let report = state.actors.reports.get(uuid).await?.ok_or(ApiError::NotFound)?;
    Ok(ok(json!({ "report": report })))
}

/// `POST /api/v1/report` — any role; 201 `{report}`.
pub async fn create(state: web::Data<AppState>, caller: Caller, body: JsonBody) -> Result<HttpResponse, ApiError> {
    let mut c = Check::body(&body.0);
    let dream_uuid = c.guid("dreamUUID", true);
    let type_id = c.number("typeId", true);
    if type_id.as_ref().is_some_and(|n| n.value <= 0.0) {
        c.fail("typeId", "{} must be a positive number");
    }
    let comments = text(&mut c, "comments", false, None, true);
    let link = text(&mut c, "link", false, None, true);
    c.finish()?;
    let (Some(dream_uuid), Some(type_id)) = (dream_uuid, type_id) else {
        return Err(ApiError::internal("validated report fields missing"));
    };
    // A positive number that is not a small integer names no report type.
    if type_id.value.fract() != 0.0 || type_id.value > f64::from(i32::MAX) {
        return Err(ApiError::NotFoundWith("Report type not found."));
    }
    let new = NewReport {
        dream_uuid,
        type_id: type_id.value as i32,
        comments,
        link,
        reported_by: caller.0.id.0,
        admin: caller.0.role.is_admin(),
    };
    let created = match state.actors.reports.create(new).await? {
        Ok(created) => created,
        Err(CreateOutcome::DreamNotFound) => return Err(ApiError::NotFoundWith("Dream not found.")),
        Err(CreateOutcome::TypeNotFound) => return Err(ApiError::NotFoundWith("Report type not found.")),
    };
    notify_ops(&state, &caller, &created);
    Ok(HttpResponse::Created().json(json!({"success": true, "data": {"report": created.report}})))
}

/// Mails the report summary to `OPS_EMAIL` in the background (nothing when unset).
fn notify_ops(state: &AppState, caller: &Caller, r: &CreatedReport) {
    let Some(to) = state.settings.ops_email.clone() else { return };
    let front = &state.settings.frontend_url;
    let name = r.dream_name.clone().unwrap_or_default();
    let field = |k: &str| r.report.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    // Dream names are user text: no control characters (line breaks) in a header, and a
    // bounded length.
    let clean: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).take(SUBJECT_NAME_CHARS).collect();
    let subject = format!("Dream reported: {clean}");
    let body = format!(
        "A dream was reported.\n\nDream: {name} ({uuid})\nReported by: {reporter} ({email})\nType: {kind}\n\
         Comments: {comments}\nLink: {link}\n\nOpen: {front}/dream/{uuid}\n",
        uuid = r.dream_uuid,
        reporter = caller.0.uuid,
        email = caller.0.email,
        kind = r.type_description.clone().unwrap_or_default(),
        comments = field("comments"),
        link = field("link"),
    );
    let mailer = state.mailer.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = mailer.send(&to, &subject, body).await {
            tracing::warn!(error = %e, "report email not sent");
        }
    });
}

/// `PUT /api/v1/report/:uuid` — admin; `processed: true` records who and when,
/// `false` changes nothing.
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let uuid = path_uuid(&path)?;
    let mut c = Check::body(&body.0);
    let processed = c.boolean("processed", true);
    c.finish()?;
    let reports = &state.actors.reports;
    let report = if processed == Some(true) {
        reports.mark_processed(uuid, caller.0.id.0).await?
    } else {
        reports.get(uuid).await?
    };
    Ok(ok(json!({ "report": report.ok_or(ApiError::NotFound)? })))
}

/// `DELETE /api/v1/report/:uuid` — admin; soft delete.
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let uuid = path_uuid(&path)?;
    if !state.actors.reports.delete(uuid).await? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

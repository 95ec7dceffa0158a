//! The processing pipeline (`rest-api.md` §9): `process-dream`, the status callbacks of
//! the processing service (admin API key), `GET /dream/job`, and `job:progress`
//! emission through [`AppState::job_progress`] after each committed change.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::domain::dreams::ProcessedMetrics;
use infinidream_actors::remote::rules::job_status_for_dream_status;
use infinidream_actors::UserId;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::read::detail_data;
use super::render::Ctx;
use super::{load, respond, row};
use crate::auth::Caller;
use crate::error::{ApiError, Violation};
use crate::http::body::JsonBody;
use crate::http::validate::{js_number, Check};
use crate::processing::key_extension;
use crate::state::AppState;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Emits the status-change payload `{dream_uuid, status, updated_at}` for a dream status.
pub(crate) async fn emit_status(state: &AppState, owner: UserId, dream: Uuid, dream_status: &str) {
    let payload = json!({
        "dream_uuid": dream.to_string(),
        "status": job_status_for_dream_status(dream_status),
        "updated_at": now_ms(),
    });
    state.job_progress.publish(owner, dream, payload).await;
}

/// `POST /api/v1/dream/:uuid/process-dream` (admin): `status = queue`, hand-off, `IN_QUEUE`.
pub async fn process_dream(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let (uuid, bundle) = load(&state, &path).await?;
    let d = row(&bundle)?;
    state.actors.dreams.set_status(d.id, "queue").await?;
    match &d.original_video {
        Some(key) => state.processing.spawn_request(uuid, key_extension(key)),
        None => tracing::warn!(dream_uuid = %uuid, "process-dream on a dream without an original video"),
    }
    emit_status(&state, UserId(d.user_id), uuid, "queue").await;
    let data = detail_data(&state, &Ctx::new(&state, &req, &caller), uuid).await?;
    Ok(respond(&state, 200, data).await)
}

/// `POST /api/v1/dream/:uuid/status/{processing|processed|failed|progress}` (admin).
pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (raw, kind) = path.into_inner();
    if !matches!(kind.as_str(), "processing" | "processed" | "failed" | "progress") {
        return Err(ApiError::NotFound);
    }
    caller.require_admin()?;
    if kind == "progress" {
        return progress(&state, &raw, &body.0).await;
    }
    let metrics = if kind == "processed" { Some(processed_metrics(&body.0)?) } else { None };
    let (uuid, bundle) = load(&state, &raw).await?;
    let d = row(&bundle)?;
    let dreams = &state.actors.dreams;
    match metrics {
        Some(mut m) => {
            if let Some(Value::Array(frames)) = m.filmstrip.take() {
                let owner = bundle.users.get(&d.user_id).ok_or(ApiError::NotFound)?;
                let sid = crate::storage::keys::storage_id(owner.cognito_id.as_deref(), owner.uuid);
                let strip: Vec<Value> = frames
                    .iter()
                    .map(|n| {
                        let text = n.to_string();
                        json!({"frameNumber": n, "url": format!("{sid}/{uuid}/filmstrip/frame-{text}.jpg")})
                    })
                    .collect();
                m.filmstrip = Some(Value::Array(strip));
            }
            let (size, frames, level) = (m.size, m.frames, m.activity_level.clone());
            dreams.mark_processed(d.id, m).await?;
            // duration = round(activityLevel × frames / 30), with the stored level when not sent.
            let level: f64 = level.unwrap_or_else(|| d.activity_level.clone()).parse().unwrap_or(1.0);
            let frames = frames.or(d.processed_video_frames).unwrap_or(0);
            tracing::info!(target: "analytics", event = "dream_uploaded", dream_uuid = %uuid,
                size_bytes = size.or(d.processed_video_size).unwrap_or(0),
                duration_seconds = (level * f64::from(frames) / 30.0).round() as i64);
            emit_status(&state, UserId(d.user_id), uuid, "processed").await;
        }
        None => {
            let status = if kind == "processing" { "processing" } else { "failed" };
            dreams.set_status(d.id, status).await?;
            emit_status(&state, UserId(d.user_id), uuid, status).await;
        }
    }
    let data = detail_data(&state, &Ctx::new(&state, &req, &caller), uuid).await?;
    Ok(respond(&state, 200, data).await)
}

/// Validates the `status/processed` body (every field optional).
fn processed_metrics(body: &Map<String, Value>) -> Result<ProcessedMetrics, ApiError> {
    let mut c = Check::body(body);
    let activity_level = c.number("activityLevel", false).map(|n| n.text);
    let fps = c.number("processedVideoFPS", false).map(|n| n.text);
    let frames = c.integer("processedVideoFrames", false, Some(0), Some(i64::from(i32::MAX)));
    let size = c.integer("processedVideoSize", false, Some(0), None);
    let md5 = c.string("md5", false, Some(32), true);
    let filmstrip = match body.get("filmstrip") {
        None => None,
        Some(Value::Array(items)) => {
            let mut frames = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match crate::http::validate::coerce_number(item) {
                    Some(n) => frames.push(js_number(n.value)),
                    None => {
                        c.violations.push(Violation::new("body", &["filmstrip", &i.to_string()], "{} must be a number"))
                    }
                }
            }
            Some(Value::Array(frames))
        }
        Some(_) => {
            c.fail("filmstrip", "{} must be an array");
            None
        }
    };
    c.finish()?;
    Ok(ProcessedMetrics {
        activity_level,
        fps,
        frames: frames.and_then(|f| i32::try_from(f).ok()),
        size,
        filmstrip,
        md5,
    })
}

/// `status/progress`: no database write; relays `job:progress`.
async fn progress(state: &AppState, raw: &str, body: &Map<String, Value>) -> Result<HttpResponse, ApiError> {
    let mut c = Check::body(body);
    let progress = c.number("progress", false);
    if progress.as_ref().is_some_and(|p| p.value < 0.0) {
        c.fail("progress", "{} must be greater than or equal to 0");
    } else if progress.as_ref().is_some_and(|p| p.value > 100.0) {
        c.fail("progress", "{} must be less than or equal to 100");
    }
    let countdown = c.integer("countdown_ms", false, Some(0), None);
    let status = c.string("status", false, None, false);
    let job_id = c.string("jobId", false, None, true);
    if !c.has("progress") && !c.has("status") {
        c.violations.push(Violation {
            field: "body".into(),
            message: "\"body\" must contain at least one of [progress, status]".into(),
        });
    }
    c.finish()?;
    let (uuid, bundle) = load(state, raw).await?;
    let d = row(&bundle)?;
    let mut payload = Map::new();
    if let Some(j) = job_id {
        payload.insert("jobId".into(), json!(j));
    }
    payload.insert("dream_uuid".into(), json!(uuid.to_string()));
    let completed = status.as_deref() == Some("COMPLETED");
    if let Some(s) = status.filter(|_| !completed) {
        payload.insert("status".into(), json!(s));
    }
    match progress {
        Some(p) => {
            payload.insert("progress".into(), js_number(p.value));
        }
        None if completed => {
            payload.insert("progress".into(), json!(100));
        }
        None => {}
    }
    if let Some(ms) = countdown {
        payload.insert("countdown_ms".into(), json!(ms));
    }
    payload.insert("updated_at".into(), json!(now_ms()));
    state.job_progress.publish(UserId(d.user_id), uuid, Value::Object(payload)).await;
    Ok(HttpResponse::Ok().json(json!({"success": true})))
}

/// `GET /api/v1/dream/job` (admin): the processing service's queue, `[]` on any error.
pub async fn jobs(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let mut jobs: Vec<String> = Vec::new();
    if let Some(pool) = &state.redis {
        let key = state.processing.queue_key().to_string();
        let read = async {
            let mut conn = pool.get().await.ok()?;
            redis::cmd("LRANGE").arg(&key).arg(0).arg(-1).query_async::<Vec<String>>(&mut conn).await.ok()
        };
        jobs = read.await.unwrap_or_default();
    }
    let mut data = Map::new();
    data.insert("jobs".into(), json!(jobs));
    Ok(respond(&state, 200, data).await)
}

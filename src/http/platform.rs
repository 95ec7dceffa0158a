//! Banner and health (`rest-api.md` §5.1).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

/// Each dependency check gets this long before it counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_millis(1000);

pub async fn banner(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({"message": format!("e-dream.ai is running api at version {}", state.settings.app_version)}))
}

async fn db_ok(state: &AppState) -> bool {
    matches!(tokio::time::timeout(CHECK_TIMEOUT, state.actors.users.ping_db()).await, Ok(Ok(())))
}

async fn redis_ok(state: &AppState) -> bool {
    let Some(pool) = &state.redis else {
        // Single-instance mode: Redis is not a dependency.
        return true;
    };
    matches!(tokio::time::timeout(CHECK_TIMEOUT, pool.ping()).await, Ok(true))
}

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let (db, redis) = tokio::join!(db_ok(&state), redis_ok(&state));
    let draining = state.is_draining();
    let healthy = db && redis && !draining;
    let message = if draining {
        "draining"
    } else if healthy {
        "ok"
    } else {
        "degraded"
    };
    let body = json!({
        "success": db && redis,
        "message": message,
        "data": {
            "version": state.settings.app_version,
            "instance": state.settings.instance_id,
            "db": {"ok": db},
            "redis": {"ok": redis, "enabled": state.redis.is_some()},
        }
    });
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

//! Desktop client API `/api/v1/client/*` (`rest-api.md` §6).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::auth::Caller;
use crate::http::body::JsonBody;
use crate::http::client_info;

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

pub fn scope() -> actix_web::Scope {
    web::scope("/client").route("/telemetry", web::post().to(telemetry))
}

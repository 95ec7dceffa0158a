//! Client dream reads (`rest-api.md` §6.2): metadata by uuid list (query or body) and
//! the download URL that charges the quota.

use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::remote::guid::parse_guid;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::render;
use crate::auth::Caller;
use crate::error::{ok, ApiError, Violation};
use crate::http::body::JsonBody;
use crate::http::dreams::render::viewer;
use crate::http::dreams::respond;
use crate::http::validate::{path_uuid, query_map, Check};
use crate::state::AppState;

async fn dreams_response(state: &AppState, caller: &Caller, uuids: Vec<Uuid>) -> Result<HttpResponse, ApiError> {
    let rows = state.actors.client.dreams(viewer(caller), uuids).await?;
    let list = rows.iter().map(|d| render::dream(d, &state.settings.frontend_url)).collect();
    let mut data = Map::new();
    data.insert("dreams".into(), Value::Array(list));
    Ok(respond(state, 200, data).await)
}

/// `GET /api/v1/client/dream?uuids=a,b,c`: `uuids` is a required non-empty string,
/// split on `,` and trimmed; items that are not uuids are ignored (differs from
/// reference: they caused a 500).
pub async fn by_query(state: web::Data<AppState>, req: HttpRequest, caller: Caller) -> Result<HttpResponse, ApiError> {
    let q = query_map(&req);
    let mut check = Check::query(&q);
    let raw = check.string("uuids", true, None, false);
    check.finish()?;
    let uuids = raw.unwrap_or_default().split(',').filter_map(|s| parse_guid(s.trim())).collect();
    dreams_response(&state, &caller, uuids).await
}

/// `POST /api/v1/client/dream` with `{uuids: [uuid, …]}` (validated: every item must
/// be a uuid string).
pub async fn by_body(state: web::Data<AppState>, caller: Caller, body: JsonBody) -> Result<HttpResponse, ApiError> {
    let uuids = body_uuids(&body.0)?;
    dreams_response(&state, &caller, uuids).await
}

fn body_uuids(body: &Map<String, Value>) -> Result<Vec<Uuid>, ApiError> {
    let items = match body.get("uuids") {
        None => return Err(ApiError::invalid("body", &["uuids"], "{} is required")),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::invalid("body", &["uuids"], "{} must be an array")),
    };
    let mut uuids = Vec::with_capacity(items.len());
    let mut violations = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        match item.as_str().map(parse_guid) {
            Some(Some(u)) => uuids.push(u),
            Some(None) => violations.push(Violation::new("body", &["uuids", &index], "{} must be a valid GUID")),
            None => violations.push(Violation::new("body", &["uuids", &index], "{} must be a string")),
        }
    }
    if violations.is_empty() {
        Ok(uuids)
    } else {
        Err(ApiError::Validation(violations))
    }
}

/// `GET /api/v1/client/dream/:uuid/url`: 404 unless the dream is live, listable and
/// has a processed video; otherwise its size is charged to the caller's quota
/// atomically (floored at 0) and the video's read URL returned (differs from
/// reference: no 200 without `url`, and the quota update was not atomic).
pub async fn url(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path_uuid(&path)?;
    let (video, _quota) = state.actors.client.claim_video(viewer(&caller), uuid).await?.ok_or(ApiError::NotFound)?;
    let url = state.storage.read_url(&video).await;
    Ok(ok(serde_json::json!({ "url": url })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn body_uuids_reports_every_bad_item() {
        let u = Uuid::new_v4();
        assert_eq!(body_uuids(&map(json!({"uuids": [u.to_string()]}))).ok(), Some(vec![u]));
        assert!(body_uuids(&map(json!({"uuids": []}))).is_ok_and(|v| v.is_empty()));
        let Err(ApiError::Validation(v)) = body_uuids(&map(json!({"uuids": ["x", 1]}))) else { panic!() };
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].message, "\"body.uuids[0]\" must be a valid GUID");
        assert_eq!(v[1].field, "body, uuids, 1");
        let Err(ApiError::Validation(v)) = body_uuids(&map(json!({"uuids": "x"}))) else { panic!() };
        assert_eq!(v[0].message, "\"body.uuids\" must be an array");
        assert!(body_uuids(&map(json!({}))).is_err());
    }
}

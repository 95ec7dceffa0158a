//! Roles (`rest-api.md` §3.6, §7): listing for any user, changing for admins only. The
//! role change is the only route that writes `role_id` for another user besides the
//! admin path of the user update; no route lets a non-admin change a role.

use actix_web::{web, HttpResponse};
use infinidream_actors::domain::auth::RoleQuery;
use infinidream_actors::Role;
use serde_json::{json, Value};

use super::apikeys::path_uuid;
use super::body::JsonBody;
use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct ListQuery {
    take: Option<String>,
    skip: Option<String>,
    search: Option<String>,
}

/// `take`/`skip` as §1.6 defines them (lenient).
pub fn page(take: Option<&str>, skip: Option<&str>) -> (i64, i64) {
    let take = take.and_then(|t| t.trim().parse::<i64>().ok()).filter(|t| *t > 0).map_or(10, |t| t.min(500));
    let skip = skip.and_then(|s| s.trim().parse::<i64>().ok()).filter(|s| *s >= 0).unwrap_or(0);
    (take, skip)
}

/// `GET /api/v1/user/roles` — 200 `{roles, count}`.
pub async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (take, skip) = page(q.take.as_deref(), q.skip.as_deref());
    // NUL characters cannot occur in role names (nor be sent to PostgreSQL): dropped.
    let search = q.search.as_deref().map(|s| s.replace('\0', "")).filter(|s| !s.is_empty());
    let (roles, count) = state.actors.auth.list_roles(RoleQuery { take, skip, search }).await?;
    Ok(ok(json!({"roles": roles, "count": count})))
}

/// `PUT /api/v1/user/:uuid/role` — admin; body `role` ∈ `admin-group|user-group`.
pub async fn set(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    caller.require_admin()?;
    let uuid = path_uuid(&path)?;
    let role = match body.0.get("role") {
        None | Some(Value::Null) => return Err(ApiError::invalid("body", &["role"], "{} is required")),
        Some(Value::String(s)) if s == "admin-group" => Role::Admin,
        Some(Value::String(s)) if s == "user-group" => Role::User,
        Some(_) => return Err(ApiError::invalid("body", &["role"], "{} must be one of [admin-group, user-group]")),
    };
    let id = state.actors.auth.set_role(uuid, role).await?.ok_or(ApiError::NotFound)?;
    let user = state.actors.users.full_user(id).await?.ok_or(ApiError::NotFound)?;
    Ok(ok(json!({ "user": user })))
}

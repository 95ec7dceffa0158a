//! Path items of reports, invites and feature flags (`rest-api.md` §13, §5.2):
//! documentation stubs, never called, one per route registered by `http::reports`,
//! `http::invites` and `http::features`.
#![allow(dead_code)]

use super::auth_paths::DataEnvelope;
use super::schemas::{ErrorEnvelope, SuccessEnvelope};
use utoipa::ToSchema;

#[derive(ToSchema)]
pub struct CreateReportBody {
    #[schema(rename = "dreamUUID")]
    pub dream_uuid: String,
    /// A report type id (positive number).
    #[schema(rename = "typeId")]
    pub type_id: i32,
    pub comments: Option<String>,
    pub link: Option<String>,
}

#[derive(ToSchema)]
pub struct UpdateReportBody {
    /// `true` records the caller and time; `false` changes nothing.
    pub processed: bool,
}

#[derive(ToSchema)]
pub struct CreateInviteBody {
    /// A–Z and 0–9 without I and O; absent or empty: a random code.
    pub code: Option<String>,
    /// Remaining uses (default 1).
    pub size: Option<i32>,
    /// Length of a random code (default 4, at most 64).
    #[schema(rename = "codeLength")]
    pub code_length: Option<i32>,
    /// Sends the invitation to this address.
    pub email: Option<String>,
    #[schema(rename = "roleId")]
    pub role_id: i32,
}

#[derive(ToSchema)]
pub struct FeatureBody {
    pub name: String,
    #[schema(rename = "isActive")]
    pub is_active: bool,
}

#[utoipa::path(get, path = "/api/v1/report/type", tag = "reports", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "`{reportTypes}` (every type but Native)", body = DataEnvelope),
              (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn report_types() {}

#[utoipa::path(get, path = "/api/v1/report", tag = "reports", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query)),
    responses((status = 200, description = "`{reports, count}`, updated_at DESC", body = DataEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope)))]
pub fn report_list() {}

#[utoipa::path(post, path = "/api/v1/report", tag = "reports", security(("api_key" = []), ("session" = [])),
    request_body = CreateReportBody,
    responses((status = 201, description = "`{report}`; OPS_EMAIL is notified", body = DataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 404, description = "Dream not found. / Report type not found.", body = ErrorEnvelope)))]
pub fn report_create() {}

#[utoipa::path(get, path = "/api/v1/report/{uuid}", tag = "reports", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "report uuid")),
    responses((status = 200, description = "`{report}`", body = DataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn report_get() {}

#[utoipa::path(put, path = "/api/v1/report/{uuid}", tag = "reports", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "report uuid")), request_body = UpdateReportBody,
    responses((status = 200, description = "`{report}`", body = DataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn report_update() {}

#[utoipa::path(delete, path = "/api/v1/report/{uuid}", tag = "reports", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = "report uuid")),
    responses((status = 200, description = "soft-deleted", body = SuccessEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn report_delete() {}

#[utoipa::path(get, path = "/api/v1/invite", tag = "invites", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query)),
    responses((status = 200, description = "`{invites, count}`, size DESC", body = DataEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope)))]
pub fn invite_list() {}

#[utoipa::path(post, path = "/api/v1/invite", tag = "invites", security(("api_key" = []), ("session" = [])),
    request_body = CreateInviteBody,
    responses((status = 201, description = "`{invite}`", body = DataEnvelope),
              (status = 400, description = "Validation error / Code already exists.", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "role not found", body = ErrorEnvelope)))]
pub fn invite_create() {}

#[utoipa::path(put, path = "/api/v1/invite/{id}/invalidate", tag = "invites", security(("api_key" = []), ("session" = [])),
    params(("id" = String, Path, description = "numeric invite id")),
    responses((status = 201, description = "`{invite}` with size 0", body = DataEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found (non-numeric or unknown id)", body = ErrorEnvelope)))]
pub fn invite_invalidate() {}

#[utoipa::path(get, path = "/api/v1/feature", tag = "platform",
    responses((status = 200, description = "`{features}` (public)", body = DataEnvelope)))]
pub fn feature_list() {}

#[utoipa::path(put, path = "/api/v1/feature", tag = "platform", security(("api_key" = []), ("session" = [])),
    request_body = FeatureBody,
    responses((status = 200, description = "`{feature}`", body = DataEnvelope),
              (status = 400, description = "Validation error", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope),
              (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn feature_update() {}

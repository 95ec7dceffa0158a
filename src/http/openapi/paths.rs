//! Path items of the OpenAPI document, one documented operation per served route. The
//! functions are never called: each carries the `#[utoipa::path]` description of the
//! route registered under the same method and path in `http::configure` (the test
//! `openapi_document_lists_every_route_and_validates` checks the two stay in step).
#![allow(dead_code)]

use super::schemas::*;

const UUID_PARAM: &str = "dream uuid (any accepted GUID spelling)";

#[utoipa::path(get, path = "/", tag = "platform", responses((status = 200, description = "OK", body = Banner)))]
pub fn banner() {}

#[utoipa::path(get, path = "/api/v1", tag = "platform", responses((status = 200, description = "OK", body = Banner)))]
pub fn banner_v1() {}

#[utoipa::path(get, path = "/api/v1/health", tag = "platform",
    responses((status = 200, description = "OK", body = HealthEnvelope), (status = 503, description = "Unavailable", body = HealthEnvelope)))]
pub fn health() {}

#[utoipa::path(get, path = "/metrics", tag = "platform",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
              (status = 401, description = "METRICS_TOKEN set and no matching bearer token", body = ErrorEnvelope)))]
pub fn metrics() {}

#[utoipa::path(get, path = "/api/v1/user/me", tag = "users", security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = UserEnvelope), (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn user_me() {}

#[utoipa::path(post, path = "/api/v1/client/telemetry", tag = "client", security(("api_key" = []), ("session" = [])),
    request_body(content = Object, description = "any JSON object; logged, not stored"),
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn client_telemetry() {}

#[utoipa::path(get, path = "/api/v1/dream", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(
        ("status" = Option<String>, Query, description = "none|queue|processing|failed|processed (default processed)"),
        ("take" = Option<i64>, Query, description = "page size, ≤ 500 (default 10)"),
        ("skip" = Option<i64>, Query, description = "offset (default 0)"),
        ("userUUID" = Option<String>, Query, description = "only this user's dreams"),
    ),
    responses((status = 200, description = "listable dreams, newest first", body = DreamListEnvelope),
              (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope), (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn dream_list() {}

#[utoipa::path(get, path = "/api/v1/dream/my-dreams", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("take" = Option<i64>, Query), ("skip" = Option<i64>, Query)),
    responses((status = 200, description = "OK", body = DreamListEnvelope), (status = 401, description = "Missing or invalid credentials", body = ErrorEnvelope)))]
pub fn dream_my_dreams() {}

#[utoipa::path(get, path = "/api/v1/dream/job", tag = "processing", security(("api_key" = [])),
    responses((status = 200, description = "the processing service's queue", body = JobsEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope)))]
pub fn dream_jobs() {}

#[utoipa::path(post, path = "/api/v1/dream/create-multipart-upload", tag = "uploads", security(("api_key" = []), ("session" = [])),
    request_body = CreateUploadBody,
    responses((status = 201, description = "Created", body = UploadEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope), (status = 500, description = "Internal Server Error", body = ErrorEnvelope)))]
pub fn dream_create_upload() {}

#[utoipa::path(get, path = "/api/v1/dream/{uuid}", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_get() {}

#[utoipa::path(put, path = "/api/v1/dream/{uuid}", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = UpdateDreamBody,
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_update() {}

#[utoipa::path(delete, path = "/api/v1/dream/{uuid}", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_delete() {}

#[utoipa::path(get, path = "/api/v1/dream/{uuid}/vote", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = VoteEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_vote() {}

#[utoipa::path(put, path = "/api/v1/dream/{uuid}/upvote", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "post-update counts", body = DreamEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_upvote() {}

#[utoipa::path(put, path = "/api/v1/dream/{uuid}/downvote", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_downvote() {}

#[utoipa::path(put, path = "/api/v1/dream/{uuid}/unvote", tag = "dreams", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_unvote() {}

#[utoipa::path(put, path = "/api/v1/dream/{uuid}/thumbnail", tag = "uploads", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_thumbnail() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/create-multipart-upload", tag = "uploads", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = CreateDreamUploadBody,
    responses((status = 201, description = "Created", body = UploadEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_create_dream_upload() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/refresh-multipart-upload-url", tag = "uploads", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = RefreshBody,
    responses((status = 201, description = "Created", body = RefreshEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_refresh_upload() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/complete-multipart-upload", tag = "uploads", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = CompleteBody,
    responses((status = 201, description = "Created", body = DreamEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "unknown dream or upload id", body = ErrorEnvelope),
              (status = 500, description = "Internal Server Error", body = ErrorEnvelope)))]
pub fn dream_complete_upload() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/abort-multipart-upload", tag = "uploads", security(("api_key" = []), ("session" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = AbortBody,
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_abort_upload() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/process-dream", tag = "processing", security(("api_key" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_process() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/status/processing", tag = "processing", security(("api_key" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_status_processing() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/status/processed", tag = "processing", security(("api_key" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = ProcessedBody,
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_status_processed() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/status/failed", tag = "processing", security(("api_key" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)),
    responses((status = 200, description = "OK", body = DreamEnvelope), (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_status_failed() {}

#[utoipa::path(post, path = "/api/v1/dream/{uuid}/status/progress", tag = "processing", security(("api_key" = [])),
    params(("uuid" = String, Path, description = UUID_PARAM)), request_body = ProgressBody,
    responses((status = 200, description = "OK", body = SuccessEnvelope), (status = 400, description = "Validation error or bad input (the §1.5 envelope)", body = ErrorEnvelope),
              (status = 403, description = "Action not allowed", body = ErrorEnvelope), (status = 404, description = "Not found", body = ErrorEnvelope)))]
pub fn dream_status_progress() {}

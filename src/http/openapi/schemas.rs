//! Schemas of the OpenAPI document: the wire shapes of `rest-api.md` §2 as typed
//! structs. They exist for documentation only (responses are built as JSON values so the
//! caller-dependent keys can come and go), so keep them in step with `render.rs`.
#![allow(dead_code)]

use serde_json::Value;
use utoipa::ToSchema;

/// One validation violation (`rest-api.md` §1.5).
#[derive(ToSchema)]
pub struct Violation {
    /// Path joined with `", "`, starting with `body`, `query` or `params`.
    pub field: String,
    pub message: String,
}

/// Every error: `{success:false, message, data?}`.
#[derive(ToSchema)]
pub struct ErrorEnvelope {
    pub success: bool,
    pub message: String,
    /// Validation errors only.
    pub data: Option<Vec<Violation>>,
}

/// `{success:true}`.
#[derive(ToSchema)]
pub struct SuccessEnvelope {
    pub success: bool,
}

/// PublicUser: never carries an email.
#[derive(ToSchema)]
pub struct PublicUser {
    pub id: i32,
    pub uuid: uuid::Uuid,
    #[schema(rename = "cognitoId")]
    pub cognito_id: Option<String>,
    #[schema(rename = "workOSId")]
    pub workos_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Read URL.
    pub avatar: Option<String>,
    pub nsfw: bool,
    #[schema(rename = "enableMarketingEmails")]
    pub enable_marketing_emails: bool,
    /// bigint as a string.
    pub quota: String,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// Keyframe columns (dream `startKeyframe`/`endKeyframe`).
#[derive(ToSchema)]
pub struct KeyframeColumns {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    /// Read URL.
    pub image: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(ToSchema)]
pub struct FilmstripFrame {
    #[schema(rename = "frameNumber")]
    pub frame_number: i64,
    /// Read URL.
    pub url: String,
}

/// The Dream shape. `video` is absent while NULL; `original_video` only for the owner or
/// an admin with a browser-like User-Agent; `featureRank` only for admins; `filmstrip`,
/// keyframes, `playlistItems` and `reports` only where the endpoint lists them.
#[derive(ToSchema)]
pub struct Dream {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub name: Option<String>,
    pub video: Option<String>,
    pub original_video: Option<String>,
    pub thumbnail: Option<String>,
    pub upvotes: i32,
    pub downvotes: i32,
    /// A JSON number (integral values without a fraction).
    #[schema(rename = "activityLevel")]
    pub activity_level: f64,
    /// none, queue, processing, failed, processed.
    pub status: String,
    /// bigint as a string.
    #[schema(rename = "processedVideoSize")]
    pub processed_video_size: Option<String>,
    #[schema(rename = "processedVideoFrames")]
    pub processed_video_frames: Option<i32>,
    /// numeric as a string.
    #[schema(rename = "processedVideoFPS")]
    pub processed_video_fps: Option<String>,
    pub nsfw: bool,
    pub hidden: bool,
    #[schema(rename = "ccbyLicense")]
    pub ccby_license: bool,
    pub filmstrip: Option<Vec<FilmstripFrame>>,
    pub description: Option<String>,
    #[schema(rename = "sourceUrl")]
    pub source_url: Option<String>,
    pub md5: Option<String>,
    pub processed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub user: PublicUser,
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<PublicUser>,
    #[schema(rename = "frontendUrl")]
    pub frontend_url: String,
    #[schema(rename = "featureRank")]
    pub feature_rank: Option<i32>,
    #[schema(rename = "startKeyframe")]
    pub start_keyframe: Option<KeyframeColumns>,
    #[schema(rename = "endKeyframe")]
    pub end_keyframe: Option<KeyframeColumns>,
    #[schema(rename = "playlistItems", value_type = Option<Vec<Object>>)]
    pub playlist_items: Option<Vec<Value>>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub reports: Option<Vec<Value>>,
}

#[derive(ToSchema)]
pub struct DreamData {
    pub dream: Dream,
}

/// `{success:true, data:{dream}}`.
#[derive(ToSchema)]
pub struct DreamEnvelope {
    pub success: bool,
    pub data: DreamData,
}

#[derive(ToSchema)]
pub struct DreamList {
    pub dreams: Vec<Dream>,
    pub count: i64,
}

#[derive(ToSchema)]
pub struct DreamListEnvelope {
    pub success: bool,
    pub data: DreamList,
}

#[derive(ToSchema)]
pub struct Vote {
    pub id: i32,
    /// none, upvote, downvote.
    pub vote: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(ToSchema)]
pub struct VoteData {
    pub vote: Option<Vote>,
}

#[derive(ToSchema)]
pub struct VoteEnvelope {
    pub success: bool,
    pub data: VoteData,
}

#[derive(ToSchema)]
pub struct UploadData {
    pub dream: Dream,
    /// Presigned part URLs; index i is part i+1.
    pub urls: Vec<String>,
    #[schema(rename = "uploadId")]
    pub upload_id: String,
}

#[derive(ToSchema)]
pub struct UploadEnvelope {
    pub success: bool,
    pub data: UploadData,
}

#[derive(ToSchema)]
pub struct RefreshData {
    pub dream: Dream,
    pub url: String,
    #[schema(rename = "uploadId")]
    pub upload_id: String,
}

#[derive(ToSchema)]
pub struct RefreshEnvelope {
    pub success: bool,
    pub data: RefreshData,
}

#[derive(ToSchema)]
pub struct JobsData {
    pub jobs: Vec<String>,
}

#[derive(ToSchema)]
pub struct JobsEnvelope {
    pub success: bool,
    pub data: JobsData,
}

/// `POST /dream/create-multipart-upload`.
#[derive(ToSchema)]
pub struct CreateUploadBody {
    /// Replace the video of this existing dream.
    pub uuid: Option<uuid::Uuid>,
    pub name: Option<String>,
    /// A video extension.
    pub extension: String,
    /// 1..10000.
    pub parts: i64,
    pub description: Option<String>,
    #[schema(rename = "sourceUrl")]
    pub source_url: Option<String>,
    pub nsfw: Option<bool>,
    /// Admins only.
    pub hidden: Option<bool>,
    #[schema(rename = "ccbyLicense")]
    pub ccby_license: Option<bool>,
}

/// `POST /dream/:uuid/create-multipart-upload` (and the target fields of refresh/complete).
#[derive(ToSchema)]
pub struct CreateDreamUploadBody {
    /// thumbnail, filmstrip or dream.
    #[schema(rename = "type")]
    pub kind: String,
    pub extension: String,
    pub parts: i64,
    /// Required iff `type` is filmstrip.
    #[schema(rename = "frameNumber")]
    pub frame_number: Option<f64>,
    /// Only for `type` dream.
    pub processed: Option<bool>,
}

#[derive(ToSchema)]
pub struct RefreshBody {
    #[schema(rename = "uploadId")]
    pub upload_id: String,
    #[schema(rename = "type")]
    pub kind: String,
    pub part: i64,
    pub extension: String,
    #[schema(rename = "frameNumber")]
    pub frame_number: Option<f64>,
    pub processed: Option<bool>,
}

#[derive(ToSchema)]
pub struct CompletedPart {
    /// With or without surrounding quotes.
    #[schema(rename = "ETag")]
    pub etag: String,
    #[schema(rename = "PartNumber")]
    pub part_number: i64,
}

#[derive(ToSchema)]
pub struct CompleteBody {
    #[schema(rename = "type")]
    pub kind: String,
    pub extension: String,
    #[schema(rename = "uploadId")]
    pub upload_id: String,
    pub parts: Vec<CompletedPart>,
    #[schema(rename = "frameNumber")]
    pub frame_number: Option<f64>,
    pub processed: Option<bool>,
    /// Only for `type` dream.
    pub name: Option<String>,
}

#[derive(ToSchema)]
pub struct AbortBody {
    pub extension: String,
    #[schema(rename = "uploadId")]
    pub upload_id: String,
}

/// `PUT /dream/:uuid`: only these keys are written.
#[derive(ToSchema)]
pub struct UpdateDreamBody {
    pub name: Option<String>,
    #[schema(rename = "activityLevel")]
    pub activity_level: Option<f64>,
    /// Admins only (ignored otherwise).
    #[schema(rename = "featureRank")]
    pub feature_rank: Option<i32>,
    /// A user id; admins only (ignored otherwise).
    #[schema(rename = "displayedOwner")]
    pub displayed_owner: Option<i32>,
    pub description: Option<String>,
    #[schema(rename = "sourceUrl")]
    pub source_url: Option<String>,
    pub nsfw: Option<bool>,
    /// Admins only (400 otherwise).
    pub hidden: Option<bool>,
    #[schema(rename = "ccbyLicense")]
    pub ccby_license: Option<bool>,
    #[schema(rename = "startKeyframe")]
    pub start_keyframe: Option<uuid::Uuid>,
    #[schema(rename = "endKeyframe")]
    pub end_keyframe: Option<uuid::Uuid>,
}

#[derive(ToSchema)]
pub struct ProcessedBody {
    #[schema(rename = "activityLevel")]
    pub activity_level: Option<f64>,
    #[schema(rename = "processedVideoFPS")]
    pub processed_video_fps: Option<f64>,
    #[schema(rename = "processedVideoFrames")]
    pub processed_video_frames: Option<i64>,
    #[schema(rename = "processedVideoSize")]
    pub processed_video_size: Option<i64>,
    /// Frame numbers.
    pub filmstrip: Option<Vec<i64>>,
    pub md5: Option<String>,
}

/// At least one of `progress`, `status`.
#[derive(ToSchema)]
pub struct ProgressBody {
    /// 0..100.
    pub progress: Option<f64>,
    pub countdown_ms: Option<i64>,
    pub status: Option<String>,
    #[schema(rename = "jobId")]
    pub job_id: Option<String>,
}

/// `multipart/form-data` with an image in `file` (≤ DIRECT_UPLOAD_MAX_BYTES).
#[derive(ToSchema)]
pub struct ImageForm {
    #[schema(value_type = Option<String>, format = Binary)]
    pub file: Option<Vec<u8>>,
}

#[derive(ToSchema)]
pub struct Banner {
    pub message: String,
}

/// Health: `success` = db && redis; message ok, degraded or draining.
#[derive(ToSchema)]
pub struct HealthEnvelope {
    pub success: bool,
    pub message: String,
    #[schema(value_type = Object)]
    pub data: Value,
}

/// `{user: FullUser}` (the caller's own account, email included).
#[derive(ToSchema)]
pub struct UserEnvelope {
    pub success: bool,
    #[schema(value_type = Object)]
    pub data: Value,
}

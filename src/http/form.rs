//! Form uploads through the API (`storage-and-jobs.md` §3.2): `multipart/form-data`
//! with one field `file`, at most `DIRECT_UPLOAD_MAX_BYTES`, whose original file name
//! must carry an image extension. A request without a file (or not a form at all)
//! yields `None`: the caller clears the column.

use actix_multipart::Multipart;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::error::ApiError;
use crate::storage::keys::{is_image_extension, normalise_extension, IMAGE_EXTENSIONS};

/// An uploaded image: bytes and its lower-cased extension.
pub struct FormFile {
    pub bytes: Vec<u8>,
    pub extension: String,
}

fn not_allowed() -> ApiError {
    ApiError::BadRequest(format!("File type not allowed. Allowed extensions: {}", IMAGE_EXTENSIONS.join(", ")))
}

/// Reads the `file` field; other fields are drained and ignored.
pub async fn read_image(
    req: &HttpRequest,
    payload: web::Payload,
    max_bytes: usize,
) -> Result<Option<FormFile>, ApiError> {
    let is_form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_form {
        return Ok(None);
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut found = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| ApiError::BadRequest(format!("Invalid form data: {e}")))?;
        let disposition = field.content_disposition().cloned();
        let name = disposition.as_ref().and_then(|d| d.get_name()).unwrap_or("");
        if name != "file" || found.is_some() {
            while let Some(chunk) = field.next().await {
                chunk.map_err(|e| ApiError::BadRequest(format!("Invalid form data: {e}")))?;
            }
            continue;
        }
        let filename = disposition.as_ref().and_then(|d| d.get_filename()).unwrap_or("");
        let extension = filename.rsplit_once('.').map(|(_, e)| normalise_extension(e)).unwrap_or_default();
        if !is_image_extension(&extension) {
            return Err(not_allowed());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("Invalid form data: {e}")))?;
            if bytes.len() + chunk.len() > max_bytes {
                return Err(ApiError::BadRequest("File too large".into()));
            }
            bytes.extend_from_slice(&chunk);
        }
        found = Some(FormFile { bytes, extension });
    }
    Ok(found)
}

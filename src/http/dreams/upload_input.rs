//! Upload request bodies (`rest-api.md` §9): which object an upload targets (type,
//! extension, filmstrip frame, processed flag), the `parts` list of a completion, the
//! limits, and how storage failures map to client errors.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ApiError, Violation};
use crate::http::validate::Check;
use crate::storage::{keys, StorageError};

/// The storage's part-number limit.
pub(super) const MAX_PARTS: i64 = 10_000;
/// Stored names are cut to this many characters.
const NAME_MAX: usize = 1000;
const TYPES: &[&str] = &["thumbnail", "filmstrip", "dream"];

/// Maps storage failures: unknown upload → 404, rejected parts → 400, else 500.
pub(crate) fn storage_error(e: StorageError) -> ApiError {
    match e.code.as_deref() {
        Some("NoSuchUpload") => ApiError::NotFound,
        Some("InvalidPart" | "InvalidPartOrder" | "EntityTooSmall") => {
            tracing::warn!(error = %e, "upload completion rejected by storage");
            ApiError::BadRequest("Invalid upload parts.".into())
        }
        _ => ApiError::internal(e),
    }
}

pub(super) fn truncate(name: String) -> String {
    name.chars().take(NAME_MAX).collect()
}

fn video_extensions_message() -> String {
    format!("{{}} must be one of [{}]", keys::VIDEO_EXTENSIONS.join(", "))
}

/// `extension` that must be a video extension.
pub(super) fn video_extension(c: &mut Check<'_>) -> Option<String> {
    let ext = c.string("extension", true, None, false)?;
    if keys::is_video_extension(&ext) {
        Some(keys::normalise_extension(&ext))
    } else {
        c.fail("extension", &video_extensions_message());
        None
    }
}

/// What object an upload writes: type, extension, filmstrip frame, processed flag.
pub(super) struct Target {
    pub kind: String,
    pub extension: String,
    pub frame: Option<String>,
    pub processed: bool,
}

impl Target {
    pub fn parse(c: &mut Check<'_>, type_required: bool) -> Option<Target> {
        let kind = c.one_of("type", type_required, TYPES);
        let ext = c.string("extension", true, None, false);
        if let Some(e) = &ext {
            if !keys::is_video_extension(e) && !keys::is_image_extension(e) {
                let all: Vec<&str> = keys::VIDEO_EXTENSIONS.iter().chain(keys::IMAGE_EXTENSIONS).copied().collect();
                c.fail("extension", &format!("{{}} must be one of [{}]", all.join(", ")));
            }
        }
        let kind_str = kind.clone().unwrap_or_else(|| "dream".into());
        let frame = if kind_str == "filmstrip" {
            c.number("frameNumber", true).map(|n| n.text)
        } else {
            c.forbid("frameNumber");
            None
        };
        let processed = if kind_str == "dream" {
            c.boolean("processed", false).unwrap_or(false)
        } else {
            c.forbid("processed");
            false
        };
        Some(Target { kind: kind_str, extension: keys::normalise_extension(&ext?), frame, processed })
    }

    pub fn key(&self, owner: &str, dream: Uuid) -> String {
        match self.kind.as_str() {
            "thumbnail" => keys::multipart_thumbnail(owner, dream, &self.extension),
            "filmstrip" => keys::filmstrip_frame(owner, dream, self.frame.as_deref().unwrap_or("0"), &self.extension),
            _ if self.processed => keys::processed_video(owner, dream, &self.extension),
            _ => keys::original_video(owner, dream, &self.extension),
        }
    }
}

/// `parts`: a non-empty array of `{ETag, PartNumber}` with distinct part numbers,
/// returned sorted by part number.
pub(crate) fn parse_parts(c: &mut Check<'_>, body: &Map<String, Value>) -> Option<Vec<(i32, String)>> {
    let Some(v) = body.get("parts") else {
        c.fail("parts", "{} is required");
        return None;
    };
    let Some(items) = v.as_array() else {
        c.fail("parts", "{} must be an array");
        return None;
    };
    if items.is_empty() {
        c.fail("parts", "{} must contain at least 1 items");
        return None;
    }
    let mut parts = Vec::with_capacity(items.len());
    let before = c.violations.len();
    for (i, item) in items.iter().enumerate() {
        let idx = i.to_string();
        let push =
            |c: &mut Check<'_>, key: &str, t: &str| c.violations.push(Violation::new("body", &["parts", &idx, key], t));
        let Some(obj) = item.as_object() else {
            c.violations.push(Violation::new("body", &["parts", &idx], "{} must be of type object"));
            continue;
        };
        let etag = match obj.get("ETag") {
            Some(Value::String(s)) if !s.trim_matches('"').is_empty() => Some(s.clone()),
            Some(Value::String(_)) => {
                push(c, "ETag", "{} is not allowed to be empty");
                None
            }
            Some(_) => {
                push(c, "ETag", "{} must be a string");
                None
            }
            None => {
                push(c, "ETag", "{} is required");
                None
            }
        };
        let number = match obj.get("PartNumber").and_then(crate::http::validate::coerce_number) {
            Some(n) if n.value.fract() == 0.0 && (1.0..=MAX_PARTS as f64).contains(&n.value) => Some(n.value as i32),
            Some(_) => {
                push(c, "PartNumber", "{} must be an integer between 1 and 10000");
                None
            }
            None if obj.contains_key("PartNumber") => {
                push(c, "PartNumber", "{} must be a number");
                None
            }
            None => {
                push(c, "PartNumber", "{} is required");
                None
            }
        };
        if let (Some(n), Some(e)) = (number, etag) {
            parts.push((n, e));
        }
    }
    if c.violations.len() > before {
        return None;
    }
    parts.sort_by_key(|(n, _)| *n);
    if parts.windows(2).any(|w| w[0].0 == w[1].0) {
        c.fail("parts", "{} contains a duplicate value");
        return None;
    }
    Some(parts)
}

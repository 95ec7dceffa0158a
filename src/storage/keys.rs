//! Object keys, allowed extensions and content types (`storage-and-jobs.md` §2).
//!
//! Keys always use the **owner's** storage identifier (`cognito_id` for legacy
//! accounts, else the user's uuid), whoever makes the request, so admins acting on other
//! people's content never write under their own prefix.

use uuid::Uuid;

pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "avi", "mov", "wmv", "mkv", "flv", "mpeg", "webm", "ogv", "3gp", "3g2", "h264", "hevc", "divx", "xvid",
    "avchd",
];

pub const IMAGE_EXTENSIONS: &[&str] =
    &["jpg", "jpeg", "png", "gif", "bmp", "webp", "tiff", "svg", "ico", "heif", "heic"];

/// Extensions compare case-insensitively and are used lower-cased.
pub fn normalise_extension(ext: &str) -> String {
    ext.trim().to_ascii_lowercase()
}

pub fn is_video_extension(ext: &str) -> bool {
    VIDEO_EXTENSIONS.contains(&normalise_extension(ext).as_str())
}

pub fn is_image_extension(ext: &str) -> bool {
    IMAGE_EXTENSIONS.contains(&normalise_extension(ext).as_str())
}

/// Content type stored with an object, from its extension.
pub fn content_type(ext: &str) -> &'static str {
    match normalise_extension(ext).as_str() {
        "mp4" => "video/mp4",
        "avi" => "video/x-msvideo",
        "mov" => "video/quicktime",
        "wmv" => "video/x-ms-wmv",
        "mkv" => "video/x-matroska",
        "flv" => "video/x-flv",
        "mpeg" | "mpg" => "video/mpeg",
        "webm" => "video/webm",
        "ogv" => "video/ogg",
        "3gp" => "video/3gpp",
        "3g2" => "video/3gpp2",
        "h264" => "video/h264",
        "hevc" => "video/hevc",
        "divx" => "video/divx",
        "xvid" => "video/xvid",
        "avchd" => "video/avchd",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "webp" => "image/webp",
        "tiff" | "tif" => "image/tiff",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "heif" => "image/heif",
        "heic" => "image/heic",
        _ => "application/octet-stream",
    }
}

/// The storage identifier of a user: `cognito_id` when set, else the uuid.
pub fn storage_id(cognito_id: Option<&str>, uuid: Uuid) -> String {
    match cognito_id.filter(|c| !c.is_empty()) {
        Some(c) => c.to_string(),
        None => uuid.to_string(),
    }
}

/// `<owner>/<dream>/<dream>.<ext>`: the original video (and the form-uploaded thumbnail).
pub fn original_video(owner: &str, dream: Uuid, ext: &str) -> String {
    format!("{owner}/{dream}/{dream}.{}", normalise_extension(ext))
}

/// `<owner>/<dream>/<dream>_processed.<ext>`.
pub fn processed_video(owner: &str, dream: Uuid, ext: &str) -> String {
    format!("{owner}/{dream}/{dream}_processed.{}", normalise_extension(ext))
}

/// `<owner>/<dream>/thumbnails/<dream>.<ext>` (multipart thumbnail).
pub fn multipart_thumbnail(owner: &str, dream: Uuid, ext: &str) -> String {
    format!("{owner}/{dream}/thumbnails/{dream}.{}", normalise_extension(ext))
}

/// `<owner>/<dream>/filmstrip/frame-<n>.<ext>`.
pub fn filmstrip_frame(owner: &str, dream: Uuid, frame: &str, ext: &str) -> String {
    format!("{owner}/{dream}/filmstrip/frame-{frame}.{}", normalise_extension(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_compare_case_insensitively() {
        assert!(is_video_extension("MP4"));
        assert!(is_image_extension("Jpeg"));
        assert!(!is_video_extension("jpg"));
        assert!(!is_image_extension("exe"));
        assert_eq!(content_type("MOV"), "video/quicktime");
        assert_eq!(content_type("zzz"), "application/octet-stream");
    }

    #[test]
    fn keys_use_the_owner_prefix_and_lower_case_extensions() {
        let d = Uuid::nil();
        assert_eq!(original_video("o", d, "MP4"), format!("o/{d}/{d}.mp4"));
        assert_eq!(processed_video("o", d, "mp4"), format!("o/{d}/{d}_processed.mp4"));
        assert_eq!(multipart_thumbnail("o", d, "png"), format!("o/{d}/thumbnails/{d}.png"));
        assert_eq!(filmstrip_frame("o", d, "3", "jpg"), format!("o/{d}/filmstrip/frame-3.jpg"));
        assert_eq!(storage_id(Some("cog"), d), "cog");
        assert_eq!(storage_id(None, d), d.to_string());
    }
}

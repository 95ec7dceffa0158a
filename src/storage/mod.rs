//! Object storage through aws-sdk-s3 (`storage-and-jobs.md` §1–§4).
//!
//! Two clients share the credentials: `client` talks to `S3_ENDPOINT` (object
//! operations), `presigner` carries `S3_PUBLIC_ENDPOINT` when set, because presigned
//! URLs are fetched by browsers and players that may not reach the internal address.
//! Presigning is local computation (no network). Request checksums are only computed
//! when an operation requires them: otherwise the SDK would bind a checksum of an empty
//! body into presigned part URLs and every real part upload would fail. Part URLs sign
//! only the `host` header, so any `Content-Type` a client sends is accepted. Nothing is
//! ever deleted from the bucket by the server.
//!
//! Read URLs are presigned once per object and reused for a tenth of their lifetime
//! ([`ReadUrls`]): a dream list presigns several URLs per dream, and presigning through
//! the SDK costs far more than the rest of the request.

pub mod keys;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;

use crate::config::StorageSettings;

#[derive(Debug, thiserror::Error)]
#[error("storage: {message}")]
pub struct StorageError {
    /// The S3 error code when storage answered one (`NoSuchUpload`, `InvalidPart`, …).
    pub code: Option<String>,
    pub message: String,
}

fn err(e: impl std::fmt::Display) -> StorageError {
    StorageError { code: None, message: e.to_string() }
}

fn sdk_err<E, R>(e: aws_sdk_s3::error::SdkError<E, R>) -> StorageError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = e.code().map(str::to_string);
    StorageError { code, message: aws_sdk_s3::error::DisplayErrorContext(e).to_string() }
}

#[derive(Clone)]
pub struct Storage {
    client: Client,
    presigner: Client,
    bucket: String,
    public_base_url: Option<String>,
    upload_ttl: Duration,
    read_urls: Arc<ReadUrls>,
}

/// The longest lifetime SigV4 allows a presigned URL.
const SIGV4_MAX: Duration = Duration::from_secs(7 * 24 * 3600);
/// Cached read URLs at most (a few hundred bytes each); beyond, stale ones are dropped
/// and, if that is not enough, all of them.
const READ_URLS_MAX: usize = 20_000;

/// Presigned read URLs by object key. A URL is signed valid for `ttl + reuse` and served
/// for at most `reuse` after signing, so every URL handed out is valid for at least `ttl`
/// (`READ_URL_TTL_SECS`) from the moment it is served, as without the cache.
struct ReadUrls {
    ttl: Duration,
    reuse: Duration,
    map: Mutex<HashMap<String, (Arc<str>, Instant)>>,
}

impl ReadUrls {
    fn new(ttl: Duration) -> ReadUrls {
        // A tenth of the lifetime, within SigV4's limit (no reuse when ttl is at it).
        let reuse = (ttl / 10).min(SIGV4_MAX.saturating_sub(ttl));
        ReadUrls { ttl, reuse, map: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Arc<str>, Instant)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What presigning should ask for.
    fn sign_for(&self) -> Duration {
        self.ttl + self.reuse
    }

    fn get(&self, key: &str, now: Instant) -> Option<Arc<str>> {
        let map = self.lock();
        let (url, signed) = map.get(key)?;
        (now.saturating_duration_since(*signed) < self.reuse).then(|| url.clone())
    }

    fn put(&self, key: &str, url: Arc<str>, signed: Instant) {
        if self.reuse.is_zero() {
            return;
        }
        let mut map = self.lock();
        if map.len() >= READ_URLS_MAX && !map.contains_key(key) {
            let reuse = self.reuse;
            map.retain(|_, (_, at)| signed.saturating_duration_since(*at) < reuse);
            if map.len() >= READ_URLS_MAX {
                map.clear();
            }
        }
        map.insert(key.to_string(), (url, signed));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

fn build_client(s: &StorageSettings, endpoint: Option<&str>) -> Client {
    let credentials = Credentials::new(&s.access_key_id, &s.secret_access_key, None, None, "settings");
    let mut b = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(s.region.clone()))
        .credentials_provider(credentials)
        .force_path_style(s.force_path_style)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
    if let Some(ep) = endpoint {
        b = b.endpoint_url(ep);
    }
    Client::from_conf(b.build())
}

impl Storage {
    pub fn new(s: &StorageSettings) -> Storage {
        if s.bucket.is_empty() {
            tracing::warn!("S3_BUCKET is not set: uploads will fail");
        }
        let client = build_client(s, s.endpoint.as_deref());
        let presigner = match &s.public_endpoint {
            Some(public) => build_client(s, Some(public)),
            None => client.clone(),
        };
        Storage {
            client,
            presigner,
            bucket: s.bucket.clone(),
            public_base_url: s.public_base_url.clone(),
            upload_ttl: s.upload_url_ttl,
            read_urls: Arc::new(ReadUrls::new(s.read_url_ttl)),
        }
    }

    fn presigning(ttl: Duration) -> Result<PresigningConfig, StorageError> {
        PresigningConfig::expires_in(ttl).map_err(err)
    }

    /// Starts a multipart upload and returns its id.
    pub async fn create_multipart(&self, key: &str, content_type: &str) -> Result<String, StorageError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(sdk_err)?;
        out.upload_id().map(str::to_string).ok_or_else(|| err("no upload id returned"))
    }

    /// A presigned `UploadPart` URL (only `host` signed).
    pub async fn part_url(&self, key: &str, upload_id: &str, part: i32) -> Result<String, StorageError> {
        let req = self
            .presigner
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part)
            .presigned(Self::presigning(self.upload_ttl)?)
            .await
            .map_err(err)?;
        Ok(req.uri().to_string())
    }

    /// Presigned URLs for parts `1..=parts`.
    pub async fn part_urls(&self, key: &str, upload_id: &str, parts: i32) -> Result<Vec<String>, StorageError> {
        let mut urls = Vec::with_capacity(usize::try_from(parts).unwrap_or(0));
        for part in 1..=parts {
            urls.push(self.part_url(key, upload_id, part).await?);
        }
        Ok(urls)
    }

    /// False only when storage says the upload does not exist (`ListParts` probe).
    async fn upload_missing(&self, key: &str, upload_id: &str) -> bool {
        let probe =
            self.client.list_parts().bucket(&self.bucket).key(key).upload_id(upload_id).max_parts(1).send().await;
        matches!(probe, Err(e) if e.code() == Some("NoSuchUpload"))
    }

    /// Completes an upload; `parts` are (number, ETag) sorted by number, ETags quoted.
    /// When storage fails without a usable error code (some emulators answer 500 for an
    /// unknown upload id), a `ListParts` probe tells an unknown upload (`NoSuchUpload`)
    /// apart from a storage failure.
    pub async fn complete(&self, key: &str, upload_id: &str, parts: &[(i32, String)]) -> Result<(), StorageError> {
        let parts = parts
            .iter()
            .map(|(n, etag)| CompletedPart::builder().part_number(*n).e_tag(quote_etag(etag)).build())
            .collect();
        let result = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = sdk_err(e);
                if e.code.is_none() && self.upload_missing(key, upload_id).await {
                    return Err(StorageError { code: Some("NoSuchUpload".into()), message: e.message });
                }
                Err(e)
            }
        }
    }

    /// Aborts an upload; "no such upload" counts as done.
    pub async fn abort(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        match self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(upload_id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let no_such = e.as_service_error().is_some_and(|s| s.is_no_such_upload())
                    || e.raw_response().is_some_and(|r| r.status().as_u16() == 404);
                if no_such {
                    Ok(())
                } else {
                    Err(sdk_err(e))
                }
            }
        }
    }

    /// Stores a small object (form uploads).
    pub async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        cache_control: &str,
    ) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .cache_control(cache_control)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    /// The read URL of a stored value (§4): absolute URLs unchanged, else the public base
    /// URL, else a presigned GetObject URL valid at least `READ_URL_TTL_SECS` (reused
    /// from [`ReadUrls`] when one was signed recently). Presigning cannot fail for valid
    /// settings; if it does, the raw key is returned and the cause logged.
    pub async fn read_url(&self, value: &str) -> String {
        if value.starts_with("http://") || value.starts_with("https://") {
            return value.to_string();
        }
        if let Some(base) = &self.public_base_url {
            return format!("{base}/{value}");
        }
        let signed = Instant::now();
        if let Some(url) = self.read_urls.get(value, signed) {
            return url.to_string();
        }
        let presigned = async {
            self.presigner
                .get_object()
                .bucket(&self.bucket)
                .key(value)
                .presigned(Self::presigning(self.read_urls.sign_for())?)
                .await
                .map_err(err)
        };
        match presigned.await {
            Ok(req) => {
                let url = req.uri().to_string();
                self.read_urls.put(value, url.as_str().into(), signed);
                url
            }
            Err(e) => {
                tracing::error!(error = %e, "read URL presigning failed");
                value.to_string()
            }
        }
    }
}

/// ETags go to storage wrapped in double quotes; clients may have stripped them.
pub fn quote_etag(etag: &str) -> String {
    let t = etag.trim().trim_matches('"');
    format!("\"{t}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_url_is_reused_for_a_tenth_of_its_lifetime_and_signed_for_that_much_longer() {
        let urls = ReadUrls::new(Duration::from_secs(3600));
        assert_eq!(urls.sign_for(), Duration::from_secs(3960));
        let t0 = Instant::now();
        urls.put("k", "u1".into(), t0);
        assert_eq!(urls.get("k", t0 + Duration::from_secs(359)).as_deref(), Some("u1"));
        assert_eq!(urls.get("k", t0 + Duration::from_secs(360)), None, "re-signed after the reuse window");
        assert_eq!(urls.get("other", t0), None);
    }

    #[test]
    fn read_urls_respect_the_sigv4_limit_and_their_bound() {
        let week = ReadUrls::new(SIGV4_MAX);
        assert_eq!(week.sign_for(), SIGV4_MAX, "never signed beyond seven days");
        week.put("k", "u".into(), Instant::now());
        assert_eq!(week.get("k", Instant::now()), None, "no reuse when the lifetime is at the limit");

        let urls = ReadUrls::new(Duration::from_secs(600));
        let t0 = Instant::now();
        for i in 0..READ_URLS_MAX {
            urls.put(&format!("old{i}"), "u".into(), t0);
        }
        // Stale entries make room first.
        let later = t0 + Duration::from_secs(61);
        urls.put("fresh", "f".into(), later);
        assert_eq!(urls.len(), 1);
        assert_eq!(urls.get("fresh", later).as_deref(), Some("f"));
        // A full map of fresh entries is emptied rather than grown.
        for i in 0..READ_URLS_MAX {
            urls.put(&format!("new{i}"), "u".into(), later);
        }
        assert!(urls.len() <= READ_URLS_MAX);
    }

    fn settings(public_base_url: Option<&str>) -> StorageSettings {
        StorageSettings {
            endpoint: Some("http://127.0.0.1:1".into()),
            public_endpoint: None,
            region: "auto".into(),
            access_key_id: "a".into(),
            secret_access_key: "s".into(),
            bucket: "b".into(),
            force_path_style: true,
            public_base_url: public_base_url.map(str::to_string),
            upload_url_ttl: Duration::from_secs(1800),
            read_url_ttl: Duration::from_secs(3600),
            direct_upload_max_bytes: 1,
        }
    }

    #[tokio::test]
    async fn read_urls_follow_the_public_base_and_legacy_rules() {
        let s = Storage::new(&settings(Some("https://cdn.example.com")));
        assert_eq!(s.read_url("u/d/d.mp4").await, "https://cdn.example.com/u/d/d.mp4");
        assert_eq!(s.read_url("https://legacy/x.mp4").await, "https://legacy/x.mp4");
        let s = Storage::new(&settings(None));
        let url = s.read_url("u/d/d.mp4").await;
        // READ_URL_TTL_SECS (3600) plus the tenth it may be reused for.
        assert!(url.starts_with("http://127.0.0.1:1/b/u/d/d.mp4?") && url.contains("X-Amz-Expires=3960"), "{url}");
        assert_eq!(s.read_url("u/d/d.mp4").await, url, "reused");
        assert_ne!(s.read_url("u/d/other.mp4").await, url);
    }

    #[tokio::test]
    async fn part_urls_sign_only_the_host_header() {
        let s = Storage::new(&settings(None));
        let url = s.part_url("k", "up", 3).await.unwrap_or_default();
        assert!(url.contains("partNumber=3") && url.contains("uploadId=up"), "{url}");
        assert!(url.contains("X-Amz-SignedHeaders=host&") || url.ends_with("X-Amz-SignedHeaders=host"), "{url}");
        assert!(!url.contains("x-amz-checksum") && !url.contains("x-amz-sdk-checksum"), "{url}");
    }

    #[test]
    fn etags_are_quoted_exactly_once() {
        assert_eq!(quote_etag("abc"), "\"abc\"");
        assert_eq!(quote_etag("\"abc\""), "\"abc\"");
    }
}

//! Typed settings read from the environment (and `.env` when present, loaded by `main`).
//!
//! Every variable, its default and its meaning is listed in the README's environment
//! table; keep the two in step. Settings are read once at start; nothing re-reads the
//! environment later, so tests can build `Settings` from a map.

use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Production,
    Stage,
    Development,
    Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Who a static (`API_KEYS`) key belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum StaticKeyOwner {
    Id(i32),
    Uuid(Uuid),
}

#[derive(Clone, PartialEq)]
pub struct StaticApiKey {
    pub owner: StaticKeyOwner,
    pub key: String,
}

impl std::fmt::Debug for StaticApiKey {
    // Never print the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticApiKey").field("owner", &self.owner).field("key", &"<redacted>").finish()
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub app_version: String,
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub database_url: String,
    pub database_pool_size: usize,
    /// Bound of one database operation (checkout and queries); `None` = unbounded.
    pub database_timeout: Option<Duration>,
    pub redis_url: Option<String>,
    pub redis_pool_size: u32,
    pub redis_prefix: String,
    pub instance_id: String,
    /// Internal base URL of this instance, for forwarding long-polling requests.
    pub instance_advertise_addr: Option<String>,
    pub frontend_url: String,
    pub auth_url: String,
    pub cors_allowed_origins: Vec<String>,
    pub cors_allowed_origin_suffixes: Vec<String>,
    pub request_timeout: Duration,
    pub drain_delay: Duration,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    pub migrate_on_start: bool,
    pub api_keys: Vec<StaticApiKey>,
    /// Bearer token required to scrape `/metrics` (open when unset).
    pub metrics_token: Option<String>,
    /// `METRICS_ADDR` (`host:port`): serve `/metrics` on this separate listener only.
    pub metrics_addr: Option<String>,
    /// Recipient of report emails (reports are not emailed when unset).
    pub ops_email: Option<String>,
    /// Curated playlist whose dream items open every default playlist (`DESIGNED_PLAYLIST_UUID`).
    pub designed_playlist_uuid: Option<Uuid>,
    /// Per-socket and per-instance abuse limits.
    pub socket_limits: infinidream_actors::session::Limits,
    /// Engine.IO sessions one instance accepts; new handshakes beyond get 503.
    pub max_connections: usize,
    /// Length of the listening socket's accept queue (`LISTEN_BACKLOG`; the kernel caps
    /// it at `net.core.somaxconn`).
    pub listen_backlog: u32,
    /// Lease of a presence entry in Redis; refreshed every third of it.
    pub presence_lease: Duration,
    /// Maximum JSON request body (the reference's 100 kB).
    pub json_body_limit: usize,
    /// Sessions, codes, cookies, OIDC, abuse limits (`crate::auth::settings`).
    pub auth: crate::auth::settings::AuthSettings,
    /// SMTP or the log transport (`crate::email`).
    pub email: crate::email::EmailSettings,
    /// Object storage and upload/read presigning (`storage-and-jobs.md` §1–§4).
    pub storage: StorageSettings,
    /// The external video-processing service (`storage-and-jobs.md` §5).
    pub processing: ProcessingSettings,
}

/// `S3_*`, `STORAGE_PUBLIC_BASE_URL`, `UPLOAD_URL_TTL_SECS`, `READ_URL_TTL_SECS`,
/// `DIRECT_UPLOAD_MAX_BYTES`. Credentials are optional here so that a server without
/// storage still starts (uploads then fail with 500 and the cause is logged).
#[derive(Clone)]
pub struct StorageSettings {
    pub endpoint: Option<String>,
    pub public_endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub bucket: String,
    pub force_path_style: bool,
    pub public_base_url: Option<String>,
    pub upload_url_ttl: Duration,
    pub read_url_ttl: Duration,
    pub direct_upload_max_bytes: usize,
}

impl std::fmt::Debug for StorageSettings {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSettings")
            .field("endpoint", &self.endpoint)
            .field("public_endpoint", &self.public_endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("force_path_style", &self.force_path_style)
            .field("secret_access_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// `PROCESSING_*`: where and how to hand uploaded videos over.
#[derive(Clone)]
pub struct ProcessingSettings {
    pub service_url: Option<String>,
    pub api_key: Option<String>,
    pub timeout: Duration,
    pub queue_key: String,
}

impl std::fmt::Debug for ProcessingSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessingSettings")
            .field("service_url", &self.service_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("queue_key", &self.queue_key)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// A random string of `len` base64url characters (instance ids, Engine.IO ids, request
/// ids): the actors crate's generator, ten characters per 64-bit draw.
pub fn random_b64url(len: usize) -> String {
    infinidream_actors::ids::random_id(len)
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Settings::from_map(&vars)
    }

    /// Reads settings from any map (tests build one per app).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Settings, ConfigError> {
        let get = |k: &str| vars.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let parse = |k: &str, default: u64| -> Result<u64, ConfigError> {
            match get(k) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| ConfigError(format!("{k} must be a non-negative integer, got {v:?}"))),
            }
        };
        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some("stage") => AppEnv::Stage,
            Some("test") => AppEnv::Test,
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_ENV must be production, stage, development or test, got {other:?}"
                )))
            }
        };
        let database_url = get("DATABASE_URL").ok_or_else(|| ConfigError("DATABASE_URL is required".into()))?;
        let frontend_url = match get("FRONTEND_URL") {
            Some(u) => u.trim_end_matches('/').to_string(),
            None if app_env == AppEnv::Production => {
                return Err(ConfigError("FRONTEND_URL is required in production".into()))
            }
            None => "http://localhost:3000".to_string(),
        };
        let instance_id = match get("INSTANCE_ID") {
            Some(id) if id.len() == 8 && infinidream_actors::ids::is_b64url(&id) => id,
            Some(id) => return Err(ConfigError(format!("INSTANCE_ID must be 8 base64url characters, got {id:?}"))),
            None => random_b64url(8),
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            None if app_env == AppEnv::Production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some(other) => return Err(ConfigError(format!("LOG_FORMAT must be json or pretty, got {other:?}"))),
        };
        let list = |k: &str, default: &str| -> Vec<String> {
            get(k)
                .unwrap_or_else(|| default.to_string())
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let port = parse("PORT", 8080)?;
        let port = u16::try_from(port).map_err(|_| ConfigError(format!("PORT out of range: {port}")))?;
        Ok(Settings {
            app_env,
            app_version: get("APP_VERSION").unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
            host: get("HOST").or_else(|| get("BIND_ADDR")).unwrap_or_else(|| "127.0.0.1".to_string()),
            port,
            workers: parse("WORKERS", 0)? as usize,
            database_url,
            database_pool_size: parse("DATABASE_POOL_SIZE", 16)? as usize,
            database_timeout: Some(parse("DATABASE_TIMEOUT_SECS", 15)?).filter(|s| *s > 0).map(Duration::from_secs),
            redis_url: get("REDIS_URL"),
            redis_pool_size: parse("REDIS_POOL_SIZE", 16)? as u32,
            redis_prefix: get("REDIS_PREFIX").unwrap_or_default(),
            instance_id,
            instance_advertise_addr: get("INSTANCE_ADVERTISE_ADDR").map(|a| a.trim_end_matches('/').to_string()),
            auth_url: get("AUTH_URL").unwrap_or_else(|| format!("{frontend_url}/signin")),
            frontend_url,
            cors_allowed_origins: list("CORS_ALLOWED_ORIGINS", ""),
            cors_allowed_origin_suffixes: list("CORS_ALLOWED_ORIGIN_SUFFIXES", "netlify.app,e-dream.ai,infinidream.ai"),
            request_timeout: Duration::from_secs(parse("REQUEST_TIMEOUT_SECS", 30)?),
            drain_delay: Duration::from_secs(parse("DRAIN_DELAY_SECS", 0)?),
            shutdown_timeout: Duration::from_secs(parse("SHUTDOWN_TIMEOUT_SECS", 10)?),
            log_format,
            migrate_on_start: !matches!(get("MIGRATE_ON_START").as_deref(), Some("false" | "0" | "no")),
            api_keys: parse_api_keys(get("API_KEYS").as_deref())?,
            ops_email: get("OPS_EMAIL"),
            designed_playlist_uuid: match get("DESIGNED_PLAYLIST_UUID") {
                None => None,
                Some(v) => Some(
                    infinidream_actors::remote::guid::parse_guid(&v)
                        .ok_or_else(|| ConfigError(format!("DESIGNED_PLAYLIST_UUID must be a uuid, got {v:?}")))?,
                ),
            },
            metrics_token: get("METRICS_TOKEN"),
            metrics_addr: get("METRICS_ADDR"),
            socket_limits: infinidream_actors::session::Limits {
                event_rate: parse("SOCKET_EVENT_RATE", 50)?.max(1) as f64,
                event_burst: parse("SOCKET_EVENT_BURST", 100)?.max(1) as f64,
                abuse_disconnect_after: parse("SOCKET_ABUSE_DISCONNECT_AFTER", 200)?.max(1) as u32,
                max_sockets_per_user: parse("MAX_SOCKETS_PER_USER", 50)?.max(1) as usize,
            },
            max_connections: parse("MAX_CONNECTIONS", 20_000)?.max(1) as usize,
            listen_backlog: parse("LISTEN_BACKLOG", 4096)?.clamp(1, i32::MAX as u64) as u32,
            presence_lease: Duration::from_secs(parse("PRESENCE_LEASE_SECS", 60)?.max(3)),
            json_body_limit: 100_000,
            auth: crate::auth::settings::AuthSettings::from_map(vars, app_env)?,
            email: crate::email::EmailSettings::from_map(vars, app_env)?,
            storage: StorageSettings {
                endpoint: get("S3_ENDPOINT").map(|u| u.trim_end_matches('/').to_string()),
                public_endpoint: get("S3_PUBLIC_ENDPOINT").map(|u| u.trim_end_matches('/').to_string()),
                region: get("S3_REGION").unwrap_or_else(|| "auto".to_string()),
                access_key_id: get("S3_ACCESS_KEY_ID").unwrap_or_default(),
                secret_access_key: get("S3_SECRET_ACCESS_KEY").unwrap_or_default(),
                bucket: get("S3_BUCKET").unwrap_or_default(),
                force_path_style: matches!(get("S3_FORCE_PATH_STYLE").as_deref(), Some("true" | "1" | "yes")),
                public_base_url: get("STORAGE_PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_string()),
                upload_url_ttl: Duration::from_secs(parse("UPLOAD_URL_TTL_SECS", 1800)?),
                read_url_ttl: Duration::from_secs(parse("READ_URL_TTL_SECS", 3600)?),
                direct_upload_max_bytes: parse("DIRECT_UPLOAD_MAX_BYTES", 26_214_400)? as usize,
            },
            processing: ProcessingSettings {
                service_url: get("PROCESSING_SERVICE_URL")
                    .or_else(|| get("PROCESS_VIDEO_SERVER_URL"))
                    .map(|u| u.trim_end_matches('/').to_string()),
                api_key: get("PROCESSING_SERVICE_API_KEY"),
                timeout: Duration::from_secs(parse("PROCESSING_TIMEOUT_SECS", 10)?),
                queue_key: get("PROCESSING_QUEUE_KEY").unwrap_or_else(|| "rq:queue:default".to_string()),
            },
        })
    }
}

/// `API_KEYS`: a JSON array of `{"userId": <int>, "apiKey": "<key>"}` or
/// `{"userUuid": "<uuid>", "apiKey": "<key>"}`.
fn parse_api_keys(raw: Option<&str>) -> Result<Vec<StaticApiKey>, ConfigError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let bad = |why: &str| ConfigError(format!("API_KEYS must be a JSON array of {{userId|userUuid, apiKey}}: {why}"));
    let value: serde_json::Value = serde_json::from_str(raw).map_err(|_| bad("not JSON"))?;
    let items = value.as_array().ok_or_else(|| bad("not an array"))?;
    items
        .iter()
        .map(|item| {
            let key = item
                .get("apiKey")
                .and_then(|v| v.as_str())
                .filter(|k| !k.is_empty())
                .ok_or_else(|| bad("missing apiKey"))?;
            let owner = if let Some(id) = item.get("userId").and_then(|v| v.as_i64()) {
                StaticKeyOwner::Id(i32::try_from(id).map_err(|_| bad("userId out of range"))?)
            } else if let Some(u) = item.get("userUuid").and_then(|v| v.as_str()) {
                StaticKeyOwner::Uuid(Uuid::parse_str(u).map_err(|_| bad("userUuid is not a uuid"))?)
            } else {
                return Err(bad("missing userId or userUuid"));
            };
            Ok(StaticApiKey { owner, key: key.to_string() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_apply_when_only_required_values_are_set() {
        let s = Settings::from_map(&map(&[("DATABASE_URL", "postgres://x/y")])).unwrap();
        assert_eq!(s.port, 8080);
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.instance_id.len(), 8);
        assert_eq!(s.auth_url, "http://localhost:3000/signin");
        assert_eq!(s.cors_allowed_origin_suffixes, vec!["netlify.app", "e-dream.ai", "infinidream.ai"]);
        assert!(s.migrate_on_start);
        assert!(s.redis_url.is_none());
    }

    #[test]
    fn missing_database_url_and_bad_values_are_reported() {
        assert!(Settings::from_map(&map(&[])).is_err());
        assert!(Settings::from_map(&map(&[("DATABASE_URL", "x"), ("PORT", "nope")])).is_err());
        assert!(Settings::from_map(&map(&[("DATABASE_URL", "x"), ("PORT", "70000")])).is_err());
        assert!(Settings::from_map(&map(&[("DATABASE_URL", "x"), ("APP_ENV", "prod")])).is_err());
        assert!(Settings::from_map(&map(&[("DATABASE_URL", "x"), ("INSTANCE_ID", "short")])).is_err());
    }

    #[test]
    fn database_timeout_defaults_to_15_s_and_zero_disables_it() {
        let get = |v: Option<&str>| {
            let mut pairs = vec![("DATABASE_URL", "x")];
            pairs.extend(v.map(|v| ("DATABASE_TIMEOUT_SECS", v)));
            Settings::from_map(&map(&pairs)).map(|s| s.database_timeout)
        };
        assert_eq!(get(None).unwrap(), Some(Duration::from_secs(15)));
        assert_eq!(get(Some("2")).unwrap(), Some(Duration::from_secs(2)));
        assert_eq!(get(Some("0")).unwrap(), None);
        assert!(get(Some("soon")).is_err());
    }

    #[test]
    fn designed_playlist_uuid_is_optional_and_validated() {
        assert_eq!(Settings::from_map(&map(&[("DATABASE_URL", "x")])).unwrap().designed_playlist_uuid, None);
        let s = Settings::from_map(&map(&[
            ("DATABASE_URL", "x"),
            ("DESIGNED_PLAYLIST_UUID", "{7F28A9D2-0000-4000-8000-000000000000}"),
        ]));
        assert_eq!(
            s.unwrap().designed_playlist_uuid.map(|u| u.to_string()).as_deref(),
            Some("7f28a9d2-0000-4000-8000-000000000000")
        );
        assert!(Settings::from_map(&map(&[("DATABASE_URL", "x"), ("DESIGNED_PLAYLIST_UUID", "nope")])).is_err());
    }

    #[test]
    fn api_keys_accept_both_owner_forms_and_reject_junk() {
        let keys = parse_api_keys(Some(
            r#"[{"userId":1,"apiKey":"a"},{"userUuid":"7f28a9d2-0000-4000-8000-000000000000","apiKey":"b"}]"#,
        ))
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].owner, StaticKeyOwner::Id(1));
        assert!(format!("{:?}", keys[0]).contains("redacted"));
        assert!(parse_api_keys(Some("{}")).is_err());
        assert!(parse_api_keys(Some(r#"[{"userId":1}]"#)).is_err());
        assert!(parse_api_keys(Some("not json")).is_err());
    }
}

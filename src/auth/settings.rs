//! Authentication settings (`storage-and-jobs.md` §8.2), read from the same map as the
//! rest of [`crate::config::Settings`].
//!
//! Secrets are wrapped in [`SecretBytes`] so `Settings`' `Debug` output can never print
//! them. A missing `SESSION_SECRET` is a start-up error in production; elsewhere a random
//! per-process secret is generated (sessions then die with the process, which is loudly
//! logged at start) so a developer can run the server with nothing configured.

use std::collections::HashMap;
use std::time::Duration;

use uuid::Uuid;

use crate::config::{AppEnv, ConfigError};

/// Bytes that never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(pub Vec<u8>);

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The minimum `SESSION_SECRET` length: HS256 keys shorter than the hash output weaken it.
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub audience: Option<String>,
    pub jwks_url: Option<String>,
    pub auto_create_users: bool,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretBytes>,
    pub redirect_uri: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub session_secret: SecretBytes,
    /// True when `session_secret` was generated because none was configured.
    pub session_secret_generated: bool,
    /// `SESSION_SECRET_PREVIOUS`: still accepted for verifying tokens after a key change.
    pub session_secret_previous: Option<SecretBytes>,
    pub issuer: String,
    pub access_token_ttl: Duration,
    pub session_ttl: Duration,
    pub refresh_grace: Duration,
    pub cookie_secure: bool,
    pub cookie_domain: Option<String>,
    pub code_ttl: Duration,
    pub code_max_per_hour: u32,
    pub apikey_reveal: Duration,
    pub oidc: Option<OidcSettings>,
    /// `AUTH_RATE_LIMIT_PER_IP` requests per window per client address on each auth endpoint.
    pub rate_limit_per_ip: u32,
    /// `AUTH_RATE_LIMIT_PER_ACCOUNT` requests per window per email (or session).
    pub rate_limit_per_account: u32,
    pub rate_limit_window: Duration,
    /// `TRUST_X_FORWARDED_FOR`: key per-IP limits on the last `X-Forwarded-For` hop (set it
    /// only behind a load balancer that appends that header).
    pub trust_forwarded_for: bool,
    pub sheep_playlist_uuid: Option<Uuid>,
}

impl AuthSettings {
    pub fn from_map(vars: &HashMap<String, String>, app_env: AppEnv) -> Result<AuthSettings, ConfigError> {
        let get = |k: &str| vars.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let num = |k: &str, default: u64| -> Result<u64, ConfigError> {
            match get(k) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| ConfigError(format!("{k} must be a non-negative integer, got {v:?}"))),
            }
        };
        let flag = |k: &str, default: bool| -> Result<bool, ConfigError> {
            match get(k).map(|v| v.to_ascii_lowercase()).as_deref() {
                None => Ok(default),
                Some("true" | "1" | "yes") => Ok(true),
                Some("false" | "0" | "no") => Ok(false),
                Some(v) => Err(ConfigError(format!("{k} must be true or false, got {v:?}"))),
            }
        };
        let secret = |k: &str| -> Result<Option<SecretBytes>, ConfigError> {
            match get(k) {
                Some(s) if s.len() >= MIN_SECRET_LEN => Ok(Some(SecretBytes(s.into_bytes()))),
                Some(_) => Err(ConfigError(format!("{k} must be at least {MIN_SECRET_LEN} bytes"))),
                None => Ok(None),
            }
        };
        let (session_secret, generated) = match secret("SESSION_SECRET")? {
            Some(s) => (s, false),
            None if app_env == AppEnv::Production => {
                return Err(ConfigError("SESSION_SECRET is required in production".into()))
            }
            None => (SecretBytes(crate::config::random_b64url(48).into_bytes()), true),
        };
        let oidc = match get("OIDC_ISSUER") {
            None => None,
            Some(issuer) => Some(OidcSettings {
                issuer,
                audience: get("OIDC_AUDIENCE"),
                jwks_url: get("OIDC_JWKS_URL"),
                auto_create_users: flag("OIDC_AUTO_CREATE_USERS", true)?,
                client_id: get("OIDC_CLIENT_ID"),
                client_secret: get("OIDC_CLIENT_SECRET").map(|s| SecretBytes(s.into_bytes())),
                redirect_uri: get("OIDC_REDIRECT_URI"),
            }),
        };
        let sheep_playlist_uuid = match get("SHEEP_PLAYLIST_UUID") {
            None => None,
            Some(u) => Some(Uuid::parse_str(&u).map_err(|_| ConfigError("SHEEP_PLAYLIST_UUID must be a uuid".into()))?),
        };
        let per_hour = num("AUTH_CODE_MAX_PER_HOUR", 5)?;
        Ok(AuthSettings {
            session_secret,
            session_secret_generated: generated,
            session_secret_previous: secret("SESSION_SECRET_PREVIOUS")?,
            issuer: get("AUTH_ISSUER").unwrap_or_else(|| "infinidream".to_string()),
            access_token_ttl: Duration::from_secs(num("ACCESS_TOKEN_TTL_SECS", 900)?),
            session_ttl: Duration::from_secs(num("SESSION_TTL_SECS", 31_536_000)?),
            refresh_grace: Duration::from_secs(num("REFRESH_GRACE_SECS", 60)?),
            cookie_secure: flag("COOKIE_SECURE", app_env != AppEnv::Development)?,
            cookie_domain: get("COOKIE_DOMAIN"),
            code_ttl: Duration::from_secs(num("AUTH_CODE_TTL_SECS", 600)?),
            code_max_per_hour: u32::try_from(per_hour).unwrap_or(u32::MAX),
            apikey_reveal: Duration::from_secs(num("APIKEY_REVEAL_SECS", 600)?),
            oidc,
            rate_limit_per_ip: u32::try_from(num("AUTH_RATE_LIMIT_PER_IP", 60)?).unwrap_or(u32::MAX),
            rate_limit_per_account: u32::try_from(num("AUTH_RATE_LIMIT_PER_ACCOUNT", 10)?).unwrap_or(u32::MAX),
            rate_limit_window: Duration::from_secs(num("AUTH_RATE_LIMIT_WINDOW_SECS", 60)?.max(1)),
            trust_forwarded_for: flag("TRUST_X_FORWARDED_FOR", false)?,
            sheep_playlist_uuid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn production_requires_a_long_session_secret() {
        assert!(AuthSettings::from_map(&map(&[]), AppEnv::Production).is_err());
        assert!(AuthSettings::from_map(&map(&[("SESSION_SECRET", "short")]), AppEnv::Development).is_err());
        let s = AuthSettings::from_map(&map(&[]), AppEnv::Development).unwrap();
        assert!(s.session_secret_generated && s.session_secret.0.len() >= MIN_SECRET_LEN);
        assert!(!s.cookie_secure);
        assert!(format!("{s:?}").contains("<redacted>"));
        let s = AuthSettings::from_map(&map(&[("SESSION_SECRET", &"x".repeat(32))]), AppEnv::Test).unwrap();
        assert!(s.cookie_secure && !s.session_secret_generated);
    }
}

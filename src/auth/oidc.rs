//! External OpenID Connect tokens (`rest-api.md` §3.4): Bearer JWTs from `OIDC_ISSUER`
//! verified against the issuer's JWKS, and the optional authorization-code exchange of
//! `GET /api/v2/auth/callback`.
//!
//! Algorithms are pinned to RS256 and ES256 and must match the key type the JWKS
//! publishes for the token's `kid`: `alg: none`, HS256 signed with a public key
//! (algorithm confusion) and mismatched key types are rejected before verification.
//! The JWKS is fetched lazily, cached, and refetched on an unknown `kid` at most once a
//! minute, so a flood of random `kid`s cannot hammer the issuer. `exp`/`nbf` get 60 s
//! of leeway; `aud` must contain `OIDC_AUDIENCE` when set.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use super::settings::OidcSettings;

/// Minimum time between two JWKS fetches triggered by unknown key ids.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// Clock leeway for `exp` and `nbf`.
const LEEWAY_SECS: u64 = 60;
/// Bound on JWKS, discovery and token-endpoint calls.
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Deserialize)]
pub struct ExternalClaims {
    pub iss: String,
    pub sub: String,
    pub email: Option<String>,
    #[serde(alias = "cognito:username")]
    pub username: Option<String>,
    pub given_name: Option<String>,
    pub name: Option<String>,
    pub family_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("token rejected")]
    Rejected,
    #[error("identity provider unreachable: {0}")]
    Provider(String),
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    fetched_at: Option<Instant>,
}

#[derive(Deserialize, Clone)]
struct Discovery {
    jwks_uri: String,
    token_endpoint: Option<String>,
}

pub struct OidcVerifier {
    settings: OidcSettings,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    fetch: Mutex<()>,
    discovery: RwLock<Option<Discovery>>,
}

impl OidcVerifier {
    pub fn new(settings: OidcSettings) -> Result<OidcVerifier, String> {
        let http = reqwest::Client::builder().timeout(HTTP_TIMEOUT).build().map_err(|e| e.to_string())?;
        Ok(OidcVerifier {
            settings,
            http,
            cache: RwLock::default(),
            fetch: Mutex::new(()),
            discovery: RwLock::default(),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    async fn discover(&self) -> Result<Discovery, OidcError> {
        if let Some(d) = self.discovery.read().await.clone() {
            return Ok(d);
        }
        let url = format!("{}/.well-known/openid-configuration", self.settings.issuer.trim_end_matches('/'));
        let d: Discovery = self.get_json(&url).await?;
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let res = self.http.get(url).send().await.map_err(|e| OidcError::Provider(e.to_string()))?;
        let res = res.error_for_status().map_err(|e| OidcError::Provider(e.to_string()))?;
        res.json().await.map_err(|e| OidcError::Provider(e.to_string()))
    }

    async fn refresh_keys(&self) -> Result<(), OidcError> {
        let _one_at_a_time = self.fetch.lock().await;
        if self.cache.read().await.fetched_at.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL) {
            return Ok(());
        }
        let url = match &self.settings.jwks_url {
            Some(u) => u.clone(),
            None => self.discover().await?.jwks_uri,
        };
        let fetched = self.get_json::<JwkSet>(&url).await;
        let mut cache = self.cache.write().await;
        cache.fetched_at = Some(Instant::now());
        let set = fetched?;
        cache.keys = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let alg = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
                    _ => return None,
                };
                Some((kid, (DecodingKey::from_jwk(jwk).ok()?, alg)))
            })
            .collect();
        tracing::info!(keys = cache.keys.len(), "OIDC JWKS fetched");
        Ok(())
    }

    async fn key(&self, kid: &str) -> Result<Option<(DecodingKey, Algorithm)>, OidcError> {
        if let Some(k) = self.cache.read().await.keys.get(kid) {
            return Ok(Some(k.clone()));
        }
        self.refresh_keys().await?;
        Ok(self.cache.read().await.keys.get(kid).cloned())
    }

    /// Verifies an external token; `audience` overrides `OIDC_AUDIENCE` (the code flow
    /// checks ID tokens against the client id).
    pub async fn verify(&self, token: &str, audience: Option<&str>) -> Result<ExternalClaims, OidcError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| OidcError::Rejected)?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(OidcError::Rejected);
        }
        let kid = header.kid.ok_or(OidcError::Rejected)?;
        let (key, key_alg) = self.key(&kid).await?.ok_or(OidcError::Rejected)?;
        if key_alg != header.alg {
            return Err(OidcError::Rejected);
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        match audience.or(self.settings.audience.as_deref()) {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        jsonwebtoken::decode::<ExternalClaims>(token, &key, &validation).map(|d| d.claims).map_err(|e| {
            tracing::debug!(error = %e, "external token rejected");
            OidcError::Rejected
        })
    }

    /// The authorization-code exchange: `None` when the code flow is not configured.
    pub async fn exchange_code(&self, code: &str) -> Result<Option<ExternalClaims>, OidcError> {
        let s = &self.settings;
        let (Some(client_id), Some(secret), Some(redirect)) = (&s.client_id, &s.client_secret, &s.redirect_uri) else {
            return Ok(None);
        };
        let endpoint = self.discover().await?.token_endpoint.ok_or(OidcError::Rejected)?;
        let secret = String::from_utf8_lossy(&secret.0).into_owned();
        let form = serde_urlencoded::to_string([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", client_id),
            ("client_secret", &secret),
        ])
        .map_err(|e| OidcError::Provider(e.to_string()))?;
        #[derive(Deserialize)]
        struct TokenResponse {
            id_token: String,
        }
        let res = self
            .http
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        if !res.status().is_success() {
            return Err(OidcError::Rejected);
        }
        let tokens: TokenResponse = res.json().await.map_err(|_| OidcError::Rejected)?;
        let audience = s.audience.clone().unwrap_or_else(|| client_id.clone());
        self.verify(&tokens.id_token, Some(&audience)).await.map(Some)
    }
}

/// The unverified `iss` claim, only to choose which verifier a Bearer token goes to.
pub fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iss")?.as_str().map(str::to_string)
}

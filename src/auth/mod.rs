//! Authentication at the HTTP edge (`rest-api.md` §3).
//!
//! Credential order: `Authorization: Api-Key <key>`, else the `wos-session` cookie, else
//! `Authorization: Bearer <token>`; the first credential present decides and an invalid
//! one is not followed by the next. Bearer tokens whose unverified `iss` is `OIDC_ISSUER`
//! go to the external verifier (`oidc`), every other token is a session token
//! (`session`, `tokens`). API keys are compared as SHA-256 digests: static keys from
//! `API_KEYS` in constant time, database keys by hash lookup (only hashes are stored).
//!
//! REST requests with a refreshable session token are served and rotate it; the new
//! token leaves through `cookie::finalize` in the edge middleware. Sockets call
//! [`authenticate_socket_token`], which accepts valid and refreshable tokens and never
//! rotates.
//!
//! | module     | role |
//! |------------|------|
//! | `settings` | auth environment variables |
//! | `tokens`   | token format, key rotation by `kid`, HMAC derivations |
//! | `session`  | issue / verify / rotate / revoke sessions |
//! | `cookie`   | the `wos-session` cookie, rendered once at the edge |
//! | `oidc`     | external JWTs against a JWKS, code exchange |
//! | `password` | Argon2id on the blocking pool |
//! | `kv`, `limits` | rate-limit counters and reveal copies (Redis or memory) |

pub mod cookie;
mod extract;
pub mod kv;
pub mod limits;
pub mod oidc;
pub mod password;
pub mod session;
pub mod settings;
pub mod tokens;

use std::sync::Arc;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use infinidream_actors::domain::users::AuthUser;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use extract::Caller;

use crate::config::{StaticApiKey, StaticKeyOwner};
use crate::error::{ApiError, AUTH_FAILED, INVALID_API_KEY, NO_CREDENTIALS};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "wos-session";

/// Process-wide auth machinery, built once at start from the settings.
pub struct AuthRuntime {
    pub keys: tokens::SessionKeys,
    pub oidc: Option<oidc::OidcVerifier>,
    pub kv: kv::Kv,
}

impl AuthRuntime {
    pub fn new(settings: &crate::config::Settings, redis: Option<crate::state::RedisPool>) -> Arc<AuthRuntime> {
        let auth = &settings.auth;
        if auth.session_secret_generated {
            tracing::warn!(
                "SESSION_SECRET is not set: using a random per-process secret. Every session dies \
                 with this process and instances cannot verify each other's tokens. Set SESSION_SECRET \
                 (32+ bytes) outside throwaway development."
            );
        }
        let oidc = auth.oidc.clone().and_then(|o| match oidc::OidcVerifier::new(o) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::error!(error = %e, "OIDC verifier could not be built: external tokens disabled");
                None
            }
        });
        Arc::new(AuthRuntime {
            keys: tokens::SessionKeys::new(auth),
            oidc,
            kv: kv::Kv::new(redis, &settings.redis_prefix),
        })
    }
}

/// Equality of two secrets' bytes in time independent of their content.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The static keys of `API_KEYS`, kept only as digests.
pub struct StaticKeys {
    keys: Vec<(StaticKeyOwner, [u8; 32])>,
}

impl StaticKeys {
    pub fn new(keys: &[StaticApiKey]) -> StaticKeys {
        StaticKeys { keys: keys.iter().map(|k| (k.owner.clone(), Sha256::digest(k.key.as_bytes()).into())).collect() }
    }

    /// Compares the digest against every static key without stopping early, so timing
    /// does not reveal which (or whether a) key matched.
    fn find(&self, digest: &[u8; 32]) -> Option<&StaticKeyOwner> {
        let mut found = None;
        for (owner, d) in &self.keys {
            if bool::from(d.ct_eq(digest)) && found.is_none() {
                found = Some(owner);
            }
        }
        found
    }
}

/// A credential found on a request, before verification.
pub enum Credential<'a> {
    ApiKey(&'a str),
    SessionCookie(String),
    Bearer(&'a str),
}

/// Picks the credential that decides (§3.1), without verifying it.
pub fn credential<'a>(headers: &'a HeaderMap, cookie: Option<String>) -> Option<Credential<'a>> {
    let auth = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    // "Api-Key" with an empty key still names the scheme (proxies strip the trailing
    // space): it is an invalid API key, not a missing credential.
    if let Some(key) = auth.and_then(|a| a.strip_prefix("Api-Key")).filter(|k| k.is_empty() || k.starts_with(' ')) {
        return Some(Credential::ApiKey(key.trim()));
    }
    if let Some(c) = cookie {
        return Some(Credential::SessionCookie(c));
    }
    auth.and_then(|a| a.strip_prefix("Bearer ")).map(|t| Credential::Bearer(t.trim()))
}

fn invalid_api_key() -> ApiError {
    ApiError::Unauthorized { message: INVALID_API_KEY, authorization_url: None, clear_cookie: false }
}

/// Lower-case hex of a SHA-256 digest, as stored in `api_key.hash`: table-driven, not
/// `hex::encode`'s char-by-char iterator (this runs on every API-key request).
fn hex_digest(digest: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// Verifies an API key: static keys first, then the database.
pub async fn verify_api_key(state: &AppState, key: &str) -> Result<AuthUser, ApiError> {
    if key.is_empty() {
        return Err(invalid_api_key());
    }
    let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let users = &state.actors.users;
    let user = match state.static_keys.find(&digest) {
        Some(StaticKeyOwner::Id(id)) => users.auth_user_by_id(infinidream_actors::UserId(*id)).await?,
        Some(StaticKeyOwner::Uuid(u)) => users.auth_user_by_uuid(*u).await?,
        None => users.find_by_api_key_hash(hex_digest(&digest)).await?,
    };
    user.ok_or_else(invalid_api_key)
}

fn auth_failed(state: &AppState, clear_cookie: bool) -> ApiError {
    ApiError::Unauthorized {
        message: AUTH_FAILED,
        authorization_url: Some(state.settings.auth_url.clone()),
        clear_cookie,
    }
}

/// Verifies an external OIDC token and resolves (or creates) its user.
pub async fn verify_external(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let Some(verifier) = &state.auth.oidc else { return Err(auth_failed(state, false)) };
    let claims = match verifier.verify(token, None).await {
        Ok(c) => c,
        Err(oidc::OidcError::Rejected) => return Err(auth_failed(state, false)),
        Err(oidc::OidcError::Provider(e)) => {
            tracing::warn!(error = %e, "OIDC provider unreachable");
            return Err(auth_failed(state, false));
        }
    };
    resolve_external(state, claims).await?.ok_or_else(|| auth_failed(state, false))
}

/// Finds or creates the user of verified external claims (`rest-api.md` §3.4).
pub async fn resolve_external(state: &AppState, c: oidc::ExternalClaims) -> Result<Option<AuthUser>, ApiError> {
    let auto_create = state.settings.auth.oidc.as_ref().is_some_and(|o| o.auto_create_users);
    let identity = infinidream_actors::domain::auth::ExternalIdentity {
        issuer: c.iss,
        subject: c.sub,
        username: c.username,
        email: c.email,
        given_name: c.given_name.or(c.name),
        family_name: c.family_name,
        auto_create,
    };
    Ok(state.actors.auth.resolve_external(identity).await?)
}

fn is_external(state: &AppState, token: &str) -> bool {
    state.auth.oidc.as_ref().is_some_and(|o| oidc::unverified_issuer(token).as_deref() == Some(o.issuer()))
}

/// Authenticates a REST request. A refreshable session token is rotated: the new token
/// is returned for the response's `Set-Cookie`.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    cookie: Option<String>,
) -> Result<(AuthUser, Option<String>), ApiError> {
    let token = match credential(headers, cookie) {
        Some(Credential::ApiKey(key)) => return Ok((verify_api_key(state, key).await?, None)),
        Some(Credential::Bearer(t)) if is_external(state, t) => return Ok((verify_external(state, t).await?, None)),
        Some(Credential::SessionCookie(t)) => t,
        Some(Credential::Bearer(t)) => t.to_string(),
        None => {
            return Err(ApiError::Unauthorized {
                message: NO_CREDENTIALS,
                authorization_url: Some(state.settings.auth_url.clone()),
                clear_cookie: false,
            })
        }
    };
    let verified = session::verify(state, &token).await?.map_err(|_| auth_failed(state, true))?;
    let rotated = match verified.state {
        session::TokenState::Valid => None,
        session::TokenState::Refreshable => {
            Some(session::rotate(state, &verified).await?.ok_or_else(|| auth_failed(state, true))?)
        }
    };
    Ok((verified.user, rotated))
}

/// Verifies a socket credential token (`realtime.md` §4): a session token that is valid
/// or refreshable (never rotated, no cookie), or an external OIDC JWT. Any failure is
/// `401 Authentication failed.` (the socket layer answers `UNAUTHORIZED`).
pub async fn authenticate_socket_token(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(auth_failed(state, false));
    }
    if is_external(state, token) {
        return verify_external(state, token).await;
    }
    match session::verify(state, token).await? {
        Ok(v) => Ok(v.user),
        Err(_) => Err(auth_failed(state, false)),
    }
}

/// The `Set-Cookie` that clears the session cookie.
pub fn clearing_cookie() -> Cookie<'static> {
    let mut c = Cookie::new(SESSION_COOKIE, "");
    c.set_path("/");
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_max_age(CookieDuration::ZERO);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    #[test]
    fn hex_digest_is_the_stored_hash_encoding() {
        for key in ["", "a", "idk_0123456789", "\u{1F600} key"] {
            let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
            assert_eq!(hex_digest(&digest), hex::encode(digest), "{key:?}");
        }
        assert_eq!(hex_digest(&[0xf0; 32]), "f0".repeat(32));
        assert_eq!(hex_digest(&[0x0f; 32]), "0f".repeat(32));
    }

    #[test]
    fn api_key_header_wins_over_cookie_and_bearer() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Api-Key abc"));
        assert!(matches!(credential(&h, Some("tok".into())), Some(Credential::ApiKey("abc"))));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer xyz"));
        assert!(matches!(credential(&h, Some("tok".into())), Some(Credential::SessionCookie(_))));
        assert!(matches!(credential(&h, None), Some(Credential::Bearer("xyz"))));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic Zm9v"));
        assert!(credential(&h, None).is_none());
    }

    #[test]
    fn static_keys_match_only_the_exact_key() {
        let keys = StaticKeys::new(&[StaticApiKey { owner: StaticKeyOwner::Id(7), key: "secret".into() }]);
        let good: [u8; 32] = Sha256::digest(b"secret").into();
        let bad: [u8; 32] = Sha256::digest(b"secreT").into();
        assert_eq!(keys.find(&good), Some(&StaticKeyOwner::Id(7)));
        assert_eq!(keys.find(&bad), None);
    }
}

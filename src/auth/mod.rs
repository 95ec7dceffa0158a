//! Authentication at the HTTP edge (`rest-api.md` §3).
//!
//! Credential order: `Authorization: Api-Key <key>`, else the `wos-session` cookie, else
//! `Authorization: Bearer <token>`; the first credential present decides and an invalid
//! one is not followed by the next. API keys are compared as SHA-256 digests: static keys
//! from `API_KEYS` in constant time, database keys by hash lookup (only hashes are stored).

mod extract;

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
        None => users.find_by_api_key_hash(hex::encode(digest)).await?,
    };
    user.ok_or_else(invalid_api_key)
}

/// Authenticates a REST request.
pub async fn authenticate(state: &AppState, headers: &HeaderMap, cookie: Option<String>) -> Result<AuthUser, ApiError> {
    let authorization_url = Some(state.settings.auth_url.clone());
    match credential(headers, cookie) {
        Some(Credential::ApiKey(key)) => verify_api_key(state, key).await,
        // Session tokens are issued by the auth module (issue #5); until then no token
        // is valid, and a presented one is answered as a failed session.
        Some(Credential::SessionCookie(_)) => {
            Err(ApiError::Unauthorized { message: AUTH_FAILED, authorization_url, clear_cookie: true })
        }
        Some(Credential::Bearer(_)) => {
            Err(ApiError::Unauthorized { message: AUTH_FAILED, authorization_url, clear_cookie: false })
        }
        None => Err(ApiError::Unauthorized { message: NO_CREDENTIALS, authorization_url, clear_cookie: false }),
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

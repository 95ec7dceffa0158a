//! Session token format (`rest-api.md` §3.2): a compact HS256 JWS whose claims are
//! `iss, sub, sid, rt, iat, exp`, plus the two HMAC derivations keyed by
//! `SESSION_SECRET`: the next refresh secret and one-time code hashes.
//!
//! Key rotation: every token names its key in the header `kid` (a digest prefix of the
//! secret, never the secret). `SESSION_SECRET_PREVIOUS`, when set, is accepted for
//! verification only, so changing the secret does not log everybody out: old tokens still
//! verify and are re-signed with the new key at their next rotation. Only HS256 is ever
//! accepted for session tokens; `alg` values naming another algorithm (including `none`)
//! are rejected before any key is used.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::settings::AuthSettings;

/// Tokens whose `iat` lies further in the future than this are "not yet valid" (clock skew
/// between instances stays well below it).
const MAX_CLOCK_SKEW_SECS: i64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionClaims {
    pub iss: String,
    pub sub: Uuid,
    pub sid: Uuid,
    /// The refresh secret, 32 bytes base64url.
    pub rt: String,
    pub iat: i64,
    pub exp: i64,
}

/// A refresh secret: 32 random (or derived) bytes.
pub type RefreshSecret = [u8; 32];

struct Key {
    kid: String,
    secret: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(secret: &[u8]) -> Key {
        let mut h = Sha256::new();
        h.update(b"infinidream-session-kid:");
        h.update(secret);
        Key {
            kid: hex::encode(h.finalize())[..16].to_string(),
            secret: secret.to_vec(),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }
}

pub struct SessionKeys {
    current: Key,
    previous: Option<Key>,
    issuer: String,
}

/// Why a token could not be parsed. Deliberately not more specific: clients get one message.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

impl SessionKeys {
    pub fn new(settings: &AuthSettings) -> SessionKeys {
        SessionKeys {
            current: Key::new(&settings.session_secret.0),
            previous: settings.session_secret_previous.as_ref().map(|s| Key::new(&s.0)),
            issuer: settings.issuer.clone(),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Signs a token for `sub`/`sid` with refresh secret `rt`, valid `ttl_secs` from `now`.
    pub fn sign(&self, sub: Uuid, sid: Uuid, rt: &RefreshSecret, now: i64, ttl_secs: i64) -> Result<String, String> {
        let claims = SessionClaims {
            iss: self.issuer.clone(),
            sub,
            sid,
            rt: URL_SAFE_NO_PAD.encode(rt),
            iat: now,
            exp: now + ttl_secs,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.current.encoding).map_err(|e| e.to_string())
    }

    /// Verifies signature, algorithm, key id and issuer; `exp` is left to the caller (an
    /// expired token may still be refreshable).
    pub fn parse(&self, token: &str, now: i64) -> Result<(SessionClaims, RefreshSecret), Malformed> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Malformed)?;
        if header.alg != Algorithm::HS256 {
            return Err(Malformed);
        }
        let key = match header.kid.as_deref() {
            Some(kid) if kid == self.current.kid => &self.current,
            Some(kid) => self.previous.as_ref().filter(|k| k.kid == kid).ok_or(Malformed)?,
            None => return Err(Malformed),
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        let data = jsonwebtoken::decode::<SessionClaims>(token, &key.decoding, &validation).map_err(|_| Malformed)?;
        let claims = data.claims;
        if claims.iat > now + MAX_CLOCK_SKEW_SECS {
            return Err(Malformed);
        }
        let rt: RefreshSecret =
            URL_SAFE_NO_PAD.decode(&claims.rt).ok().and_then(|b| b.try_into().ok()).ok_or(Malformed)?;
        Ok((claims, rt))
    }

    fn hmac(&self, parts: &[&[u8]]) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail; fall back to a plain
        // digest only to avoid a panic path.
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.current.secret) {
            Ok(mut mac) => {
                for p in parts {
                    mac.update(p);
                }
                mac.finalize().into_bytes().into()
            }
            Err(_) => {
                let mut h = Sha256::new();
                h.update(&self.current.secret);
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
        }
    }

    /// Next refresh secret = HMAC-SHA256(SESSION_SECRET, sid ‖ current secret). Deterministic,
    /// so concurrent rotations of the same token agree.
    pub fn next_secret(&self, sid: Uuid, rt: &RefreshSecret) -> RefreshSecret {
        self.hmac(&[sid.as_bytes(), rt])
    }

    /// `auth_code.code_hash` = HMAC-SHA256(SESSION_SECRET, purpose ‖ email ‖ code), with
    /// separators so no two triples collide.
    pub fn code_hash(&self, purpose: &str, email: &str, code: &str) -> Vec<u8> {
        self.hmac(&[purpose.as_bytes(), b"\0", email.as_bytes(), b"\0", code.as_bytes()]).to_vec()
    }
}

/// SHA-256 of a refresh secret: the only form stored.
pub fn refresh_hash(rt: &RefreshSecret) -> Vec<u8> {
    Sha256::digest(rt).to_vec()
}

/// 32 random bytes.
pub fn random_secret() -> RefreshSecret {
    use rand::RngExt;
    rand::rng().random()
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::settings::SecretBytes;
    use crate::config::AppEnv;

    fn settings(secret: &str, previous: Option<&str>) -> AuthSettings {
        let mut s = AuthSettings::from_map(&Default::default(), AppEnv::Test).unwrap();
        s.session_secret = SecretBytes(secret.as_bytes().to_vec());
        s.session_secret_previous = previous.map(|p| SecretBytes(p.as_bytes().to_vec()));
        s
    }

    #[test]
    fn tokens_round_trip_and_use_only_url_safe_characters() {
        let keys = SessionKeys::new(&settings(&"a".repeat(32), None));
        let (sub, sid, rt) = (Uuid::new_v4(), Uuid::new_v4(), random_secret());
        let t = keys.sign(sub, sid, &rt, 1000, 900).unwrap();
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
        let (claims, back) = keys.parse(&t, 1000).unwrap();
        assert_eq!((claims.sub, claims.sid, claims.exp, back), (sub, sid, 1900, rt));
        assert_eq!(keys.parse(&t, 800), Err(Malformed), "iat too far in the future");
    }

    #[test]
    fn previous_secret_verifies_but_unknown_keys_do_not() {
        let old = SessionKeys::new(&settings(&"o".repeat(32), None));
        let t = old.sign(Uuid::new_v4(), Uuid::new_v4(), &random_secret(), 10, 900).unwrap();
        let rotated = SessionKeys::new(&settings(&"n".repeat(32), Some(&"o".repeat(32))));
        assert!(rotated.parse(&t, 10).is_ok());
        let other = SessionKeys::new(&settings(&"n".repeat(32), None));
        assert_eq!(other.parse(&t, 10), Err(Malformed));
    }

    #[test]
    fn next_secret_is_deterministic_and_depends_on_the_session() {
        let keys = SessionKeys::new(&settings(&"a".repeat(32), None));
        let (sid, rt) = (Uuid::new_v4(), random_secret());
        assert_eq!(keys.next_secret(sid, &rt), keys.next_secret(sid, &rt));
        assert_ne!(keys.next_secret(sid, &rt), keys.next_secret(Uuid::new_v4(), &rt));
    }
}

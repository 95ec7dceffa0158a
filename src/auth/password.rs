//! Argon2id password hashing (PHC strings), always on the blocking pool: hashing takes
//! tens of milliseconds of CPU and must not stall the async workers.
//!
//! Logins for unknown users or users without a password still run one verification
//! against a dummy hash so response time does not reveal which accounts exist.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::error::ApiError;

/// Hashes a password with Argon2id (default parameters: m=19 MiB, t=2, p=1).
pub async fn hash(password: String) -> Result<String, ApiError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY.get_or_init(|| Argon2::default().hash_password(b"not-a-real-password").ok().map(|h| h.to_string())).as_deref()
}

/// Verifies `password` against a stored hash; `None` verifies against a dummy and fails.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        let real = stored.is_some();
        let Some(hash) = stored.or_else(|| dummy_hash().map(str::to_string)) else { return false };
        let ok = Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok();
        ok && real
    })
    .await
    .map_err(ApiError::internal)
}

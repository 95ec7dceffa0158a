//! `auth_session`: creation at login, lookup on every session-token request, rotation by
//! compare-and-set on the current refresh hash, revocation.

use uuid::Uuid;

use super::{auth_user_at, USER_COLUMNS};
use crate::db::PgConn;
use crate::domain::auth::model::{NewSession, SessionRecord};
use crate::domain::DomainError;
use crate::ids::UserId;

/// Creates the session and records the login (`last_login_at`, `verified`) atomically.
pub async fn create_session(conn: &mut PgConn, new: NewSession) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    tx.execute(
        "INSERT INTO auth_session (id, user_id, refresh_hash, expires_at, client_type, user_agent) \
         VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6)",
        &[&new.id, &new.user.0, &new.refresh_hash, &new.ttl_secs, &new.client_type, &new.user_agent],
    )
    .await?;
    tx.execute("UPDATE users SET last_login_at = now(), verified = true WHERE id = $1", &[&new.user.0]).await?;
    tx.commit().await?;
    Ok(())
}

/// The session with its user; `None` when the row is gone or the user deleted. With it,
/// whether its use is due to be recorded (live, and `last_used_at` unset or over a minute
/// old): the caller records it in a batch ([`TOUCH_SESSIONS`]).
pub async fn session(conn: &PgConn, sid: Uuid, grace_secs: f64) -> Result<Option<(SessionRecord, bool)>, DomainError> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.refresh_hash, s.prev_refresh_hash, \
                (s.rotated_at IS NOT NULL AND s.rotated_at > now() - make_interval(secs => $2)), \
                (s.revoked_at IS NULL AND s.expires_at > now()), \
                (s.last_used_at IS NULL OR s.last_used_at < now() - interval '1 minute') \
         FROM auth_session s JOIN users u ON u.id = s.user_id AND u.deleted_at IS NULL \
         WHERE s.id = $1"
    );
    let stmt = conn.prepare_cached(&sql).await?;
    let Some(row) = conn.query_opt(&stmt, &[&sid, &grace_secs]).await? else {
        return Ok(None);
    };
    let record = SessionRecord {
        user: auth_user_at(&row, 0)?,
        refresh_hash: row.try_get(5)?,
        prev_refresh_hash: row.try_get(6)?,
        prev_in_grace: row.try_get(7)?,
        live: row.try_get(8)?,
    };
    let stale: bool = row.try_get(9)?;
    let due = stale && record.live;
    Ok(Some((record, due)))
}

/// Records the use of a batch of sessions (`domain/touch.rs`).
pub const TOUCH_SESSIONS: &str = "UPDATE auth_session SET last_used_at = now() WHERE id = ANY($1)";

/// Moves the session from `current_hash` to `next_hash` (the old one becomes the grace
/// hash). True when this call rotated it or a concurrent call already made the same
/// rotation (the next secret is derived deterministically, so both agree).
pub async fn rotate_session(
    conn: &PgConn,
    sid: Uuid,
    current_hash: Vec<u8>,
    next_hash: Vec<u8>,
) -> Result<bool, DomainError> {
    let n = conn
        .execute(
            "UPDATE auth_session SET prev_refresh_hash = refresh_hash, refresh_hash = $3, rotated_at = now() \
             WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL AND expires_at > now()",
            &[&sid, &current_hash, &next_hash],
        )
        .await?;
    if n == 1 {
        return Ok(true);
    }
    let row = conn
        .query_opt(
            "SELECT 1 FROM auth_session WHERE id = $1 AND refresh_hash = $2 AND revoked_at IS NULL",
            &[&sid, &next_hash],
        )
        .await?;
    Ok(row.is_some())
}

/// Revokes one session (logout, refresh-token reuse). Idempotent.
pub async fn revoke_session(conn: &PgConn, sid: Uuid) -> Result<(), DomainError> {
    conn.execute("UPDATE auth_session SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", &[&sid]).await?;
    Ok(())
}

/// Revokes every session of a user (password reset).
pub async fn revoke_user_sessions(conn: &PgConn, user: UserId) -> Result<(), DomainError> {
    conn.execute("UPDATE auth_session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", &[&user.0])
        .await?;
    Ok(())
}

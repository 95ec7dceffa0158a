//! `auth_code`: one-time codes, stored only as HMACs. Issuing takes a per-email advisory
//! lock so the hourly limit holds under concurrent requests; verifying locks the code row
//! so attempts are counted exactly.

use super::ct_eq;
use crate::db::PgConn;
use crate::domain::auth::model::{CodeCheck, IssueOutcome, NewCode};
use crate::domain::DomainError;

/// Issues a code unless the email already had `max_per_hour` codes in the last hour.
/// Earlier unconsumed codes of the same email and purpose are marked consumed.
pub async fn issue_code(conn: &mut PgConn, new: NewCode) -> Result<IssueOutcome, DomainError> {
    let tx = conn.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('auth_code:' || $1))", &[&new.email]).await?;
    let row = tx
        .query_one(
            "SELECT count(*), \
                    COALESCE(extract(epoch FROM min(created_at) + interval '1 hour' - now())::float8, 0) \
             FROM auth_code WHERE email = $1 AND created_at > now() - interval '1 hour'",
            &[&new.email],
        )
        .await?;
    let count: i64 = row.try_get(0)?;
    if count >= new.max_per_hour {
        let secs: f64 = row.try_get(1)?;
        return Ok(IssueOutcome::TooMany { retry_after_secs: secs.ceil().max(1.0) as u64 });
    }
    tx.execute(
        "UPDATE auth_code SET consumed_at = now() \
         WHERE email = $1 AND purpose = $2::text::auth_code_purpose AND consumed_at IS NULL",
        &[&new.email, &new.purpose.as_str()],
    )
    .await?;
    tx.execute(
        "INSERT INTO auth_code (email, purpose, code_hash, expires_at) \
         VALUES ($1, $2::text::auth_code_purpose, $3, now() + make_interval(secs => $4))",
        &[&new.email, &new.purpose.as_str(), &new.code_hash, &new.ttl_secs],
    )
    .await?;
    tx.commit().await?;
    Ok(IssueOutcome::Issued)
}

/// Checks a candidate against the latest unconsumed code: true (and consumed) on a match;
/// false when there is none, it expired, its attempts are exhausted, or it differs (then
/// the attempt is counted).
pub async fn verify_code(conn: &mut PgConn, check: CodeCheck) -> Result<bool, DomainError> {
    let tx = conn.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT id, code_hash, attempts, expires_at > now() FROM auth_code \
             WHERE email = $1 AND purpose = $2::text::auth_code_purpose AND consumed_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE",
            &[&check.email, &check.purpose.as_str()],
        )
        .await?;
    let Some(row) = row else { return Ok(false) };
    let id: i64 = row.try_get(0)?;
    let hash: Vec<u8> = row.try_get(1)?;
    let attempts: i32 = row.try_get(2)?;
    let fresh: bool = row.try_get(3)?;
    if !fresh || attempts >= check.max_attempts {
        return Ok(false);
    }
    let ok = ct_eq(&hash, &check.candidate_hash);
    if ok {
        tx.execute("UPDATE auth_code SET consumed_at = now() WHERE id = $1", &[&id]).await?;
    } else {
        tx.execute("UPDATE auth_code SET attempts = attempts + 1 WHERE id = $1", &[&id]).await?;
    }
    tx.commit().await?;
    Ok(ok)
}

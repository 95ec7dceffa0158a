//! SQL of the remote-control domain.

use uuid::Uuid;

use super::messages::VoteTarget;
use crate::db::PgConn;
use crate::domain::users::AuthUser;
use crate::domain::DomainError;

/// Interactive quota granted by `play_playlist` (`realtime.md` §7.1.5).
pub const INTERACTIVE_QUOTA: i64 = 1_073_741_824;

#[derive(Debug, Clone, PartialEq)]
pub struct DreamRef {
    pub id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    pub owner: i32,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistRef {
    pub id: i32,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteKind {
    Up,
    Down,
}

impl VoteKind {
    fn as_str(self) -> &'static str {
        match self {
            VoteKind::Up => "upvote",
            VoteKind::Down => "downvote",
        }
    }
}

/// `visible(x)`: not hidden, or owned by the caller, or the caller is an admin.
const DREAM_VISIBLE: &str = "d.deleted_at IS NULL AND (NOT d.hidden OR d.user_id = $2 OR $3)";

fn dream_ref(row: &tokio_postgres::Row) -> Result<DreamRef, DomainError> {
    Ok(DreamRef {
        id: row.try_get("id")?,
        uuid: row.try_get("uuid")?,
        name: row.try_get("name")?,
        owner: row.try_get("user_id")?,
        status: row.try_get("status")?,
    })
}

pub async fn find_dream(c: &PgConn, user: &AuthUser, uuid: Uuid) -> Result<Option<DreamRef>, DomainError> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT d.id, d.uuid, d.name, d.user_id, d.status::text AS status FROM dream d WHERE d.uuid = $1 AND {DREAM_VISIBLE}"
        ))
        .await?;
    c.query_opt(&stmt, &[&uuid, &user.id.0, &user.role.is_admin()]).await?.as_ref().map(dream_ref).transpose()
}

pub async fn find_playlist(c: &PgConn, user: &AuthUser, uuid: Uuid) -> Result<Option<PlaylistRef>, DomainError> {
    let stmt = c
        .prepare_cached(
            "SELECT p.id, p.name FROM playlist p \
             WHERE p.uuid = $1 AND p.deleted_at IS NULL AND (NOT p.hidden OR p.user_id = $2 OR $3)",
        )
        .await?;
    let row = c.query_opt(&stmt, &[&uuid, &user.id.0, &user.role.is_admin()]).await?;
    row.map(|r| Ok(PlaylistRef { id: r.try_get(0)?, name: r.try_get(1)? })).transpose()
}

pub async fn play_dream(c: &PgConn, user: &AuthUser, uuid: Uuid) -> Result<Option<DreamRef>, DomainError> {
    let Some(dream) = find_dream(c, user, uuid).await? else { return Ok(None) };
    let stmt = c.prepare_cached("UPDATE users SET current_dream_id = $1 WHERE id = $2").await?;
    c.execute(&stmt, &[&dream.id, &user.id.0]).await?;
    Ok(Some(dream))
}

pub async fn play_playlist(c: &PgConn, user: &AuthUser, uuid: Uuid) -> Result<Option<(PlaylistRef, i64)>, DomainError> {
    let Some(playlist) = find_playlist(c, user, uuid).await? else { return Ok(None) };
    let stmt = c
        .prepare_cached(
            "UPDATE users SET current_playlist_id = $1, quota = GREATEST(quota, $3) WHERE id = $2 RETURNING quota",
        )
        .await?;
    let quota: i64 = c.query_one(&stmt, &[&playlist.id, &user.id.0, &INTERACTIVE_QUOTA]).await?.try_get(0)?;
    Ok(Some((playlist, quota)))
}

pub async fn reset_playlist(c: &PgConn, user: &AuthUser) -> Result<(), DomainError> {
    let stmt = c.prepare_cached("UPDATE users SET current_playlist_id = NULL WHERE id = $1").await?;
    c.execute(&stmt, &[&user.id.0]).await?;
    Ok(())
}

pub async fn current_dream(c: &PgConn, user: &AuthUser) -> Result<Option<DreamRef>, DomainError> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT d.id, d.uuid, d.name, d.user_id, d.status::text AS status \
             FROM users u JOIN dream d ON d.id = u.current_dream_id \
             WHERE u.id = $2 AND {DREAM_VISIBLE} AND $1::int IS NULL"
        ))
        .await?;
    let none: Option<i32> = None;
    c.query_opt(&stmt, &[&none, &user.id.0, &user.role.is_admin()]).await?.as_ref().map(dream_ref).transpose()
}

/// Upserts the caller's vote and moves the dream's counters by the delta, in one
/// transaction. The dream row is locked first so concurrent votes on one dream (by any
/// users, or the same user twice) apply one after the other; counters never go below 0.
pub async fn vote(
    c: &mut PgConn,
    user: &AuthUser,
    target: VoteTarget,
    vote: VoteKind,
) -> Result<Option<DreamRef>, DomainError> {
    let dream = match target {
        VoteTarget::Uuid(uuid) => find_dream(c, user, uuid).await?,
        VoteTarget::Current => current_dream(c, user).await?,
    };
    let Some(dream) = dream else { return Ok(None) };
    let tx = c.transaction().await?;
    tx.execute("SELECT 1 FROM dream WHERE id = $1 FOR UPDATE", &[&dream.id]).await?;
    let old: Option<String> = tx
        .query_opt(
            "SELECT vote::text FROM vote WHERE user_id = $1 AND dream_id = $2 AND deleted_at IS NULL",
            &[&user.id.0, &dream.id],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let new = vote.as_str();
    if old.as_deref() != Some(new) {
        tx.execute(
            "INSERT INTO vote (user_id, dream_id, vote) VALUES ($1, $2, $3::text::vote_type) \
             ON CONFLICT (user_id, dream_id) WHERE deleted_at IS NULL DO UPDATE SET vote = EXCLUDED.vote",
            &[&user.id.0, &dream.id, &new],
        )
        .await?;
        let delta = |kind: &str| i32::from(new == kind) - i32::from(old.as_deref() == Some(kind));
        tx.execute(
            "UPDATE dream SET upvotes = GREATEST(upvotes + $2, 0), downvotes = GREATEST(downvotes + $3, 0) WHERE id = $1",
            &[&dream.id, &delta("upvote"), &delta("downvote")],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some(dream))
}

/// Report type 7 (`Native`) is reserved for socket-originated reports.
const NATIVE_REPORT_TYPE: i32 = 7;

pub async fn report(c: &PgConn, user: &AuthUser, uuid: Uuid) -> Result<Option<DreamRef>, DomainError> {
    let Some(dream) = find_dream(c, user, uuid).await? else { return Ok(None) };
    let stmt = c
        .prepare_cached(
            "INSERT INTO report (type_id, dream_id, reported_by_id, comments, reported_at) \
             VALUES ($1, $2, $3, 'Report generated from native client.', now())",
        )
        .await?;
    c.execute(&stmt, &[&NATIVE_REPORT_TYPE, &dream.id, &user.id.0]).await?;
    Ok(Some(dream))
}

pub async fn client_ping(c: &PgConn, user: &AuthUser, version: Option<String>) -> Result<(), DomainError> {
    match version {
        Some(v) => {
            let stmt = c
                .prepare_cached("UPDATE users SET last_client_ping_at = now(), last_client_version = $2 WHERE id = $1")
                .await?;
            c.execute(&stmt, &[&user.id.0, &v]).await?;
        }
        None => {
            let stmt = c.prepare_cached("UPDATE users SET last_client_ping_at = NULL WHERE id = $1").await?;
            c.execute(&stmt, &[&user.id.0]).await?;
        }
    }
    Ok(())
}

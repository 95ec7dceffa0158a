//! Default playlists (`rest-api.md` §6.2, §10.1) and the daily maintenance (§3.8).
//!
//! A user's default playlist is an ordered list of dream uuids stored in
//! `default_playlist.data`: the dream items of the curated playlist
//! (`DESIGNED_PLAYLIST_UUID`), then the top [`TOP_DREAMS`] processed dreams by upvotes
//! (ties in random order) that the user may list, minus the user's downvoted dreams,
//! de-duplicated keeping the first position. It is computed on first use and recomputed
//! for everyone by `maintenance daily`. Reads resolve the stored uuids against live
//! rows, so a dream deleted, unprocessed or hidden since then is skipped, never an
//! error; stored entries that are not uuids (legacy data) are skipped the same way.

use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::model::DailyReport;
use crate::db::PgConn;
use crate::domain::dreams::store::{bundle, dream_row, DREAM_COLS, LISTABLE};
use crate::domain::dreams::{DreamBundle, Viewer};
use crate::domain::DomainError;

/// Size of the "top dreams" part, as in the reference.
pub const TOP_DREAMS: i64 = 50;

/// The floor `maintenance daily` raises every quota to: 1 GiB, the interactive quota
/// of `realtime.md` §7.1.5.
pub const DAILY_QUOTA: i64 = 1 << 30;

/// Users recomputed per batch by `maintenance daily` (bounded memory, short queries).
const BATCH: i64 = 500;

/// Computes the user's list (not stored).
async fn compute(conn: &PgConn, viewer: Viewer, designed: Option<Uuid>) -> Result<Vec<Uuid>, DomainError> {
    let p: [&(dyn ToSql + Sync); 3] = [&viewer.id, &viewer.admin, &viewer.nsfw];
    let mut list: Vec<Uuid> = Vec::new();
    if let Some(designed) = designed {
        let stmt = conn
            .prepare_cached(
                "SELECT dr.uuid FROM playlist p \
                 JOIN playlist_item pi ON pi.playlist_id = p.id AND pi.deleted_at IS NULL AND pi.type = 'dream' \
                 JOIN dream dr ON dr.id = pi.dream_item_id AND dr.deleted_at IS NULL \
                 WHERE p.uuid = $1 AND p.deleted_at IS NULL ORDER BY pi.sort_order, pi.id",
            )
            .await?;
        for r in conn.query(&stmt, &[&designed]).await? {
            list.push(r.try_get(0)?);
        }
    }
    let top_sql = format!(
        "SELECT d.uuid FROM dream d WHERE d.status = 'processed' AND d.deleted_at IS NULL AND {LISTABLE} \
         ORDER BY d.upvotes DESC, random() LIMIT $4"
    );
    for r in conn.query(&conn.prepare_cached(&top_sql).await?, &[p[0], p[1], p[2], &TOP_DREAMS]).await? {
        list.push(r.try_get(0)?);
    }
    let down = conn
        .prepare_cached(
            "SELECT dr.uuid FROM vote v JOIN dream dr ON dr.id = v.dream_id \
             WHERE v.user_id = $1 AND v.vote = 'downvote' AND v.deleted_at IS NULL",
        )
        .await?;
    let downvoted: std::collections::HashSet<Uuid> =
        conn.query(&down, &[&viewer.id]).await?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    let mut seen = std::collections::HashSet::new();
    list.retain(|u| !downvoted.contains(u) && seen.insert(*u));
    Ok(list)
}

fn as_json(list: &[Uuid]) -> serde_json::Value {
    serde_json::Value::Array(list.iter().map(|u| serde_json::Value::String(u.to_string())).collect())
}

/// Stores `list` as the user's default playlist, replacing any previous one.
async fn store(conn: &PgConn, user: i32, list: &[Uuid]) -> Result<(), DomainError> {
    let stmt = conn
        .prepare_cached(
            "INSERT INTO default_playlist (user_id, data) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET data = EXCLUDED.data, deleted_at = NULL",
        )
        .await?;
    conn.execute(&stmt, &[&user, &as_json(list)]).await?;
    Ok(())
}

/// The user's stored list, computing and storing it when absent. Two first requests
/// racing both compute; the insert keeps whichever lands first and both read it back.
async fn stored_or_computed(
    conn: &PgConn,
    viewer: Viewer,
    designed: Option<Uuid>,
) -> Result<serde_json::Value, DomainError> {
    let read =
        conn.prepare_cached("SELECT data FROM default_playlist WHERE user_id = $1 AND deleted_at IS NULL").await?;
    if let Some(row) = conn.query_opt(&read, &[&viewer.id]).await? {
        return Ok(row.try_get(0)?);
    }
    let list = compute(conn, viewer, designed).await?;
    let insert = conn
        .prepare_cached(
            "INSERT INTO default_playlist (user_id, data) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET data = EXCLUDED.data, deleted_at = NULL \
             WHERE default_playlist.deleted_at IS NOT NULL",
        )
        .await?;
    conn.execute(&insert, &[&viewer.id, &as_json(&list)]).await?;
    match conn.query_opt(&read, &[&viewer.id]).await? {
        Some(row) => Ok(row.try_get(0)?),
        None => Ok(as_json(&list)),
    }
}

/// The user's default playlist resolved to live, processed, listable dreams in stored
/// order (each dream once), with their users and keyframes.
pub async fn resolve(conn: &PgConn, viewer: Viewer, designed: Option<Uuid>) -> Result<DreamBundle, DomainError> {
    let data = stored_or_computed(conn, viewer, designed).await?;
    // The CASE guards the cast: entries that are not uuids never reach `::uuid`.
    let sql = format!(
        "SELECT {DREAM_COLS} FROM jsonb_array_elements(CASE WHEN jsonb_typeof($4::jsonb) = 'array' \
                THEN $4::jsonb ELSE '[]'::jsonb END) WITH ORDINALITY AS e(value, n) \
         JOIN dream d ON d.uuid = CASE WHEN jsonb_typeof(e.value) = 'string' AND e.value #>> '{{}}' ~* \
                '^[0-9a-f]{{8}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{4}}-?[0-9a-f]{{12}}$' \
                THEN (e.value #>> '{{}}')::uuid END \
         WHERE d.deleted_at IS NULL AND d.status = 'processed' AND {LISTABLE} ORDER BY e.n"
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&viewer.id, &viewer.admin, &viewer.nsfw, &data]).await?;
    let mut seen = std::collections::HashSet::new();
    let mut dreams = Vec::with_capacity(rows.len());
    for r in &rows {
        let d = dream_row(r)?;
        if seen.insert(d.id) {
            dreams.push(d);
        }
    }
    bundle(conn, dreams).await
}

/// `maintenance daily`: recompute every live user's default playlist, raise quotas
/// below [`DAILY_QUOTA`], delete auth codes older than a day and sessions that expired
/// or were revoked more than a day ago.
pub async fn daily(conn: &PgConn, designed: Option<Uuid>) -> Result<DailyReport, DomainError> {
    let mut report = DailyReport::default();
    let users = conn
        .prepare_cached(
            "SELECT id, role_id = 1, nsfw FROM users WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2",
        )
        .await?;
    let mut after = 0i32;
    loop {
        let rows = conn.query(&users, &[&after, &BATCH]).await?;
        for r in &rows {
            let viewer = Viewer { id: r.try_get(0)?, admin: r.try_get(1)?, nsfw: r.try_get(2)? };
            let list = compute(conn, viewer, designed).await?;
            store(conn, viewer.id, &list).await?;
            report.default_playlists += 1;
            after = viewer.id;
        }
        if (rows.len() as i64) < BATCH {
            break;
        }
    }
    report.quotas_raised =
        conn.execute("UPDATE users SET quota = $1 WHERE quota < $1 AND deleted_at IS NULL", &[&DAILY_QUOTA]).await?;
    report.auth_codes_deleted =
        conn.execute("DELETE FROM auth_code WHERE created_at < now() - interval '1 day'", &[]).await?;
    report.auth_sessions_deleted = conn
        .execute("DELETE FROM auth_session WHERE expires_at < now() OR revoked_at < now() - interval '1 day'", &[])
        .await?;
    Ok(report)
}

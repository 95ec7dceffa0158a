//! SQL of the desktop client API reads and the download quota (`rest-api.md` §6.2).
//!
//! Visibility reuses the dreams domain's `LISTABLE` fragment, so every query here takes
//! the viewer as `$1` (id), `$2` (admin), `$3` (nsfw) and aliases the filtered table `d`.

use std::collections::HashMap;

use tokio_postgres::Row;
use uuid::Uuid;

use super::model::*;
use crate::db::PgConn;
use crate::domain::dreams::store::LISTABLE;
use crate::domain::dreams::Viewer;
use crate::domain::DomainError;

/// The live downvotes of user `$user` (a parameter or a column) on live dreams (what
/// "dislikes" means everywhere). A macro, so the statements below are literals joined at
/// compile time, not built per request.
macro_rules! disliked {
    ($user:literal) => {
        concat!(
            "FROM vote v JOIN dream dd ON dd.id = v.dream_id WHERE v.user_id = ",
            $user,
            " AND v.vote = 'downvote' AND v.deleted_at IS NULL AND dd.deleted_at IS NULL"
        )
    };
}

/// `client/hello` of every user in `users` (distinct ids), by id; users that do not
/// exist are absent. One statement for all of them: the client actor coalesces
/// concurrent hellos (`domain/coalesce.rs`).
pub async fn hellos(conn: &PgConn, users: &[i32]) -> Result<HashMap<i32, Hello>, DomainError> {
    const SQL: &str = concat!(
        "SELECT u.id, u.quota, p.uuid, (SELECT count(*) ",
        disliked!("u.id"),
        ") FROM users u \
         LEFT JOIN playlist p ON p.id = u.current_playlist_id AND p.deleted_at IS NULL WHERE u.id = ANY($1)"
    );
    let rows = conn.query(&conn.prepare_cached(SQL).await?, &[&users]).await?;
    rows.iter()
        .map(|row| {
            let hello =
                Hello { quota: row.try_get(1)?, current_playlist: row.try_get(2)?, dislikes_count: row.try_get(3)? };
            Ok((row.try_get(0)?, hello))
        })
        .collect()
}

pub async fn quota(conn: &PgConn, user: i32) -> Result<i64, DomainError> {
    let stmt = conn.prepare_cached("SELECT quota FROM users WHERE id = $1").await?;
    Ok(conn.query_opt(&stmt, &[&user]).await?.ok_or(DomainError::NotFound)?.try_get(0)?)
}

/// Uuids of the dreams the user downvoted, most recent vote first.
pub async fn dislikes(conn: &PgConn, user: i32) -> Result<Vec<Uuid>, DomainError> {
    const SQL: &str = concat!("SELECT dd.uuid ", disliked!("$1"), " ORDER BY v.updated_at DESC, v.id DESC");
    let rows = conn.query(&conn.prepare_cached(SQL).await?, &[&user]).await?;
    rows.iter().map(|r| r.try_get(0).map_err(DomainError::from)).collect()
}

fn client_dream(r: &Row) -> Result<ClientDreamRow, DomainError> {
    Ok(ClientDreamRow {
        uuid: r.try_get("uuid")?,
        name: r.try_get("name")?,
        artist: r.try_get("artist")?,
        size: r.try_get("processed_video_size")?,
        status: r.try_get("status")?,
        fps: r.try_get("fps")?,
        frames: r.try_get("processed_video_frames")?,
        thumbnail: r.try_get("thumbnail")?,
        upvotes: r.try_get("upvotes")?,
        downvotes: r.try_get("downvotes")?,
        nsfw: r.try_get("nsfw")?,
        activity_level: r.try_get("activity_level")?,
        md5: r.try_get("md5")?,
        processed_at: r.try_get("processed_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The live, listable dreams among `uuids`, in the order asked (duplicates kept once,
/// at their first position; unknown uuids absent).
pub async fn dreams(conn: &PgConn, viewer: Viewer, uuids: Vec<Uuid>) -> Result<Vec<ClientDreamRow>, DomainError> {
    if uuids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT d.uuid, d.name, COALESCE(shown.name, owner.name) AS artist, d.processed_video_size, \
                d.status::text AS status, d.processed_video_fps::text AS fps, d.processed_video_frames, \
                d.thumbnail, d.upvotes, d.downvotes, d.nsfw, d.activity_level::text AS activity_level, d.md5, \
                d.processed_at, d.updated_at \
         FROM dream d JOIN users owner ON owner.id = d.user_id \
         LEFT JOIN users shown ON shown.id = d.displayed_owner_id \
         WHERE d.uuid = ANY($4) AND d.deleted_at IS NULL AND {LISTABLE}"
    );
    let rows =
        conn.query(&conn.prepare_cached(&sql).await?, &[&viewer.id, &viewer.admin, &viewer.nsfw, &uuids]).await?;
    let mut found: HashMap<Uuid, ClientDreamRow> =
        rows.iter().map(|r| client_dream(r).map(|d| (d.uuid, d))).collect::<Result<_, _>>()?;
    Ok(uuids.iter().filter_map(|u| found.remove(u)).collect())
}

/// `GET /client/dream/:uuid/url`: for a live, listable dream with a processed video,
/// charges its size to the caller's quota (floored at 0) and returns the video key and
/// the new quota. One statement: the `UPDATE` re-reads the row after any concurrent
/// writer commits, so parallel requests each subtract from the latest value.
pub async fn claim_video(conn: &PgConn, viewer: Viewer, uuid: Uuid) -> Result<Option<(String, i64)>, DomainError> {
    let sql = format!(
        "WITH target AS ( \
             SELECT d.video, COALESCE(d.processed_video_size, 0) AS size FROM dream d \
             WHERE d.uuid = $4 AND d.deleted_at IS NULL AND d.video IS NOT NULL AND {LISTABLE}), \
         charged AS ( \
             UPDATE users SET quota = GREATEST(quota - (SELECT size FROM target), 0) \
             WHERE id = $1 AND EXISTS (SELECT 1 FROM target) RETURNING quota) \
         SELECT target.video, charged.quota FROM target, charged"
    );
    let row =
        conn.query_opt(&conn.prepare_cached(&sql).await?, &[&viewer.id, &viewer.admin, &viewer.nsfw, &uuid]).await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

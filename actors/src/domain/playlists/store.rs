//! SQL reads of the playlists domain: playlists themselves (list, detail, fallback
//! thumbnails, totals); their items, keyframes and references are in
//! [`super::store_items`]. Visibility (`rest-api.md` §3.7) is applied in SQL with the
//! dreams domain's `listable` helper so counts and pages agree; the viewer is always
//! parameters `$1` (id), `$2` (admin), `$3` (nsfw).
//!
//! Nesting may form cycles in legacy data (the reference's self-add guard never fired),
//! so every recursive walk is cycle-safe: totals walk the set of reachable playlists
//! (`UNION` visits each once), fallback thumbnails carry the path walked so far and stop
//! at a playlist already on it or at depth [`MAX_DEPTH`].

use std::collections::{HashMap, HashSet};

use tokio_postgres::Row;
use uuid::Uuid;

use super::model::*;
use crate::db::PgConn;
use crate::domain::dreams::store::{listable, users_by_ids};
use crate::domain::DomainError;

/// Deepest nesting a fallback thumbnail is looked for in (the client API expands
/// nested playlists to the same depth).
const MAX_DEPTH: i32 = 10;

/// Every playlist column (own thumbnail).
pub(crate) const PLAYLIST_COLS: &str = "p.id, p.uuid, p.user_id, p.displayed_owner_id, p.name, p.description, \
    p.thumbnail, p.feature_rank, p.nsfw, p.hidden, p.created_at, p.updated_at, p.deleted_at";

pub(crate) fn playlist_row(r: &Row) -> Result<PlaylistRow, DomainError> {
    Ok(PlaylistRow {
        id: r.try_get("id")?,
        uuid: r.try_get("uuid")?,
        user_id: r.try_get("user_id")?,
        displayed_owner_id: r.try_get("displayed_owner_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        thumbnail: r.try_get("thumbnail")?,
        feature_rank: r.try_get("feature_rank")?,
        nsfw: r.try_get("nsfw")?,
        hidden: r.try_get("hidden")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted_at: r.try_get("deleted_at")?,
    })
}

pub(super) fn params(v: &Viewer) -> [&(dyn tokio_postgres::types::ToSql + Sync); 3] {
    [&v.id, &v.admin, &v.nsfw]
}

/// The effective thumbnail of each playlist in `ids` that has none of its own: the first
/// item (in order) listable by the viewer that has one — a dream's thumbnail or a nested
/// playlist's own thumbnail, else (recursively) its fallback.
pub(crate) async fn fallbacks(conn: &PgConn, viewer: Viewer, ids: &[i32]) -> Result<HashMap<i32, String>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (ld, lc) = (listable("d", 1, 2, 3), listable("c", 1, 2, 3));
    let sql = format!(
        "WITH RECURSIVE walk(root, pid, path, seen) AS ( \
             SELECT r, r, ARRAY[]::int[], ARRAY[r] FROM unnest($4::int[]) AS r \
           UNION ALL \
             SELECT w.root, c.id, w.path || pi.sort_order || pi.id, w.seen || c.id FROM walk w \
             JOIN playlist_item pi ON pi.playlist_id = w.pid AND pi.deleted_at IS NULL AND pi.type = 'playlist' \
             JOIN playlist c ON c.id = pi.playlist_item_id AND c.deleted_at IS NULL AND c.thumbnail IS NULL AND {lc} \
             WHERE NOT c.id = ANY(w.seen) AND cardinality(w.seen) < $5 \
         ), cand AS ( \
             SELECT w.root, w.path || pi.sort_order || pi.id AS path, d.thumbnail AS thumb FROM walk w \
             JOIN playlist_item pi ON pi.playlist_id = w.pid AND pi.deleted_at IS NULL AND pi.type = 'dream' \
             JOIN dream d ON d.id = pi.dream_item_id AND d.deleted_at IS NULL AND d.thumbnail IS NOT NULL AND {ld} \
           UNION ALL \
             SELECT w.root, w.path || pi.sort_order || pi.id, c.thumbnail FROM walk w \
             JOIN playlist_item pi ON pi.playlist_id = w.pid AND pi.deleted_at IS NULL AND pi.type = 'playlist' \
             JOIN playlist c ON c.id = pi.playlist_item_id AND c.deleted_at IS NULL AND c.thumbnail IS NOT NULL AND {lc} \
         ) SELECT DISTINCT ON (root) root, thumb FROM cand ORDER BY root, path"
    );
    let stmt = conn.prepare_cached(&sql).await?;
    let rows = conn.query(&stmt, &[&viewer.id, &viewer.admin, &viewer.nsfw, &ids, &MAX_DEPTH]).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Applies fallback thumbnails in place.
pub(crate) async fn with_fallbacks(conn: &PgConn, viewer: Viewer, rows: &mut [PlaylistRow]) -> Result<(), DomainError> {
    let missing: Vec<i32> = rows.iter().filter(|p| p.thumbnail.is_none()).map(|p| p.id).collect();
    let found = fallbacks(conn, viewer, &missing).await?;
    for p in rows.iter_mut().filter(|p| p.thumbnail.is_none()) {
        p.thumbnail = found.get(&p.id).cloned();
    }
    Ok(())
}

fn owner_ids(rows: &[PlaylistRow]) -> Vec<i32> {
    let ids: HashSet<i32> = rows.iter().flat_map(|p| [Some(p.user_id), p.displayed_owner_id]).flatten().collect();
    ids.into_iter().collect()
}

/// Playlists with fallback thumbnails and their users.
pub(super) async fn bundle(
    conn: &PgConn,
    viewer: Viewer,
    mut playlists: Vec<PlaylistRow>,
) -> Result<PlaylistBundle, DomainError> {
    with_fallbacks(conn, viewer, &mut playlists).await?;
    let users = users_by_ids(conn, &owner_ids(&playlists)).await?;
    Ok(PlaylistBundle { playlists, users })
}

/// A live playlist by uuid (own thumbnail, no visibility check).
pub async fn by_uuid(conn: &PgConn, uuid: Uuid) -> Result<Option<PlaylistRow>, DomainError> {
    let sql = format!("SELECT {PLAYLIST_COLS} FROM playlist p WHERE p.uuid = $1 AND p.deleted_at IS NULL");
    conn.query_opt(&conn.prepare_cached(&sql).await?, &[&uuid]).await?.as_ref().map(playlist_row).transpose()
}

/// A live playlist by id as the viewer sees it (fallback thumbnail, users); no
/// visibility check: callers apply the endpoint's rule.
pub async fn bundle_by_id(conn: &PgConn, viewer: Viewer, id: i32) -> Result<Option<PlaylistBundle>, DomainError> {
    let sql = format!("SELECT {PLAYLIST_COLS} FROM playlist p WHERE p.id = $1 AND p.deleted_at IS NULL");
    let Some(row) = conn.query_opt(&conn.prepare_cached(&sql).await?, &[&id]).await? else {
        return Ok(None);
    };
    Ok(Some(bundle(conn, viewer, vec![playlist_row(&row)?]).await?))
}

/// `GET /playlist`: listable playlists, `updated_at DESC`, with the total.
pub async fn list(conn: &PgConn, viewer: Viewer, q: ListQuery) -> Result<(PlaylistBundle, i64), DomainError> {
    let filter = format!(
        "p.deleted_at IS NULL AND {} \
         AND ($4::text IS NULL OR p.name ILIKE '%' || $4 || '%') \
         AND ($5::uuid IS NULL OR p.user_id = (SELECT id FROM users WHERE uuid = $5))",
        listable("p", 1, 2, 3)
    );
    let mut all = params(&viewer).to_vec();
    all.push(&q.search);
    all.push(&q.user_uuid);
    let count_sql = format!("SELECT count(*) FROM playlist p WHERE {filter}");
    let count: i64 = conn.query_one(&conn.prepare_cached(&count_sql).await?, &all).await?.try_get(0)?;
    let sql = format!(
        "SELECT {PLAYLIST_COLS} FROM playlist p WHERE {filter} ORDER BY p.updated_at DESC, p.id DESC LIMIT $6 OFFSET $7"
    );
    all.push(&q.take);
    all.push(&q.skip);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    let playlists = rows.iter().map(playlist_row).collect::<Result<Vec<_>, _>>()?;
    Ok((bundle(conn, viewer, playlists).await?, count))
}

/// `totalDurationSeconds` and `totalDreamCount` over the listable dream items of the
/// playlist and of every listable playlist nested in it (each playlist counted once).
pub async fn totals(conn: &PgConn, viewer: Viewer, id: i32) -> Result<Totals, DomainError> {
    let sql = format!(
        "WITH RECURSIVE reach(pid) AS ( \
             SELECT $4::int \
           UNION \
             SELECT c.id FROM reach r \
             JOIN playlist_item pi ON pi.playlist_id = r.pid AND pi.deleted_at IS NULL AND pi.type = 'playlist' \
             JOIN playlist c ON c.id = pi.playlist_item_id AND c.deleted_at IS NULL AND {} \
         ) SELECT COALESCE(sum(round(d.activity_level * COALESCE(d.processed_video_frames, 0) / 30)), 0)::bigint, \
                  count(*) FILTER (WHERE d.status = 'processed') \
           FROM reach r \
           JOIN playlist_item pi ON pi.playlist_id = r.pid AND pi.deleted_at IS NULL AND pi.type = 'dream' \
           JOIN dream d ON d.id = pi.dream_item_id AND d.deleted_at IS NULL AND {}",
        listable("c", 1, 2, 3),
        listable("d", 1, 2, 3)
    );
    let mut all = params(&viewer).to_vec();
    all.push(&id);
    let row = conn.query_one(&conn.prepare_cached(&sql).await?, &all).await?;
    Ok(Totals { duration_seconds: row.try_get(0)?, dream_count: row.try_get(1)? })
}

/// The user's current playlist id when it is set and not deleted.
pub async fn current_of(conn: &PgConn, user_id: i32) -> Result<Option<i32>, DomainError> {
    let stmt = conn
        .prepare_cached(
            "SELECT p.id FROM users u JOIN playlist p ON p.id = u.current_playlist_id AND p.deleted_at IS NULL \
             WHERE u.id = $1",
        )
        .await?;
    Ok(conn.query_opt(&stmt, &[&user_id]).await?.map(|r| r.try_get(0)).transpose()?)
}

/// What `add-item` may nest: a live dream or playlist by uuid, as (id, owner, hidden).
pub async fn target(conn: &PgConn, playlist: bool, uuid: Uuid) -> Result<Option<(i32, i32, bool)>, DomainError> {
    let sql = if playlist {
        "SELECT id, user_id, hidden FROM playlist WHERE uuid = $1 AND deleted_at IS NULL"
    } else {
        "SELECT id, user_id, hidden FROM dream WHERE uuid = $1 AND deleted_at IS NULL"
    };
    let row = conn.query_opt(&conn.prepare_cached(sql).await?, &[&uuid]).await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).transpose()
}

/// A live keyframe id by uuid.
pub async fn keyframe_id(conn: &PgConn, uuid: Uuid) -> Result<Option<i32>, DomainError> {
    crate::domain::dreams::store::keyframe_id(conn, uuid).await
}

/// True when a live user has this id.
pub async fn user_exists(conn: &PgConn, id: i32) -> Result<bool, DomainError> {
    crate::domain::dreams::store::user_exists(conn, id).await
}

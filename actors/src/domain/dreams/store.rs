//! SQL reads of the dreams domain. Visibility (`rest-api.md` §3.7) is applied in SQL so
//! counts and pages agree: `listable` = (`NOT hidden` or privileged) and (`NOT nsfw` or
//! viewer nsfw or privileged), privileged = admin or real owner.

use std::collections::{HashMap, HashSet};

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::*;
use crate::db::PgConn;
use crate::domain::users::store::public_user;
use crate::domain::DomainError;

/// Every dream column, numerics as text.
pub(crate) const DREAM_COLS: &str = "d.id, d.uuid, d.user_id, d.displayed_owner_id, d.name, \
    d.status::text AS status, d.video, d.original_video, d.thumbnail, d.processed_video_size, \
    d.processed_video_frames, d.processed_video_fps::text AS processed_video_fps, d.feature_rank, \
    d.upvotes, d.downvotes, d.activity_level::text AS activity_level, d.nsfw, d.hidden, \
    d.ccby_license, d.filmstrip, d.description, d.source_url, d.md5, d.start_keyframe_id, \
    d.end_keyframe_id, d.processed_at, d.created_at, d.updated_at, d.deleted_at";

/// `listable(d)` for a viewer given as $1 (id), $2 (admin), $3 (nsfw).
pub(crate) const LISTABLE: &str =
    "(($2 OR d.user_id = $1 OR NOT d.hidden) AND ($2 OR d.user_id = $1 OR $3 OR NOT d.nsfw))";

/// `visible(x)` for a dream or playlist aliased `x`, the viewer given as parameters
/// `$id`, `$admin`, `$nsfw` (the same rule as [`LISTABLE`], for other aliases and
/// parameter numbers).
pub(crate) fn visible(x: &str, id: u8, admin: u8) -> String {
    format!("(${admin} OR {x}.user_id = ${id} OR NOT {x}.hidden)")
}

/// `listable(x)` = `visible(x) and nsfw_ok(x)` for a dream or playlist aliased `x`.
pub(crate) fn listable(x: &str, id: u8, admin: u8, nsfw: u8) -> String {
    format!("({} AND (${admin} OR {x}.user_id = ${id} OR ${nsfw} OR NOT {x}.nsfw))", visible(x, id, admin))
}

pub(crate) fn dream_row(row: &Row) -> Result<DreamRow, DomainError> {
    Ok(DreamRow {
        id: row.try_get("id")?,
        uuid: row.try_get("uuid")?,
        user_id: row.try_get("user_id")?,
        displayed_owner_id: row.try_get("displayed_owner_id")?,
        name: row.try_get("name")?,
        status: row.try_get("status")?,
        video: row.try_get("video")?,
        original_video: row.try_get("original_video")?,
        thumbnail: row.try_get("thumbnail")?,
        processed_video_size: row.try_get("processed_video_size")?,
        processed_video_frames: row.try_get("processed_video_frames")?,
        processed_video_fps: row.try_get("processed_video_fps")?,
        feature_rank: row.try_get("feature_rank")?,
        upvotes: row.try_get("upvotes")?,
        downvotes: row.try_get("downvotes")?,
        activity_level: row.try_get("activity_level")?,
        nsfw: row.try_get("nsfw")?,
        hidden: row.try_get("hidden")?,
        ccby_license: row.try_get("ccby_license")?,
        filmstrip: row.try_get("filmstrip")?,
        description: row.try_get("description")?,
        source_url: row.try_get("source_url")?,
        md5: row.try_get("md5")?,
        start_keyframe_id: row.try_get("start_keyframe_id")?,
        end_keyframe_id: row.try_get("end_keyframe_id")?,
        processed_at: row.try_get("processed_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
    })
}

/// Loads the users and keyframes the dreams reference (two queries at most).
pub(crate) async fn bundle(conn: &PgConn, dreams: Vec<DreamRow>) -> Result<DreamBundle, DomainError> {
    let user_ids: Vec<i32> = dreams
        .iter()
        .flat_map(|d| [Some(d.user_id), d.displayed_owner_id])
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let users = users_by_ids(conn, &user_ids).await?;
    let kf_ids: Vec<i32> = dreams
        .iter()
        .flat_map(|d| [d.start_keyframe_id, d.end_keyframe_id])
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut keyframes = HashMap::new();
    if !kf_ids.is_empty() {
        let stmt = conn
            .prepare_cached(
                "SELECT id, uuid, name, image, created_at, updated_at, deleted_at FROM keyframe \
                 WHERE id = ANY($1) AND deleted_at IS NULL",
            )
            .await?;
        for r in conn.query(&stmt, &[&kf_ids]).await? {
            let k = KeyframeCols {
                id: r.try_get(0)?,
                uuid: r.try_get(1)?,
                name: r.try_get(2)?,
                image: r.try_get(3)?,
                created_at: r.try_get(4)?,
                updated_at: r.try_get(5)?,
                deleted_at: r.try_get(6)?,
            };
            keyframes.insert(k.id, k);
        }
    }
    Ok(DreamBundle { dreams, users, keyframes })
}

/// PublicUsers by id (deleted users included: a dream still names its owner).
pub(crate) async fn users_by_ids(
    conn: &PgConn,
    ids: &[i32],
) -> Result<HashMap<i32, crate::domain::users::model::PublicUser>, DomainError> {
    let mut users = HashMap::new();
    if ids.is_empty() {
        return Ok(users);
    }
    let stmt = conn.prepare_cached("SELECT * FROM users WHERE id = ANY($1)").await?;
    for r in conn.query(&stmt, &[&ids]).await? {
        let u = public_user(&r)?;
        users.insert(u.id, u);
    }
    Ok(users)
}

pub async fn list(conn: &PgConn, viewer: Viewer, q: ListQuery) -> Result<(DreamBundle, i64), DomainError> {
    let filter = format!(
        "d.deleted_at IS NULL AND d.status::text = $4 AND {LISTABLE} \
         AND ($5::uuid IS NULL OR d.user_id = (SELECT id FROM users WHERE uuid = $5))"
    );
    let params: [&(dyn ToSql + Sync); 5] = [&viewer.id, &viewer.admin, &viewer.nsfw, &q.status, &q.user_uuid];
    let count_sql = format!("SELECT count(*) FROM dream d WHERE {filter}");
    let count: i64 = conn.query_one(&conn.prepare_cached(&count_sql).await?, &params).await?.try_get(0)?;
    let sql = format!(
        "SELECT {DREAM_COLS} FROM dream d WHERE {filter} ORDER BY d.created_at DESC, d.id DESC LIMIT $6 OFFSET $7"
    );
    let mut all = params.to_vec();
    all.push(&q.take);
    all.push(&q.skip);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    let dreams = rows.iter().map(dream_row).collect::<Result<Vec<_>, _>>()?;
    Ok((bundle(conn, dreams).await?, count))
}

pub async fn my_dreams(conn: &PgConn, owner: i32, take: i64, skip: i64) -> Result<(DreamBundle, i64), DomainError> {
    let count: i64 = conn
        .query_one("SELECT count(*) FROM dream d WHERE d.user_id = $1 AND d.deleted_at IS NULL", &[&owner])
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT {DREAM_COLS} FROM dream d WHERE d.user_id = $1 AND d.deleted_at IS NULL \
         ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3"
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&owner, &take, &skip]).await?;
    let dreams = rows.iter().map(dream_row).collect::<Result<Vec<_>, _>>()?;
    Ok((bundle(conn, dreams).await?, count))
}

/// A live dream by uuid, with its users and keyframes.
pub async fn by_uuid(conn: &PgConn, uuid: Uuid) -> Result<Option<DreamBundle>, DomainError> {
    let sql = format!("SELECT {DREAM_COLS} FROM dream d WHERE d.uuid = $1 AND d.deleted_at IS NULL");
    let Some(row) = conn.query_opt(&conn.prepare_cached(&sql).await?, &[&uuid]).await? else {
        return Ok(None);
    };
    Ok(Some(bundle(conn, vec![dream_row(&row)?]).await?))
}

/// `GET /dream/:uuid`: the dream, the items placing it in playlists visible to the
/// viewer, and (privileged viewers) its unprocessed reports.
pub async fn detail(conn: &PgConn, viewer: Viewer, uuid: Uuid) -> Result<Option<DreamDetail>, DomainError> {
    let Some(bundle) = by_uuid(conn, uuid).await? else { return Ok(None) };
    let Some(dream) = bundle.dreams.first() else { return Ok(None) };
    let (dream_id, owner) = (dream.id, dream.user_id);
    let playlist_items = playlist_refs(conn, viewer, dream_id).await?;
    let reports = if viewer.privileged(owner) { reports(conn, dream_id).await? } else { Vec::new() };
    Ok(Some(DreamDetail { bundle, playlist_items, reports }))
}

async fn playlist_refs(conn: &PgConn, viewer: Viewer, dream_id: i32) -> Result<Vec<PlaylistRef>, DomainError> {
    let stmt = conn
        .prepare_cached(
            "SELECT pi.id AS item_id, pi.type::text AS item_type, pi.sort_order, pi.created_at AS item_created_at, \
                    pi.updated_at AS item_updated_at, pi.deleted_at AS item_deleted_at, p.id, p.uuid, p.name, \
                    p.description, p.created_at, p.updated_at, p.deleted_at, p.nsfw, p.hidden, p.feature_rank, \
                    p.user_id, p.displayed_owner_id, p.thumbnail \
             FROM playlist_item pi JOIN playlist p ON p.id = pi.playlist_id \
             WHERE pi.dream_item_id = $1 AND pi.deleted_at IS NULL AND p.deleted_at IS NULL \
               AND ($3 OR p.user_id = $2 OR NOT p.hidden) \
             ORDER BY pi.id",
        )
        .await?;
    let rows = conn.query(&stmt, &[&dream_id, &viewer.id, &viewer.admin]).await?;
    let ids: Vec<i32> = rows
        .iter()
        .flat_map(|r| {
            [r.try_get::<_, i32>("user_id").ok(), r.try_get::<_, Option<i32>>("displayed_owner_id").ok().flatten()]
        })
        .flatten()
        .collect();
    let users = users_by_ids(conn, &ids).await?;
    let mut refs = rows
        .iter()
        .map(|r| {
            let user_id: i32 = r.try_get("user_id")?;
            let shown: Option<i32> = r.try_get("displayed_owner_id")?;
            Ok(PlaylistRef {
                item_id: r.try_get("item_id")?,
                item_type: r.try_get("item_type")?,
                order: r.try_get("sort_order")?,
                item_created_at: r.try_get("item_created_at")?,
                item_updated_at: r.try_get("item_updated_at")?,
                item_deleted_at: r.try_get("item_deleted_at")?,
                id: r.try_get("id")?,
                uuid: r.try_get("uuid")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                thumbnail: r.try_get("thumbnail")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                deleted_at: r.try_get("deleted_at")?,
                nsfw: r.try_get("nsfw")?,
                hidden: r.try_get("hidden")?,
                feature_rank: r.try_get("feature_rank")?,
                user: users.get(&user_id).cloned(),
                displayed_owner: shown.and_then(|id| users.get(&id).cloned()),
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    // Playlists without their own thumbnail show the recursive fallback (`rest-api.md` §2).
    let missing: Vec<i32> = refs.iter().filter(|r| r.thumbnail.is_none()).map(|r| r.id).collect();
    let found = crate::domain::playlists::store::fallbacks(conn, viewer, &missing).await?;
    for r in refs.iter_mut().filter(|r| r.thumbnail.is_none()) {
        r.thumbnail = found.get(&r.id).cloned();
    }
    Ok(refs)
}

/// `to_char` pattern giving the wire timestamp format (`…T12:34:56.789Z`).
const TS: &str = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";

async fn reports(conn: &PgConn, dream_id: i32) -> Result<Vec<serde_json::Value>, DomainError> {
    let ts = |col: &str| format!("to_char({col} AT TIME ZONE 'UTC', {TS})");
    let sql = format!(
        "SELECT json_build_object('id', r.id, 'uuid', r.uuid, \
            'dream', json_build_object('uuid', d.uuid, 'name', d.name), \
            'reportedBy', json_build_object('uuid', rb.uuid, 'name', rb.name, 'email', rb.email), \
            'processedBy', CASE WHEN pb.id IS NULL THEN NULL ELSE json_build_object('uuid', pb.uuid, 'name', pb.name, 'email', pb.email) END, \
            'comments', r.comments, 'processed', r.processed, 'link', r.link, \
            'reportedAt', {}, 'processedAt', {}, 'created_at', {}, 'updated_at', {}, \
            'type', json_build_object('id', t.id, 'description', t.description, 'created_at', {}, 'updated_at', {}, 'deleted_at', {})) \
         FROM report r JOIN dream d ON d.id = r.dream_id JOIN users rb ON rb.id = r.reported_by_id \
         LEFT JOIN users pb ON pb.id = r.processed_by_id JOIN report_type t ON t.id = r.type_id \
         WHERE r.dream_id = $1 AND r.deleted_at IS NULL AND NOT r.processed ORDER BY r.id DESC",
        ts("r.reported_at"),
        ts("r.processed_at"),
        ts("r.created_at"),
        ts("r.updated_at"),
        ts("t.created_at"),
        ts("t.updated_at"),
        ts("t.deleted_at"),
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&dream_id]).await?;
    rows.iter().map(|r| r.try_get::<_, serde_json::Value>(0).map_err(DomainError::from)).collect()
}

pub async fn vote_of(conn: &PgConn, user: i32, dream_id: i32) -> Result<Option<VoteRow>, DomainError> {
    let stmt = conn
        .prepare_cached(
            "SELECT id, vote::text, created_at, updated_at, deleted_at FROM vote \
             WHERE user_id = $1 AND dream_id = $2 AND deleted_at IS NULL",
        )
        .await?;
    conn.query_opt(&stmt, &[&user, &dream_id])
        .await?
        .map(|r| {
            Ok(VoteRow {
                id: r.try_get(0)?,
                vote: r.try_get(1)?,
                created_at: r.try_get(2)?,
                updated_at: r.try_get(3)?,
                deleted_at: r.try_get(4)?,
            })
        })
        .transpose()
}

/// Live keyframe id by uuid.
pub async fn keyframe_id(conn: &PgConn, uuid: Uuid) -> Result<Option<i32>, DomainError> {
    let stmt = conn.prepare_cached("SELECT id FROM keyframe WHERE uuid = $1 AND deleted_at IS NULL").await?;
    Ok(conn.query_opt(&stmt, &[&uuid]).await?.map(|r| r.try_get(0)).transpose()?)
}

/// True when a live user has this id.
pub async fn user_exists(conn: &PgConn, id: i32) -> Result<bool, DomainError> {
    let stmt = conn.prepare_cached("SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL").await?;
    Ok(conn.query_opt(&stmt, &[&id]).await?.is_some())
}

/// Live dreams created in the UTC day range (inclusive), oldest first.
pub async fn created_between(conn: &PgConn, range: DateRange) -> Result<Vec<QueuedDream>, DomainError> {
    let stmt = conn
        .prepare_cached(
            "SELECT uuid, user_id, original_video FROM dream WHERE deleted_at IS NULL \
             AND created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' \
             AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC' ORDER BY created_at, id",
        )
        .await?;
    let rows = conn.query(&stmt, &[&range.from, &range.to]).await?;
    rows.iter()
        .map(|r| Ok(QueuedDream { uuid: r.try_get(0)?, user_id: r.try_get(1)?, original_video: r.try_get(2)? }))
        .collect()
}

//! SQL of the keyframes domain. Related dreams and playlist links use the shared
//! `listable` rule of the dreams store (`rest-api.md` §3.7) with the viewer as $1 (id),
//! $2 (admin), $3 (nsfw). The delete cascade runs in one transaction.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Row;
use uuid::Uuid;

use super::model::*;
use crate::db::PgConn;
use crate::domain::dreams::store::{bundle, dream_row, users_by_ids, DREAM_COLS, LISTABLE};
use crate::domain::dreams::Viewer;
use crate::domain::DomainError;

const KEYFRAME_COLS: &str =
    "k.id, k.uuid, k.user_id, k.displayed_owner_id, k.name, k.image, k.created_at, k.updated_at, k.deleted_at";

/// The shared `listable` rule applied to another table alias (`p` for playlists).
pub(crate) fn listable_as(alias: &str) -> String {
    LISTABLE.replace("d.", &format!("{alias}."))
}

fn keyframe_row(r: &Row) -> Result<KeyframeRow, DomainError> {
    Ok(KeyframeRow {
        id: r.try_get("id")?,
        uuid: r.try_get("uuid")?,
        user_id: r.try_get("user_id")?,
        displayed_owner_id: r.try_get("displayed_owner_id")?,
        name: r.try_get("name")?,
        image: r.try_get("image")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted_at: r.try_get("deleted_at")?,
    })
}

/// Loads users, visible playlist links and listable dreams of `keyframes`.
async fn relations(conn: &PgConn, viewer: Viewer, keyframes: Vec<KeyframeRow>) -> Result<KeyframeBundle, DomainError> {
    let ids: Vec<i32> = keyframes.iter().map(|k| k.id).collect();
    let user_ids: Vec<i32> = keyframes
        .iter()
        .flat_map(|k| [Some(k.user_id), k.displayed_owner_id])
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let users = users_by_ids(conn, &user_ids).await?;
    let mut playlist_keyframes: HashMap<i32, Vec<PlaylistKeyframeRef>> = HashMap::new();
    let mut dreams = Vec::new();
    if !ids.is_empty() {
        let sql = format!(
            "SELECT pk.id, pk.keyframe_id, pk.sort_order, pk.created_at, pk.updated_at, pk.deleted_at \
             FROM playlist_keyframe pk JOIN playlist p ON p.id = pk.playlist_id \
             WHERE pk.keyframe_id = ANY($4) AND pk.deleted_at IS NULL AND p.deleted_at IS NULL AND {} \
             ORDER BY pk.id",
            listable_as("p")
        );
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] = [&viewer.id, &viewer.admin, &viewer.nsfw, &ids];
        for r in conn.query(&conn.prepare_cached(&sql).await?, &params).await? {
            let keyframe_id: i32 = r.try_get(1)?;
            playlist_keyframes.entry(keyframe_id).or_default().push(PlaylistKeyframeRef {
                id: r.try_get(0)?,
                order: r.try_get(2)?,
                created_at: r.try_get(3)?,
                updated_at: r.try_get(4)?,
                deleted_at: r.try_get(5)?,
            });
        }
        let sql = format!(
            "SELECT {DREAM_COLS} FROM dream d WHERE d.deleted_at IS NULL \
             AND (d.start_keyframe_id = ANY($4) OR d.end_keyframe_id = ANY($4)) AND {LISTABLE} \
             ORDER BY d.created_at DESC, d.id DESC"
        );
        let rows = conn.query(&conn.prepare_cached(&sql).await?, &params).await?;
        dreams = rows.iter().map(dream_row).collect::<Result<Vec<_>, _>>()?;
    }
    Ok(KeyframeBundle { keyframes, users, playlist_keyframes, dreams: bundle(conn, dreams).await? })
}

/// `GET /keyframe`: `updated_at DESC` (ties: id DESC) with the total.
pub async fn list(conn: &PgConn, viewer: Viewer, q: KeyframeQuery) -> Result<(KeyframeBundle, i64), DomainError> {
    let filter = "k.deleted_at IS NULL AND ($1::text IS NULL OR k.name ILIKE '%' || $1 || '%') \
                  AND ($2::uuid IS NULL OR k.user_id = (SELECT id FROM users WHERE uuid = $2))";
    let count_sql = format!("SELECT count(*) FROM keyframe k WHERE {filter}");
    let count: i64 =
        conn.query_one(&conn.prepare_cached(&count_sql).await?, &[&q.search, &q.user_uuid]).await?.try_get(0)?;
    let sql = format!(
        "SELECT {KEYFRAME_COLS} FROM keyframe k WHERE {filter} ORDER BY k.updated_at DESC, k.id DESC LIMIT $3 OFFSET $4"
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&q.search, &q.user_uuid, &q.take, &q.skip]).await?;
    let keyframes = rows.iter().map(keyframe_row).collect::<Result<Vec<_>, _>>()?;
    Ok((relations(conn, viewer, keyframes).await?, count))
}

/// A live keyframe row by uuid.
pub async fn row_by_uuid(conn: &PgConn, uuid: Uuid) -> Result<Option<KeyframeRow>, DomainError> {
    let sql = format!("SELECT {KEYFRAME_COLS} FROM keyframe k WHERE k.uuid = $1 AND k.deleted_at IS NULL");
    conn.query_opt(&conn.prepare_cached(&sql).await?, &[&uuid]).await?.as_ref().map(keyframe_row).transpose()
}

/// A live keyframe with its relations.
pub async fn detail(conn: &PgConn, viewer: Viewer, uuid: Uuid) -> Result<Option<KeyframeBundle>, DomainError> {
    let Some(row) = row_by_uuid(conn, uuid).await? else { return Ok(None) };
    Ok(Some(relations(conn, viewer, vec![row]).await?))
}

pub async fn create(conn: &PgConn, owner: i32, name: String) -> Result<Uuid, DomainError> {
    let stmt = conn.prepare_cached("INSERT INTO keyframe (user_id, name) VALUES ($1, $2) RETURNING uuid").await?;
    Ok(conn.query_one(&stmt, &[&owner, &name]).await?.try_get(0)?)
}

/// Writes `name` and, when given, `displayed_owner_id` (whitelist of `data-model.md` §6).
pub async fn update(conn: &PgConn, id: i32, u: KeyframeUpdate) -> Result<(), DomainError> {
    let n = conn
        .execute(
            "UPDATE keyframe SET name = $2, displayed_owner_id = COALESCE($3, displayed_owner_id) \
             WHERE id = $1 AND deleted_at IS NULL",
            &[&id, &u.name, &u.displayed_owner_id],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

pub async fn set_image(conn: &PgConn, id: i32, key: Option<String>) -> Result<(), DomainError> {
    let n = conn.execute("UPDATE keyframe SET image = $2 WHERE id = $1 AND deleted_at IS NULL", &[&id, &key]).await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// Soft-deletes the keyframe and its playlist links (renumbering each affected playlist's
/// remaining keyframes 0..n−1 and bumping its `updated_at`), and clears the dreams'
/// `start/end_keyframe_id` references, all in one transaction.
pub async fn soft_delete(conn: &mut PgConn, id: i32) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    if tx.execute("UPDATE keyframe SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL", &[&id]).await? == 0 {
        return Err(DomainError::NotFound);
    }
    // Lock the affected playlists (in id order, so concurrent cascades cannot deadlock)
    // before touching their links: keyframe adds count a playlist's links under the
    // same row lock, so orders stay distinct.
    let rows = tx
        .query(
            "SELECT id FROM playlist WHERE id IN (SELECT playlist_id FROM playlist_keyframe \
             WHERE keyframe_id = $1 AND deleted_at IS NULL) ORDER BY id FOR UPDATE",
            &[&id],
        )
        .await?;
    let playlists: Vec<i32> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    tx.execute("UPDATE playlist_keyframe SET deleted_at = now() WHERE keyframe_id = $1 AND deleted_at IS NULL", &[&id])
        .await?;
    if !playlists.is_empty() {
        tx.execute(
            "UPDATE playlist_keyframe pk SET sort_order = r.rn FROM ( \
                SELECT id, (row_number() OVER (PARTITION BY playlist_id ORDER BY sort_order, id) - 1)::int AS rn \
                FROM playlist_keyframe WHERE playlist_id = ANY($1) AND deleted_at IS NULL) r \
             WHERE pk.id = r.id AND pk.sort_order <> r.rn",
            &[&playlists],
        )
        .await?;
        tx.execute("UPDATE playlist SET updated_at = now() WHERE id = ANY($1)", &[&playlists]).await?;
    }
    tx.execute("UPDATE dream SET start_keyframe_id = NULL WHERE start_keyframe_id = $1", &[&id]).await?;
    tx.execute("UPDATE dream SET end_keyframe_id = NULL WHERE end_keyframe_id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(())
}

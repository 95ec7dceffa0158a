//! SQL writes of the playlists domain. Every write that touches more than one row runs in
//! one transaction, and every change to a playlist's items or keyframes first takes the
//! parent playlist's row lock (`FOR UPDATE`): parallel adds then see each other's rows
//! and get distinct orders, and renumbering never interleaves with an add.
//!
//! Nesting a playlist additionally takes a transaction-scoped advisory lock
//! ([`NESTING_LOCK`]) before its cycle check: two parallel adds A→B and B→A lock
//! different parents, so without it each could pass its check before the other commits
//! and together form a cycle. Only playlist-in-playlist adds take it.

use tokio_postgres::types::ToSql;
use tokio_postgres::Transaction;

use super::model::*;
use super::store_items::{item_row, keyframe_page, page_for, playlist_keyframe_row};
use crate::db::{DbError, PgConn};
use crate::domain::DomainError;

/// Advisory lock key serialising playlist-in-playlist adds (cycle checks).
const NESTING_LOCK: i64 = 0x706c_6e65_7374; // "plnest"

/// 409 message of duplicate items and keyframes (`rest-api.md` §1.2).
pub const ALREADY_EXISTS: &str = "Resource already exists.";

fn conflict_on_unique(e: tokio_postgres::Error) -> DomainError {
    let e = DbError::from(e);
    if e.sqlstate() == Some("23505") {
        DomainError::Conflict(ALREADY_EXISTS)
    } else {
        e.into()
    }
}

/// Inserts the playlist and its feed item (type `playlist`, user = owner). Returns its id.
pub async fn create(conn: &mut PgConn, owner: i32, new: NewPlaylist) -> Result<i32, DomainError> {
    let tx = conn.transaction().await?;
    let row = tx
        .query_one(
            "INSERT INTO playlist (user_id, name, description, nsfw, hidden) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, created_at",
            &[&owner, &new.name, &new.description, &new.nsfw, &new.hidden],
        )
        .await?;
    let id: i32 = row.try_get(0)?;
    let created: chrono::DateTime<chrono::Utc> = row.try_get(1)?;
    tx.execute(
        "INSERT INTO feed_item (user_id, type, playlist_item_id, created_at, updated_at) \
         VALUES ($1, 'playlist', $2, $3, $3)",
        &[&owner, &id, &created],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whitelisted update plus, for an admin's displayed owner, the feed item's user.
pub async fn update(conn: &mut PgConn, id: i32, u: PlaylistUpdate) -> Result<(), DomainError> {
    let mut sets: Vec<String> = Vec::new();
    let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let mut push = |col: &str, v: Box<dyn ToSql + Sync + Send>| {
        values.push(v);
        sets.push(format!("{col} = ${}", values.len() + 1));
    };
    if let Some(v) = u.name {
        push("name", Box::new(v));
    }
    if let Some(v) = u.description {
        push("description", Box::new(v));
    }
    if let Some(v) = u.nsfw {
        push("nsfw", Box::new(v));
    }
    if let Some(v) = u.hidden {
        push("hidden", Box::new(v));
    }
    if let Some(v) = u.feature_rank {
        push("feature_rank", Box::new(v));
    }
    if let Some(v) = u.displayed_owner_id {
        push("displayed_owner_id", Box::new(v));
    }
    let tx = conn.transaction().await?;
    if !sets.is_empty() {
        let sql = format!("UPDATE playlist SET {} WHERE id = $1 AND deleted_at IS NULL", sets.join(", "));
        let mut refs: Vec<&(dyn ToSql + Sync)> = vec![&id];
        refs.extend(values.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)));
        if tx.execute(sql.as_str(), &refs).await? == 0 {
            return Err(DomainError::NotFound);
        }
    }
    if let Some(owner) = u.displayed_owner_id {
        tx.execute(
            "UPDATE feed_item SET user_id = $2 WHERE playlist_item_id = $1 AND deleted_at IS NULL",
            &[&id, &owner],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets (or clears) the playlist's own thumbnail key.
pub async fn set_thumbnail(conn: &PgConn, id: i32, key: Option<String>) -> Result<(), DomainError> {
    let n =
        conn.execute("UPDATE playlist SET thumbnail = $2 WHERE id = $1 AND deleted_at IS NULL", &[&id, &key]).await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// Renumbers the live items of `playlists` 0..n−1 by current order (ties by id) and
/// bumps those playlists' `updated_at`.
pub(crate) async fn renumber_items(tx: &Transaction<'_>, playlists: &[i32]) -> Result<(), DomainError> {
    tx.execute(
        "UPDATE playlist_item pi SET sort_order = r.rn FROM ( \
            SELECT id, (row_number() OVER (PARTITION BY playlist_id ORDER BY sort_order, id) - 1)::int AS rn \
            FROM playlist_item WHERE playlist_id = ANY($1) AND deleted_at IS NULL) r \
         WHERE pi.id = r.id AND pi.sort_order <> r.rn",
        &[&playlists],
    )
    .await?;
    bump(tx, playlists).await
}

async fn renumber_keyframes(tx: &Transaction<'_>, playlist: i32) -> Result<(), DomainError> {
    tx.execute(
        "UPDATE playlist_keyframe pk SET sort_order = r.rn FROM ( \
            SELECT id, (row_number() OVER (ORDER BY sort_order, id) - 1)::int AS rn \
            FROM playlist_keyframe WHERE playlist_id = $1 AND deleted_at IS NULL) r \
         WHERE pk.id = r.id AND pk.sort_order <> r.rn",
        &[&playlist],
    )
    .await?;
    bump(tx, &[playlist]).await
}

async fn bump(tx: &Transaction<'_>, playlists: &[i32]) -> Result<(), DomainError> {
    tx.execute("UPDATE playlist SET updated_at = now() WHERE id = ANY($1) AND deleted_at IS NULL", &[&playlists])
        .await?;
    Ok(())
}

/// Takes the parent's row lock; `NotFound` when it is missing or deleted.
async fn lock(tx: &Transaction<'_>, id: i32) -> Result<(), DomainError> {
    let row = tx.query_opt("SELECT 1 FROM playlist WHERE id = $1 AND deleted_at IS NULL FOR UPDATE", &[&id]).await?;
    row.map(|_| ()).ok_or(DomainError::NotFound)
}

/// Soft-deletes the playlist, its items, its playlist keyframes, its feed item and the
/// items of other playlists that nest it (renumbering and bumping those playlists).
pub async fn soft_delete(conn: &mut PgConn, id: i32) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    lock(&tx, id).await?;
    tx.execute("UPDATE playlist SET deleted_at = now() WHERE id = $1", &[&id]).await?;
    tx.execute("UPDATE playlist_item SET deleted_at = now() WHERE playlist_id = $1 AND deleted_at IS NULL", &[&id])
        .await?;
    tx.execute("UPDATE playlist_keyframe SET deleted_at = now() WHERE playlist_id = $1 AND deleted_at IS NULL", &[&id])
        .await?;
    tx.execute("UPDATE feed_item SET deleted_at = now() WHERE playlist_item_id = $1 AND deleted_at IS NULL", &[&id])
        .await?;
    let rows = tx
        .query(
            "UPDATE playlist_item SET deleted_at = now() WHERE playlist_item_id = $1 AND deleted_at IS NULL \
             RETURNING playlist_id",
            &[&id],
        )
        .await?;
    let mut parents: Vec<i32> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    parents.sort_unstable();
    parents.dedup();
    if !parents.is_empty() {
        renumber_items(&tx, &parents).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets the order of the listed items that belong to the playlist (others ignored) and
/// bumps its `updated_at`. `order` holds (item id, new order), duplicates resolved by
/// the edge.
pub async fn reorder(conn: &mut PgConn, id: i32, order: Vec<(i32, i32)>) -> Result<(), DomainError> {
    let (ids, orders): (Vec<i32>, Vec<i32>) = order.into_iter().unzip();
    let tx = conn.transaction().await?;
    lock(&tx, id).await?;
    tx.execute(
        "UPDATE playlist_item pi SET sort_order = o.ord FROM unnest($2::int[], $3::int[]) AS o(id, ord) \
         WHERE pi.id = o.id AND pi.playlist_id = $1 AND pi.deleted_at IS NULL",
        &[&id, &ids, &orders],
    )
    .await?;
    bump(&tx, &[id]).await?;
    tx.commit().await?;
    Ok(())
}

/// True when `target` (a playlist) is `parent` or nests it, transitively.
async fn would_cycle(tx: &Transaction<'_>, parent: i32, target: i32) -> Result<bool, DomainError> {
    let row = tx
        .query_one(
            "WITH RECURSIVE reach(pid) AS ( \
                 SELECT $2::int \
               UNION \
                 SELECT c.id FROM reach r \
                 JOIN playlist_item pi ON pi.playlist_id = r.pid AND pi.deleted_at IS NULL AND pi.type = 'playlist' \
                 JOIN playlist c ON c.id = pi.playlist_item_id AND c.deleted_at IS NULL \
             ) SELECT EXISTS (SELECT 1 FROM reach WHERE pid = $1)",
            &[&parent, &target],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Appends a dream or playlist to `parent` at order = number of live items, under the
/// parent's row lock. Duplicate → `Conflict`; a self or cyclic nesting → `Cycle`.
pub async fn add_item(
    conn: &mut PgConn,
    viewer: Viewer,
    parent: i32,
    target: ItemTarget,
) -> Result<AddOutcome, DomainError> {
    let tx = conn.transaction().await?;
    if let ItemTarget::Playlist(child) = target {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&NESTING_LOCK]).await?;
        if would_cycle(&tx, parent, child).await? {
            return Ok(AddOutcome::Cycle);
        }
    }
    lock(&tx, parent).await?;
    let (kind, dream, playlist) = match target {
        ItemTarget::Dream(d) => ("dream", Some(d), None::<i32>),
        ItemTarget::Playlist(p) => ("playlist", None::<i32>, Some(p)),
    };
    let dup = tx
        .query_opt(
            "SELECT 1 FROM playlist_item WHERE playlist_id = $1 AND deleted_at IS NULL \
             AND (dream_item_id = $2 OR playlist_item_id = $3)",
            &[&parent, &dream, &playlist],
        )
        .await?;
    if dup.is_some() {
        return Err(DomainError::Conflict(ALREADY_EXISTS));
    }
    let row = tx
        .query_one(
            "INSERT INTO playlist_item (playlist_id, type, dream_item_id, playlist_item_id, sort_order) \
             SELECT $1, $2::text::playlist_item_type, $3, $4, count(*)::int FROM playlist_item \
             WHERE playlist_id = $1 AND deleted_at IS NULL \
             RETURNING id, type::text AS kind, sort_order, created_at, updated_at, deleted_at, dream_item_id, \
                       playlist_item_id",
            &[&parent, &kind, &dream, &playlist],
        )
        .await
        .map_err(conflict_on_unique)?;
    let item = item_row(&row)?;
    bump(&tx, &[parent]).await?;
    tx.commit().await?;
    Ok(AddOutcome::Added(Box::new(page_for(conn, viewer, vec![item], 1).await?)))
}

/// Soft-deletes one item of `parent` and renumbers the rest; `NotFound` when the item is
/// not a live item of this playlist.
pub async fn remove_item(conn: &mut PgConn, parent: i32, item: i32) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    lock(&tx, parent).await?;
    let n = tx
        .execute(
            "UPDATE playlist_item SET deleted_at = now() WHERE id = $1 AND playlist_id = $2 AND deleted_at IS NULL",
            &[&item, &parent],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    renumber_items(&tx, &[parent]).await?;
    tx.commit().await?;
    Ok(())
}

/// Attaches a keyframe at order = number of live keyframes, under the parent's lock.
pub async fn add_keyframe(conn: &mut PgConn, parent: i32, keyframe: i32) -> Result<KeyframesPage, DomainError> {
    let tx = conn.transaction().await?;
    lock(&tx, parent).await?;
    let dup = tx
        .query_opt(
            "SELECT 1 FROM playlist_keyframe WHERE playlist_id = $1 AND keyframe_id = $2 AND deleted_at IS NULL",
            &[&parent, &keyframe],
        )
        .await?;
    if dup.is_some() {
        return Err(DomainError::Conflict(ALREADY_EXISTS));
    }
    let row = tx
        .query_one(
            "WITH ins AS ( \
                 INSERT INTO playlist_keyframe (playlist_id, keyframe_id, sort_order) \
                 SELECT $1, $2, count(*)::int FROM playlist_keyframe WHERE playlist_id = $1 AND deleted_at IS NULL \
                 RETURNING id, sort_order, created_at, updated_at, deleted_at, keyframe_id) \
             SELECT ins.id, ins.sort_order, ins.created_at, ins.updated_at, ins.deleted_at, k.id AS k_id, k.uuid, \
                    k.name, k.image, k.created_at AS k_created_at, k.updated_at AS k_updated_at, \
                    k.deleted_at AS k_deleted_at, k.user_id, k.displayed_owner_id \
             FROM ins JOIN keyframe k ON k.id = ins.keyframe_id",
            &[&parent, &keyframe],
        )
        .await
        .map_err(conflict_on_unique)?;
    let pk = playlist_keyframe_row(&row)?;
    bump(&tx, &[parent]).await?;
    tx.commit().await?;
    keyframe_page(conn, pk).await
}

/// Detaches one playlist keyframe and renumbers the rest; `NotFound` when it is not a
/// live keyframe link of this playlist.
pub async fn remove_keyframe(conn: &mut PgConn, parent: i32, link: i32) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    lock(&tx, parent).await?;
    let n = tx
        .execute(
            "UPDATE playlist_keyframe SET deleted_at = now() WHERE id = $1 AND playlist_id = $2 AND deleted_at IS NULL",
            &[&link, &parent],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    renumber_keyframes(&tx, parent).await?;
    tx.commit().await?;
    Ok(())
}

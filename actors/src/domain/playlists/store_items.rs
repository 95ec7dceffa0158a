//! SQL reads of a playlist's contents: its items (with what the PlaylistItem shape needs,
//! one level of nested items included), its keyframe links and the items of other
//! playlists that nest it. Same conventions as [`super::store`]: viewer in `$1..$3`,
//! `listable` applied in SQL so totals and pages agree.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Row;

use super::model::*;
use super::store::{bundle, params, playlist_row, PLAYLIST_COLS};
use crate::db::PgConn;
use crate::domain::dreams::store::{bundle as dream_bundle, dream_row, listable, users_by_ids, DREAM_COLS};
use crate::domain::DomainError;

const ITEM_COLS: &str = "pi.id, pi.type::text AS kind, pi.sort_order, pi.created_at, pi.updated_at, pi.deleted_at, \
    pi.dream_item_id, pi.playlist_item_id, pi.playlist_id";

pub(crate) fn item_row(r: &Row) -> Result<ItemRow, DomainError> {
    Ok(ItemRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        order: r.try_get("sort_order")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted_at: r.try_get("deleted_at")?,
        dream_id: r.try_get("dream_item_id")?,
        playlist_id: r.try_get("playlist_item_id")?,
    })
}

/// The filter of listable items under the parents `$4`.
fn items_filter() -> String {
    format!(
        "pi.playlist_id = ANY($4) AND pi.deleted_at IS NULL AND ( \
           (pi.type = 'dream' AND d.id IS NOT NULL AND d.deleted_at IS NULL AND {}) \
           OR (pi.type = 'playlist' AND c.id IS NOT NULL AND c.deleted_at IS NULL AND {}))",
        listable("d", 1, 2, 3),
        listable("c", 1, 2, 3)
    )
}

const ITEMS_FROM: &str = "FROM playlist_item pi LEFT JOIN dream d ON d.id = pi.dream_item_id \
    LEFT JOIN playlist c ON c.id = pi.playlist_item_id";

/// Listable items of `parents` in order, each with its parent id; `page` = (take, skip),
/// `None` for all of them.
async fn item_rows(
    conn: &PgConn,
    viewer: Viewer,
    parents: &[i32],
    page: Option<(i64, i64)>,
) -> Result<Vec<(i32, ItemRow)>, DomainError> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {ITEM_COLS} {ITEMS_FROM} WHERE {} ORDER BY pi.playlist_id, pi.sort_order, pi.id LIMIT $5 OFFSET $6",
        items_filter()
    );
    let (take, skip) = (page.map(|p| p.0), page.map_or(0, |p| p.1));
    let mut all = params(&viewer).to_vec();
    all.push(&parents);
    all.push(&take);
    all.push(&skip);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    rows.iter().map(|r| Ok((r.try_get("playlist_id")?, item_row(r)?))).collect()
}

/// Items of one playlist (a page, or all with `page = None`) with the total number of
/// listable items and everything the PlaylistItem shape needs.
pub async fn items(
    conn: &PgConn,
    viewer: Viewer,
    playlist_id: i32,
    page: Option<(i64, i64)>,
) -> Result<ItemsPage, DomainError> {
    let count_sql = format!("SELECT count(*) {ITEMS_FROM} WHERE {}", items_filter());
    let mut all = params(&viewer).to_vec();
    let parents = vec![playlist_id];
    all.push(&parents);
    let total: i64 = conn.query_one(&conn.prepare_cached(&count_sql).await?, &all).await?.try_get(0)?;
    let items: Vec<ItemRow> = item_rows(conn, viewer, &parents, page).await?.into_iter().map(|(_, i)| i).collect();
    page_for(conn, viewer, items, total).await
}

/// Loads what the PlaylistItem shapes of `items` need: their dreams (with users and
/// keyframes), child playlists and, one level down, the children's listable items.
pub(crate) async fn page_for(
    conn: &PgConn,
    viewer: Viewer,
    items: Vec<ItemRow>,
    total: i64,
) -> Result<ItemsPage, DomainError> {
    let children: Vec<i32> = items.iter().filter_map(|i| i.playlist_id).collect::<HashSet<_>>().into_iter().collect();
    let mut nested: HashMap<i32, Vec<ItemRow>> = HashMap::new();
    for (parent, item) in item_rows(conn, viewer, &children, None).await? {
        nested.entry(parent).or_default().push(item);
    }
    let all_items = || items.iter().chain(nested.values().flatten());
    let dream_ids: Vec<i32> = all_items().filter_map(|i| i.dream_id).collect::<HashSet<_>>().into_iter().collect();
    let playlist_ids: Vec<i32> =
        all_items().filter_map(|i| i.playlist_id).collect::<HashSet<_>>().into_iter().collect();
    let dreams = if dream_ids.is_empty() {
        Default::default()
    } else {
        let sql = format!("SELECT {DREAM_COLS} FROM dream d WHERE d.id = ANY($1)");
        let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&dream_ids]).await?;
        dream_bundle(conn, rows.iter().map(dream_row).collect::<Result<Vec<_>, _>>()?).await?
    };
    let mut playlists = Vec::new();
    if !playlist_ids.is_empty() {
        let sql = format!("SELECT {PLAYLIST_COLS} FROM playlist p WHERE p.id = ANY($1)");
        let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&playlist_ids]).await?;
        playlists = rows.iter().map(playlist_row).collect::<Result<Vec<_>, _>>()?;
    }
    let b = bundle(conn, viewer, playlists).await?;
    Ok(ItemsPage {
        items,
        total,
        dreams,
        playlists: b.playlists.into_iter().map(|p| (p.id, p)).collect(),
        nested,
        users: b.users,
    })
}

/// A single playlist keyframe with the users it names.
pub(crate) async fn keyframe_page(conn: &PgConn, pk: PlaylistKeyframeRow) -> Result<KeyframesPage, DomainError> {
    let ids: Vec<i32> = [Some(pk.keyframe.user_id), pk.keyframe.displayed_owner_id].into_iter().flatten().collect();
    let users = users_by_ids(conn, &ids).await?;
    Ok(KeyframesPage { keyframes: vec![pk], total: 1, users })
}

/// A page of the playlist's keyframes (live keyframes only) in order, with the total.
pub async fn keyframes(conn: &PgConn, playlist_id: i32, take: i64, skip: i64) -> Result<KeyframesPage, DomainError> {
    let from = "FROM playlist_keyframe pk JOIN keyframe k ON k.id = pk.keyframe_id AND k.deleted_at IS NULL \
                WHERE pk.playlist_id = $1 AND pk.deleted_at IS NULL";
    let total: i64 = conn
        .query_one(&conn.prepare_cached(&format!("SELECT count(*) {from}")).await?, &[&playlist_id])
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT pk.id, pk.sort_order, pk.created_at, pk.updated_at, pk.deleted_at, k.id AS k_id, k.uuid, k.name, \
                k.image, k.created_at AS k_created_at, k.updated_at AS k_updated_at, k.deleted_at AS k_deleted_at, \
                k.user_id, k.displayed_owner_id \
         {from} ORDER BY pk.sort_order, pk.id LIMIT $2 OFFSET $3"
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&playlist_id, &take, &skip]).await?;
    let keyframes = rows.iter().map(playlist_keyframe_row).collect::<Result<Vec<_>, _>>()?;
    let ids: HashSet<i32> =
        keyframes.iter().flat_map(|k| [Some(k.keyframe.user_id), k.keyframe.displayed_owner_id]).flatten().collect();
    let users = users_by_ids(conn, &ids.into_iter().collect::<Vec<_>>()).await?;
    Ok(KeyframesPage { keyframes, total, users })
}

pub(crate) fn playlist_keyframe_row(r: &Row) -> Result<PlaylistKeyframeRow, DomainError> {
    Ok(PlaylistKeyframeRow {
        id: r.try_get("id")?,
        order: r.try_get("sort_order")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted_at: r.try_get("deleted_at")?,
        keyframe: KeyframeRow {
            cols: crate::domain::dreams::model::KeyframeCols {
                id: r.try_get("k_id")?,
                uuid: r.try_get("uuid")?,
                name: r.try_get("name")?,
                image: r.try_get("image")?,
                created_at: r.try_get("k_created_at")?,
                updated_at: r.try_get("k_updated_at")?,
                deleted_at: r.try_get("k_deleted_at")?,
            },
            user_id: r.try_get("user_id")?,
            displayed_owner_id: r.try_get("displayed_owner_id")?,
        },
    })
}

/// Live items of other playlists listable by the viewer that nest this one.
pub async fn references(conn: &PgConn, viewer: Viewer, id: i32) -> Result<Vec<Reference>, DomainError> {
    let sql = format!(
        "SELECT {ITEM_COLS}, p.uuid AS parent_uuid, p.name AS parent_name FROM playlist_item pi \
         JOIN playlist p ON p.id = pi.playlist_id AND p.deleted_at IS NULL AND {} \
         WHERE pi.playlist_item_id = $4 AND pi.deleted_at IS NULL AND pi.playlist_id <> $4 \
         ORDER BY pi.id",
        listable("p", 1, 2, 3)
    );
    let mut all = params(&viewer).to_vec();
    all.push(&id);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    rows.iter()
        .map(|r| {
            Ok(Reference {
                item: item_row(r)?,
                parent_id: r.try_get("playlist_id")?,
                parent_uuid: r.try_get("parent_uuid")?,
                parent_name: r.try_get("parent_name")?,
            })
        })
        .collect()
}

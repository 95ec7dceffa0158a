//! `GET /client/playlist/:uuid`: a playlist flattened into the dreams the desktop plays.
//!
//! Two set-based queries, then a walk in memory: (1) every live, listable playlist
//! reachable from the root through playlist items (a recursive `UNION` query, which
//! terminates on cycles because it keeps each playlist once) with all their live items;
//! (2) the processed, listable dreams those items name. The walk then expands nested
//! playlists in place, in item order, up to [`MAX_DEPTH`] levels below the root and never
//! re-entering a playlist already on the current path, so a cycle ends the branch instead
//! of looping. A playlist reached along two paths is expanded twice (each path plays it);
//! [`MAX_CONTENTS`] bounds the output of such diamond-shaped graphs.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::model::*;
use crate::db::PgConn;
use crate::domain::dreams::store::LISTABLE;
use crate::domain::dreams::Viewer;
use crate::domain::DomainError;

/// Nested playlists are expanded at most this many levels below the root (§6.2).
pub const MAX_DEPTH: usize = 10;

/// Upper bound of `contents`: a graph of shared sub-playlists could otherwise multiply
/// the output exponentially with depth. Far above any real playlist.
pub const MAX_CONTENTS: usize = 10_000;

/// One live item of a reachable playlist: a dream id or a child playlist id.
#[derive(Debug, Clone, Copy)]
enum Item {
    Dream(i32),
    Playlist(i32),
}

pub async fn playlist(conn: &PgConn, viewer: Viewer, uuid: Uuid) -> Result<Option<ClientPlaylistRow>, DomainError> {
    let v = [&viewer.id as &(dyn tokio_postgres::types::ToSql + Sync), &viewer.admin, &viewer.nsfw];
    // The playlist table is aliased `d` so the shared visibility fragment applies to it.
    let root_sql = format!(
        "SELECT d.id, d.name, COALESCE(shown.name, owner.name), d.thumbnail, d.nsfw, d.updated_at \
         FROM playlist d JOIN users owner ON owner.id = d.user_id \
         LEFT JOIN users shown ON shown.id = d.displayed_owner_id \
         WHERE d.uuid = $4 AND d.deleted_at IS NULL AND {LISTABLE}"
    );
    let Some(root) = conn.query_opt(&conn.prepare_cached(&root_sql).await?, &[v[0], v[1], v[2], &uuid]).await? else {
        return Ok(None);
    };
    let root_id: i32 = root.try_get(0)?;

    let items_sql = format!(
        "WITH RECURSIVE reach(id) AS ( \
             SELECT $4::integer \
             UNION \
             SELECT d.id FROM reach r \
             JOIN playlist_item pi ON pi.playlist_id = r.id AND pi.deleted_at IS NULL AND pi.type = 'playlist' \
             JOIN playlist d ON d.id = pi.playlist_item_id AND d.deleted_at IS NULL AND {LISTABLE}) \
         SELECT pi.playlist_id, pi.dream_item_id, pi.playlist_item_id FROM playlist_item pi \
         JOIN reach ON reach.id = pi.playlist_id \
         WHERE pi.deleted_at IS NULL \
           AND (pi.dream_item_id IS NOT NULL OR pi.playlist_item_id IN (SELECT id FROM reach)) \
         ORDER BY pi.playlist_id, pi.sort_order, pi.id"
    );
    let rows = conn.query(&conn.prepare_cached(&items_sql).await?, &[v[0], v[1], v[2], &root_id]).await?;
    let mut items: HashMap<i32, Vec<Item>> = HashMap::new();
    let mut dream_ids = HashSet::new();
    for r in &rows {
        let parent: i32 = r.try_get(0)?;
        let item = match (r.try_get::<_, Option<i32>>(1)?, r.try_get::<_, Option<i32>>(2)?) {
            (Some(d), _) => {
                dream_ids.insert(d);
                Item::Dream(d)
            }
            (None, Some(p)) => Item::Playlist(p),
            (None, None) => continue,
        };
        items.entry(parent).or_default().push(item);
    }

    let dreams = playable_dreams(conn, viewer, dream_ids.into_iter().collect()).await?;
    let mut contents = Vec::new();
    let mut path = vec![root_id];
    expand(root_id, &items, &dreams, &mut path, &mut contents);
    Ok(Some(ClientPlaylistRow {
        id: root_id,
        name: root.try_get(1)?,
        artist: root.try_get(2)?,
        thumbnail: root.try_get(3)?,
        nsfw: root.try_get(4)?,
        updated_at: root.try_get(5)?,
        contents,
    }))
}

/// Processed, live, listable dreams by id, with their live keyframes' uuids.
async fn playable_dreams(
    conn: &PgConn,
    viewer: Viewer,
    ids: Vec<i32>,
) -> Result<HashMap<i32, ContentEntry>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT d.id, d.uuid, d.updated_at, ks.uuid, ke.uuid FROM dream d \
         LEFT JOIN keyframe ks ON ks.id = d.start_keyframe_id AND ks.deleted_at IS NULL \
         LEFT JOIN keyframe ke ON ke.id = d.end_keyframe_id AND ke.deleted_at IS NULL \
         WHERE d.id = ANY($4) AND d.deleted_at IS NULL AND d.status = 'processed' AND {LISTABLE}"
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&viewer.id, &viewer.admin, &viewer.nsfw, &ids]).await?;
    rows.iter()
        .map(|r| {
            let entry = ContentEntry {
                uuid: r.try_get(1)?,
                updated_at: r.try_get(2)?,
                start_keyframe: r.try_get(3)?,
                end_keyframe: r.try_get(4)?,
            };
            Ok((r.try_get(0)?, entry))
        })
        .collect()
}

/// Depth-first expansion of `playlist` (the last element of `path`) into `out`.
fn expand(
    playlist: i32,
    items: &HashMap<i32, Vec<Item>>,
    dreams: &HashMap<i32, ContentEntry>,
    path: &mut Vec<i32>,
    out: &mut Vec<ContentEntry>,
) {
    for item in items.get(&playlist).map(Vec::as_slice).unwrap_or_default() {
        if out.len() >= MAX_CONTENTS {
            return;
        }
        match *item {
            Item::Dream(id) => {
                if let Some(entry) = dreams.get(&id) {
                    out.push(entry.clone());
                }
            }
            // `path` holds the root plus one entry per level: its length is the depth
            // the child would be expanded at.
            Item::Playlist(child) if path.len() <= MAX_DEPTH && !path.contains(&child) => {
                path.push(child);
                expand(child, items, dreams, path, out);
                path.pop();
            }
            Item::Playlist(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn entry(n: u128) -> ContentEntry {
        ContentEntry { uuid: Uuid::from_u128(n), updated_at: Utc::now(), start_keyframe: None, end_keyframe: None }
    }

    fn flatten(items: &HashMap<i32, Vec<Item>>, dreams: &HashMap<i32, ContentEntry>) -> Vec<u128> {
        let mut out = Vec::new();
        expand(1, items, dreams, &mut vec![1], &mut out);
        out.iter().map(|e| e.uuid.as_u128()).collect()
    }

    #[test]
    fn nested_playlists_expand_in_place_and_cycles_stop() {
        // 1 = [d10, p2, d11]; 2 = [d20, p1 (cycle), p3]; 3 = [d30, p2 (cycle)]
        let items = HashMap::from([
            (1, vec![Item::Dream(10), Item::Playlist(2), Item::Dream(11)]),
            (2, vec![Item::Dream(20), Item::Playlist(1), Item::Playlist(3)]),
            (3, vec![Item::Dream(30), Item::Playlist(2)]),
        ]);
        let dreams: HashMap<i32, ContentEntry> = [10, 11, 20, 30].iter().map(|&i| (i, entry(i as u128))).collect();
        assert_eq!(flatten(&items, &dreams), vec![10, 20, 30, 11]);
    }

    #[test]
    fn expansion_stops_below_the_depth_limit() {
        // A chain 1 → 2 → … → 15, each holding one dream with its own id.
        let mut items = HashMap::new();
        for p in 1..=15 {
            items.insert(p, vec![Item::Dream(p), Item::Playlist(p + 1)]);
        }
        let dreams: HashMap<i32, ContentEntry> = (1..=15).map(|i| (i, entry(i as u128))).collect();
        let got = flatten(&items, &dreams);
        assert_eq!(got, (1..=(MAX_DEPTH as u128 + 1)).collect::<Vec<_>>());
    }

    #[test]
    fn unplayable_dreams_are_skipped_and_output_is_bounded() {
        let items = HashMap::from([(1, vec![Item::Dream(7); MAX_CONTENTS + 5]), (2, vec![Item::Dream(8)])]);
        let dreams = HashMap::from([(7, entry(7))]);
        assert_eq!(flatten(&items, &dreams).len(), MAX_CONTENTS);
        let items = HashMap::from([(1, vec![Item::Dream(8)])]);
        assert!(flatten(&items, &dreams).is_empty());
    }
}

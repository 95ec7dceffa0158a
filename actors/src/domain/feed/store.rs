//! SQL of the feed (`rest-api.md` §12). Every feed reads the same join (feed item →
//! live dream or playlist) under the shared `listable` rule, viewer as $1 (id), $2
//! (admin), $3 (nsfw), so pages and counts always agree and another user's hidden or
//! nsfw content never appears.

use std::collections::{HashMap, HashSet};

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::model::*;
use crate::db::PgConn;
use crate::domain::dreams::store::{users_by_ids, LISTABLE};
use crate::domain::dreams::Viewer;
use crate::domain::keyframes::store::listable_as;
use crate::domain::DomainError;

/// Nested playlists followed when looking for a fallback thumbnail: one query per level.
const FALLBACK_DEPTH: usize = 16;

fn filter() -> String {
    format!(
        "f.deleted_at IS NULL \
         AND ((f.type = 'dream' AND d.id IS NOT NULL AND {LISTABLE}) \
           OR (f.type = 'playlist' AND p.id IS NOT NULL AND {})) \
         AND ($4::text IS NULL OR f.type::text = $4) \
         AND ($5::text IS NULL OR COALESCE(d.name, p.name) ILIKE '%' || $5 || '%') \
         AND ($6::uuid IS NULL OR f.user_id = (SELECT id FROM users WHERE uuid = $6)) \
         AND (NOT $7::bool OR COALESCE(d.hidden, p.hidden)) \
         AND (NOT $8::bool OR f.user_id = $1) \
         AND (NOT $9::bool OR (f.type = 'playlist' AND p.feature_rank >= 1))",
        listable_as("p")
    )
}

const FROM: &str = "FROM feed_item f \
    LEFT JOIN dream d ON d.id = f.dream_item_id AND d.deleted_at IS NULL \
    LEFT JOIN playlist p ON p.id = f.playlist_item_id AND p.deleted_at IS NULL";

const COLS: &str = "f.id AS f_id, f.type::text AS f_type, f.user_id AS f_user, f.created_at AS f_created, \
    f.updated_at AS f_updated, f.deleted_at AS f_deleted, \
    d.id AS d_id, d.uuid AS d_uuid, d.name AS d_name, d.thumbnail AS d_thumb, d.user_id AS d_user, \
    d.displayed_owner_id AS d_shown, d.created_at AS d_created, d.updated_at AS d_updated, \
    p.id AS p_id, p.uuid AS p_uuid, p.name AS p_name, p.description AS p_desc, p.thumbnail AS p_thumb, \
    p.user_id AS p_user, p.displayed_owner_id AS p_shown, p.created_at AS p_created, p.updated_at AS p_updated";

fn feed_row(r: &Row) -> Result<FeedRow, DomainError> {
    let dream = match r.try_get::<_, Option<i32>>("d_id")? {
        Some(id) => Some(FeedDream {
            id,
            uuid: r.try_get("d_uuid")?,
            name: r.try_get("d_name")?,
            thumbnail: r.try_get("d_thumb")?,
            user_id: r.try_get("d_user")?,
            displayed_owner_id: r.try_get("d_shown")?,
            created_at: r.try_get("d_created")?,
            updated_at: r.try_get("d_updated")?,
        }),
        None => None,
    };
    let playlist = match r.try_get::<_, Option<i32>>("p_id")? {
        Some(id) => Some(FeedPlaylist {
            id,
            uuid: r.try_get("p_uuid")?,
            name: r.try_get("p_name")?,
            description: r.try_get("p_desc")?,
            thumbnail: r.try_get("p_thumb")?,
            user_id: r.try_get("p_user")?,
            displayed_owner_id: r.try_get("p_shown")?,
            created_at: r.try_get("p_created")?,
            updated_at: r.try_get("p_updated")?,
        }),
        None => None,
    };
    Ok(FeedRow {
        id: r.try_get("f_id")?,
        kind: r.try_get("f_type")?,
        user_id: r.try_get("f_user")?,
        created_at: r.try_get("f_created")?,
        updated_at: r.try_get("f_updated")?,
        deleted_at: r.try_get("f_deleted")?,
        dream,
        playlist,
    })
}

/// One page of a feed with the total number of matching items.
pub async fn list(conn: &PgConn, viewer: Viewer, q: FeedQuery) -> Result<(FeedPage, i64), DomainError> {
    let (only_hidden, mine, ranked) = (q.only_hidden, q.mode == FeedMode::Mine, q.mode == FeedMode::Ranked);
    let params: [&(dyn ToSql + Sync); 9] =
        [&viewer.id, &viewer.admin, &viewer.nsfw, &q.kind, &q.search, &q.user_uuid, &only_hidden, &mine, &ranked];
    let filter = filter();
    let count_sql = format!("SELECT count(*) {FROM} WHERE {filter}");
    let count: i64 = conn.query_one(&conn.prepare_cached(&count_sql).await?, &params).await?.try_get(0)?;
    let order = if ranked { "p.feature_rank DESC, f.id DESC" } else { "f.created_at DESC, f.id DESC" };
    let sql = format!("SELECT {COLS} {FROM} WHERE {filter} ORDER BY {order} LIMIT $10 OFFSET $11");
    let mut all = params.to_vec();
    all.push(&q.take);
    all.push(&q.skip);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    let mut items = rows.iter().map(feed_row).collect::<Result<Vec<_>, _>>()?;

    let user_ids: Vec<i32> = items
        .iter()
        .flat_map(|i| {
            let d = i.dream.as_ref().map(|d| [Some(d.user_id), d.displayed_owner_id]);
            let p = i.playlist.as_ref().map(|p| [Some(p.user_id), p.displayed_owner_id]);
            std::iter::once(Some(i.user_id)).chain(d.into_iter().flatten()).chain(p.into_iter().flatten())
        })
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let users = users_by_ids(conn, &user_ids).await?;
    let dream_ids: Vec<i32> = items.iter().filter_map(|i| i.dream.as_ref().map(|d| d.id)).collect();
    let refs = dream_refs(conn, viewer, &dream_ids).await?;
    let bare: Vec<i32> =
        items.iter().filter_map(|i| i.playlist.as_ref().filter(|p| p.thumbnail.is_none()).map(|p| p.id)).collect();
    let fallback = fallback_thumbnails(conn, viewer, bare).await?;
    for p in items.iter_mut().filter_map(|i| i.playlist.as_mut()) {
        if p.thumbnail.is_none() {
            p.thumbnail = fallback.get(&p.id).cloned();
        }
    }
    Ok((FeedPage { items, users, refs }, count))
}

/// Live items placing the dreams in playlists `visible` to the viewer.
async fn dream_refs(
    conn: &PgConn,
    viewer: Viewer,
    dream_ids: &[i32],
) -> Result<HashMap<i32, Vec<DreamPlaylistRef>>, DomainError> {
    let mut refs: HashMap<i32, Vec<DreamPlaylistRef>> = HashMap::new();
    if dream_ids.is_empty() {
        return Ok(refs);
    }
    let sql = format!(
        "SELECT pi.dream_item_id, pi.id, p.id, p.uuid, p.name, {} AS listable \
         FROM playlist_item pi JOIN playlist p ON p.id = pi.playlist_id \
         WHERE pi.dream_item_id = ANY($4) AND pi.deleted_at IS NULL AND p.deleted_at IS NULL \
           AND ($2 OR p.user_id = $1 OR NOT p.hidden) \
         ORDER BY pi.id",
        listable_as("p")
    );
    let params: [&(dyn ToSql + Sync); 4] = [&viewer.id, &viewer.admin, &viewer.nsfw, &dream_ids];
    for r in conn.query(&conn.prepare_cached(&sql).await?, &params).await? {
        let dream: i32 = r.try_get(0)?;
        refs.entry(dream).or_default().push(DreamPlaylistRef {
            item_id: r.try_get(1)?,
            playlist_id: r.try_get(2)?,
            uuid: r.try_get(3)?,
            name: r.try_get(4)?,
            listable: r.try_get(5)?,
        });
    }
    Ok(refs)
}

/// One live item of a playlist, as far as thumbnails are concerned.
enum Entry {
    /// A listable dream's thumbnail (or none).
    Dream(Option<String>),
    /// A listable nested playlist and its own thumbnail.
    Child(i32, Option<String>),
}

/// The §2 fallback thumbnail of each playlist in `roots`: the first item (in `order`)
/// listable by the viewer that has one, a dream's thumbnail or a nested playlist's own
/// or fallback thumbnail. Items are loaded one nesting level per query; cycles end the
/// search along that path.
async fn fallback_thumbnails(
    conn: &PgConn,
    viewer: Viewer,
    roots: Vec<i32>,
) -> Result<HashMap<i32, String>, DomainError> {
    let sql = format!(
        "SELECT pi.playlist_id, CASE WHEN d.id IS NOT NULL AND {LISTABLE} THEN d.thumbnail END, \
                CASE WHEN c.id IS NOT NULL AND {} THEN c.id END, c.thumbnail, d.id IS NOT NULL \
         FROM playlist_item pi \
         LEFT JOIN dream d ON d.id = pi.dream_item_id AND d.deleted_at IS NULL \
         LEFT JOIN playlist c ON c.id = pi.playlist_item_id AND c.deleted_at IS NULL \
         WHERE pi.playlist_id = ANY($4) AND pi.deleted_at IS NULL \
         ORDER BY pi.playlist_id, pi.sort_order, pi.id",
        listable_as("c")
    );
    let mut items: HashMap<i32, Vec<Entry>> = HashMap::new();
    let mut frontier = roots.clone();
    for _ in 0..FALLBACK_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let params: [&(dyn ToSql + Sync); 4] = [&viewer.id, &viewer.admin, &viewer.nsfw, &frontier];
        let rows = conn.query(&conn.prepare_cached(&sql).await?, &params).await?;
        for id in &frontier {
            items.entry(*id).or_default();
        }
        let mut next = Vec::new();
        for r in rows {
            let parent: i32 = r.try_get(0)?;
            let entry = if r.try_get::<_, bool>(4)? {
                Entry::Dream(r.try_get(1)?)
            } else {
                match r.try_get::<_, Option<i32>>(2)? {
                    Some(child) => {
                        let own: Option<String> = r.try_get(3)?;
                        if own.is_none() && !items.contains_key(&child) && !next.contains(&child) {
                            next.push(child);
                        }
                        Entry::Child(child, own)
                    }
                    None => continue,
                }
            };
            items.entry(parent).or_default().push(entry);
        }
        frontier = next;
    }
    let mut memo: HashMap<i32, Option<String>> = HashMap::new();
    let mut out = HashMap::new();
    for root in roots {
        if let Some(t) = resolve(root, &items, &mut memo, &mut HashSet::new()) {
            out.insert(root, t);
        }
    }
    Ok(out)
}

fn resolve(
    id: i32,
    items: &HashMap<i32, Vec<Entry>>,
    memo: &mut HashMap<i32, Option<String>>,
    visiting: &mut HashSet<i32>,
) -> Option<String> {
    if let Some(done) = memo.get(&id) {
        return done.clone();
    }
    if !visiting.insert(id) {
        return None;
    }
    let mut found = None;
    for entry in items.get(&id).map(Vec::as_slice).unwrap_or_default() {
        found = match entry {
            Entry::Dream(t) => t.clone(),
            Entry::Child(_, Some(own)) => Some(own.clone()),
            Entry::Child(child, None) => resolve(*child, items, memo, visiting),
        };
        if found.is_some() {
            break;
        }
    }
    visiting.remove(&id);
    memo.insert(id, found.clone());
    found
}

//! The grouped feed's virtual playlists (`rest-api.md` §12 `/feed/grouped`), as a pure
//! function of one feed page so it can be tested without a database.
//!
//! For each playlist visible to the viewer that contains dreams of the page, collect
//! those dreams (in page order). Candidates are processed by number of collected dreams,
//! descending, ties in first-seen order. A candidate with at least [`MIN_DREAMS`]
//! dreams not yet assigned becomes a virtual playlist of those dreams, which are then
//! assigned and leave the plain item list.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::FeedPage;

/// Fewer collected dreams than this never form a virtual playlist.
pub const MIN_DREAMS: usize = 4;

/// A virtual playlist; `items` index `FeedPage::items` (dream items), newest dream
/// first.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualPlaylist {
    pub playlist_id: i32,
    pub uuid: Uuid,
    pub name: Option<String>,
    /// The feed user of the first collected dream.
    pub user_id: i32,
    pub items: Vec<usize>,
    /// `created_at` of the newest dream.
    pub created_at: DateTime<Utc>,
}

/// Splits a page into the remaining item indices (page order) and virtual playlists.
pub fn group(page: &FeedPage) -> (Vec<usize>, Vec<VirtualPlaylist>) {
    // (playlist id, uuid, name, collected item indices) in first-seen order.
    let mut candidates: Vec<(i32, Uuid, Option<String>, Vec<usize>)> = Vec::new();
    for (idx, item) in page.items.iter().enumerate() {
        let Some(dream) = &item.dream else { continue };
        for r in page.refs.get(&dream.id).map(Vec::as_slice).unwrap_or_default() {
            match candidates.iter_mut().find(|c| c.0 == r.playlist_id) {
                Some(c) if !c.3.contains(&idx) => c.3.push(idx),
                Some(_) => {}
                None => candidates.push((r.playlist_id, r.uuid, r.name.clone(), vec![idx])),
            }
        }
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.3.len()));
    let mut assigned: HashSet<usize> = HashSet::new();
    let mut virtuals = Vec::new();
    for (playlist_id, uuid, name, collected) in candidates {
        let free: Vec<usize> = collected.into_iter().filter(|i| !assigned.contains(i)).collect();
        if free.len() < MIN_DREAMS {
            continue;
        }
        let Some(user_id) = free.first().and_then(|i| page.items.get(*i)).map(|it| it.user_id) else { continue };
        let created = |i: &usize| page.items.get(*i).and_then(|it| it.dream.as_ref()).map(|d| (d.created_at, d.id));
        let mut items = free.clone();
        items.sort_by_key(|i| std::cmp::Reverse(created(i)));
        let Some(created_at) = items.first().and_then(created).map(|c| c.0) else { continue };
        assigned.extend(free);
        virtuals.push(VirtualPlaylist { playlist_id, uuid, name, user_id, items, created_at });
    }
    let remaining = (0..page.items.len()).filter(|i| !assigned.contains(i)).collect();
    (remaining, virtuals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::feed::model::{DreamPlaylistRef, FeedDream, FeedRow};
    use chrono::TimeZone;

    fn dream_item(id: i32, user: i32, secs: i64) -> FeedRow {
        let t = Utc.timestamp_opt(1_700_000_000 + secs, 0).single().unwrap_or_default();
        FeedRow {
            id: id + 1000,
            kind: "dream".into(),
            user_id: user,
            created_at: t,
            updated_at: t,
            deleted_at: None,
            dream: Some(FeedDream {
                id,
                uuid: Uuid::new_v4(),
                name: None,
                thumbnail: None,
                user_id: user,
                displayed_owner_id: None,
                created_at: t,
                updated_at: t,
            }),
            playlist: None,
        }
    }

    fn put(page: &mut FeedPage, dream: i32, playlist: i32) {
        let r = DreamPlaylistRef {
            item_id: dream * 100 + playlist,
            playlist_id: playlist,
            uuid: Uuid::from_u128(playlist as u128),
            name: None,
            listable: true,
        };
        page.refs.entry(dream).or_default().push(r);
    }

    /// Page of dreams 1..=n (newest first, as the feed orders them).
    fn page(n: i32) -> FeedPage {
        let items = (1..=n).map(|i| dream_item(i, 7 + i % 2, i64::from(100 - i))).collect();
        FeedPage { items, ..FeedPage::default() }
    }

    #[test]
    fn four_dreams_group_and_three_do_not() {
        let mut p = page(8);
        for d in [1, 3, 5, 7] {
            put(&mut p, d, 50);
        }
        for d in [2, 4, 6] {
            put(&mut p, d, 60);
        }
        let (rest, v) = group(&p);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].playlist_id, 50);
        assert_eq!(v[0].items, vec![0, 2, 4, 6]);
        assert_eq!(v[0].user_id, p.items[0].user_id);
        assert_eq!(v[0].created_at, p.items[0].dream.as_ref().unwrap().created_at);
        assert_eq!(rest, vec![1, 3, 5, 7]);
    }

    #[test]
    fn larger_candidates_go_first_and_ties_keep_first_seen_order() {
        let mut p = page(10);
        // Seen in the order 70 (4 dreams), 80 (5), 90 (5).
        for d in [1, 2, 3, 4] {
            put(&mut p, d, 70);
        }
        for d in [2, 5, 6, 7, 8] {
            put(&mut p, d, 80);
        }
        for d in [6, 7, 8, 9, 10] {
            put(&mut p, d, 90);
        }
        let (rest, v) = group(&p);
        let ids: Vec<i32> = v.iter().map(|x| x.playlist_id).collect();
        // 80 and 90 tie at 5; 80 was seen first and takes 2,5,6,7,8; 90 is left with
        // 9,10 and 70 with 1,3,4: neither reaches four.
        assert_eq!(ids, vec![80]);
        assert_eq!(v[0].items, vec![1, 4, 5, 6, 7]);
        assert_eq!(rest, vec![0, 2, 3, 8, 9]);
    }

    #[test]
    fn a_tie_is_won_by_the_playlist_seen_first() {
        let mut p = page(4);
        for d in [1, 2, 3, 4] {
            put(&mut p, d, 20);
            put(&mut p, d, 10);
        }
        let (rest, v) = group(&p);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].playlist_id, 20);
        assert!(rest.is_empty());
    }
}

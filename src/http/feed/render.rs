//! The `FeedItem` shape of `rest-api.md` §2 and the grouped feed's virtual playlists.
//! Nested users are PublicUsers (never an email); `playlistItems` of a dream lists only
//! playlists `listable` by the caller. Media keys are signed by the response pass.

use infinidream_actors::domain::feed::grouped::VirtualPlaylist;
use infinidream_actors::domain::feed::{FeedDream, FeedPage, FeedPlaylist, FeedRow};
use infinidream_actors::time::iso_millis;
use serde_json::{json, Value};

use crate::http::keyframes::render::{user, UserStyle};

fn public(page: &FeedPage, id: Option<i32>) -> Value {
    user(&page.users, id, UserStyle::Public)
}

/// `dreamItem`; `owner` overrides `user` (virtual playlists show the feed user).
fn dream_item(page: &FeedPage, d: &FeedDream, owner: Option<i32>) -> Value {
    let refs = page.refs.get(&d.id).map(Vec::as_slice).unwrap_or_default();
    let playlist_items: Vec<Value> = refs
        .iter()
        .filter(|r| r.listable)
        .map(|r| json!({"id": r.item_id, "playlist": {"id": r.playlist_id, "uuid": r.uuid, "name": r.name}}))
        .collect();
    json!({
        "id": d.id, "uuid": d.uuid, "name": d.name, "thumbnail": d.thumbnail,
        "user": public(page, Some(owner.unwrap_or(d.user_id))),
        "displayedOwner": public(page, d.displayed_owner_id),
        "created_at": iso_millis(&d.created_at), "updated_at": iso_millis(&d.updated_at),
        "playlistItems": playlist_items,
    })
}

fn playlist_item(page: &FeedPage, p: &FeedPlaylist) -> Value {
    json!({
        "id": p.id, "uuid": p.uuid, "name": p.name, "description": p.description, "thumbnail": p.thumbnail,
        "user": public(page, Some(p.user_id)), "displayedOwner": public(page, p.displayed_owner_id),
        "created_at": iso_millis(&p.created_at), "updated_at": iso_millis(&p.updated_at),
    })
}

/// One feed item.
pub fn feed_item(page: &FeedPage, f: &FeedRow) -> Value {
    json!({
        "id": f.id, "type": f.kind,
        "created_at": iso_millis(&f.created_at), "updated_at": iso_millis(&f.updated_at),
        "deleted_at": f.deleted_at.as_ref().map(iso_millis),
        "user": public(page, Some(f.user_id)),
        "dreamItem": f.dream.as_ref().map_or(Value::Null, |d| dream_item(page, d, None)),
        "playlistItem": f.playlist.as_ref().map_or(Value::Null, |p| playlist_item(page, p)),
    })
}

/// Every item of the page, in order.
pub fn feed(page: &FeedPage) -> Vec<Value> {
    page.items.iter().map(|f| feed_item(page, f)).collect()
}

/// A virtual playlist: the playlist's id, uuid and name (its uuid when unnamed), the
/// feed user of its first collected dream as `user` and `displayedOwner`, its dreams
/// newest first (each with `user` = its feed user) and the newest dream's `created_at`.
pub fn virtual_playlist(page: &FeedPage, v: &VirtualPlaylist) -> Value {
    let dreams: Vec<Value> = v
        .items
        .iter()
        .filter_map(|i| page.items.get(*i))
        .filter_map(|f| f.dream.as_ref().map(|d| dream_item(page, d, Some(f.user_id))))
        .collect();
    let owner = public(page, Some(v.user_id));
    json!({
        "id": v.playlist_id, "uuid": v.uuid,
        "name": v.name.clone().unwrap_or_else(|| v.uuid.to_string()),
        "user": owner, "displayedOwner": owner,
        "dreams": dreams, "created_at": iso_millis(&v.created_at),
    })
}

//! The `Playlist`, `PlaylistItem` and `PlaylistKeyframe` shapes of `rest-api.md` §2,
//! built from domain rows. Media stay object keys here; responses go through
//! `dreams::respond`, which signs every key at any depth.
//!
//! Caller-dependent rules: `featureRank` only for admins; top-level playlists carry
//! PublicUsers, everything nested (item dreams, child playlists, keyframes) SmallUsers;
//! no shape ever carries an email. [`playlist_for`] is the entry point for other areas
//! that embed a playlist (`FullUser.currentPlaylist`, `GET /user/:uuid`).

use std::collections::HashMap;

use infinidream_actors::domain::dreams::{DreamRow, Viewer};
use infinidream_actors::domain::playlists::{ItemRow, ItemsPage, KeyframesPage, PlaylistKeyframeRow, PlaylistRow};
use infinidream_actors::domain::users::model::PublicUser;
use infinidream_actors::time::iso_millis;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::http::dreams::render::{self as dream_render, Ctx, Extras};
use crate::state::AppState;

/// What an item's `dreamItem` carries: the Dream shape with keyframes and filmstrip.
const ITEM_DREAM: Extras = Extras { filmstrip: true, keyframes: true, original_video: false };

fn ts(t: &chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(iso_millis(t))
}

fn ts_opt(t: &Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.as_ref().map_or(Value::Null, ts)
}

/// SmallUser: `id, uuid, name, avatar` (or null).
pub fn small_user(u: Option<&PublicUser>) -> Value {
    u.map_or(Value::Null, |u| json!({"id": u.id, "uuid": u.uuid, "name": u.name, "avatar": u.avatar}))
}

fn public_user(u: Option<&PublicUser>) -> Value {
    u.and_then(|u| serde_json::to_value(u).ok()).unwrap_or(Value::Null)
}

/// One playlist (no `items`); `small` picks SmallUsers for nested playlists.
pub fn playlist(p: &PlaylistRow, users: &HashMap<i32, PublicUser>, viewer: &Viewer, small: bool) -> Map<String, Value> {
    let user = |id: Option<i32>| {
        let u = id.and_then(|id| users.get(&id));
        if small {
            small_user(u)
        } else {
            public_user(u)
        }
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("uuid".into(), json!(p.uuid));
    m.insert("name".into(), json!(p.name));
    m.insert("description".into(), json!(p.description));
    m.insert("thumbnail".into(), json!(p.thumbnail));
    m.insert("created_at".into(), ts(&p.created_at));
    m.insert("updated_at".into(), ts(&p.updated_at));
    m.insert("deleted_at".into(), ts_opt(&p.deleted_at));
    m.insert("nsfw".into(), json!(p.nsfw));
    m.insert("hidden".into(), json!(p.hidden));
    m.insert("user".into(), user(Some(p.user_id)));
    m.insert("displayedOwner".into(), user(p.displayed_owner_id));
    if viewer.admin {
        m.insert("featureRank".into(), json!(p.feature_rank));
    }
    m
}

/// Renders the items of a page (`nested` = one level down: child playlists get no
/// `items` of their own).
struct ItemRenderer<'a> {
    page: &'a ItemsPage,
    dreams: HashMap<i32, &'a DreamRow>,
    ctx: &'a Ctx<'a>,
}

impl<'a> ItemRenderer<'a> {
    fn new(page: &'a ItemsPage, ctx: &'a Ctx<'a>) -> Self {
        let dreams = page.dreams.dreams.iter().map(|d| (d.id, d)).collect();
        ItemRenderer { page, dreams, ctx }
    }

    fn dream(&self, id: Option<i32>) -> Value {
        let Some(d) = id.and_then(|id| self.dreams.get(&id)) else { return Value::Null };
        let mut m = dream_render::dream(d, &self.page.dreams, self.ctx, ITEM_DREAM);
        for (key, owner) in [("user", Some(d.user_id)), ("displayedOwner", d.displayed_owner_id)] {
            m.insert(key.into(), small_user(owner.and_then(|id| self.page.dreams.users.get(&id))));
        }
        Value::Object(m)
    }

    fn item(&self, i: &ItemRow, nested: bool) -> Value {
        let child = i.playlist_id.and_then(|id| self.page.playlists.get(&id));
        let playlist_item = child.map_or(Value::Null, |p| {
            let mut m = playlist(p, &self.page.users, &self.ctx.viewer, true);
            if !nested {
                let items = self.page.nested.get(&p.id).map(Vec::as_slice).unwrap_or_default();
                m.insert("items".into(), Value::Array(items.iter().map(|i| self.item(i, true)).collect()));
            }
            Value::Object(m)
        });
        json!({
            "id": i.id, "type": i.kind, "order": i.order,
            "created_at": ts(&i.created_at), "updated_at": ts(&i.updated_at), "deleted_at": ts_opt(&i.deleted_at),
            "dreamItem": self.dream(i.dream_id), "playlistItem": playlist_item,
        })
    }
}

/// The PlaylistItems of a page, in its order.
pub fn items(page: &ItemsPage, ctx: &Ctx<'_>) -> Vec<Value> {
    let r = ItemRenderer::new(page, ctx);
    page.items.iter().map(|i| r.item(i, false)).collect()
}

/// One PlaylistKeyframe (keyframe with SmallUsers).
pub fn playlist_keyframe(pk: &PlaylistKeyframeRow, users: &HashMap<i32, PublicUser>) -> Value {
    let k = &pk.keyframe;
    json!({
        "id": pk.id, "order": pk.order, "created_at": ts(&pk.created_at), "updated_at": ts(&pk.updated_at),
        "deleted_at": ts_opt(&pk.deleted_at),
        "keyframe": {
            "id": k.cols.id, "uuid": k.cols.uuid, "name": k.cols.name, "image": k.cols.image,
            "created_at": ts(&k.cols.created_at), "updated_at": ts(&k.cols.updated_at),
            "deleted_at": ts_opt(&k.cols.deleted_at),
            "user": small_user(users.get(&k.user_id)),
            "displayedOwner": small_user(k.displayed_owner_id.and_then(|id| users.get(&id))),
        },
    })
}

pub fn keyframes(page: &KeyframesPage) -> Vec<Value> {
    page.keyframes.iter().map(|k| playlist_keyframe(k, &page.users)).collect()
}

/// A reader context without a request (no `original_video` is ever rendered here).
pub fn ctx_for<'a>(state: &'a AppState, viewer: Viewer) -> Ctx<'a> {
    Ctx { viewer, browser_like: false, frontend_url: &state.settings.frontend_url }
}

/// The Playlist shape with `user` and `displayedOwner` (PublicUsers) of a live playlist
/// as `viewer` sees it, with every listable item in order when `with_items`; `None` when
/// it is missing, deleted or not `visible` to the viewer. Media are object keys: sign
/// them with `dreams::respond` (or `dreams::render::sign_media`).
pub async fn playlist_for(
    state: &AppState,
    viewer: Viewer,
    id: i32,
    with_items: bool,
) -> Result<Option<Value>, ApiError> {
    let handle = &state.actors.playlists;
    let Some(bundle) = handle.bundle_by_id(viewer, id).await? else { return Ok(None) };
    let Some(p) = bundle.playlists.first() else { return Ok(None) };
    if p.hidden && !viewer.privileged(p.user_id) {
        return Ok(None);
    }
    let mut m = playlist(p, &bundle.users, &viewer, false);
    if with_items {
        let page = handle.items(viewer, p.id, None).await?;
        m.insert("items".into(), Value::Array(items(&page, &ctx_for(state, viewer))));
    }
    Ok(Some(Value::Object(m)))
}

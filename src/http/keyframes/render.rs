//! The `Keyframe` shape of `rest-api.md` §2, reusable by every module that embeds
//! keyframes (playlist keyframes use [`UserStyle::Small`]). Media keys stay keys here;
//! the response's media pass (`dreams::render::sign_media`) turns them into read URLs.

use std::collections::HashMap;

use infinidream_actors::domain::keyframes::{KeyframeBundle, KeyframeRow, PlaylistKeyframeRef};
use infinidream_actors::domain::users::model::PublicUser;
use infinidream_actors::time::iso_millis;
use serde_json::{json, Map, Value};

use crate::http::dreams::render::{self as dream_render, Ctx, LIST};

/// How nested users are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum UserStyle {
    /// PublicUser (keyframe endpoints).
    Public,
    /// SmallUser `{id, uuid, name, avatar}` (keyframes inside playlist keyframes).
    #[allow(dead_code)] // for the playlist keyframe shape of the playlists module
    Small,
}

fn ts_opt(t: &Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.as_ref().map_or(Value::Null, |t| Value::String(iso_millis(t)))
}

/// A user by id in the given style; `null` when absent.
pub fn user(users: &HashMap<i32, PublicUser>, id: Option<i32>, style: UserStyle) -> Value {
    let Some(u) = id.and_then(|id| users.get(&id)) else { return Value::Null };
    match style {
        UserStyle::Public => serde_json::to_value(u).unwrap_or(Value::Null),
        UserStyle::Small => json!({"id": u.id, "uuid": u.uuid, "name": u.name, "avatar": u.avatar}),
    }
}

/// The keyframe's own columns plus `user` and `displayedOwner`.
pub fn keyframe(k: &KeyframeRow, users: &HashMap<i32, PublicUser>, style: UserStyle) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(k.id));
    m.insert("uuid".into(), json!(k.uuid));
    m.insert("name".into(), json!(k.name));
    m.insert("image".into(), json!(k.image));
    m.insert("created_at".into(), Value::String(iso_millis(&k.created_at)));
    m.insert("updated_at".into(), Value::String(iso_millis(&k.updated_at)));
    m.insert("deleted_at".into(), ts_opt(&k.deleted_at));
    m.insert("user".into(), user(users, Some(k.user_id), style));
    m.insert("displayedOwner".into(), user(users, k.displayed_owner_id, style));
    m
}

fn playlist_keyframe(p: &PlaylistKeyframeRef) -> Value {
    json!({"id": p.id, "order": p.order, "created_at": iso_millis(&p.created_at),
           "updated_at": iso_millis(&p.updated_at), "deleted_at": ts_opt(&p.deleted_at)})
}

/// The list/detail shape: `playlistKeyframes`, `dreamsStartingWith`, `dreamsEndingWith`
/// and `dreams` (their de-duplicated union, always present).
pub fn keyframe_detail(k: &KeyframeRow, bundle: &KeyframeBundle, ctx: &Ctx<'_>) -> Map<String, Value> {
    let mut m = keyframe(k, &bundle.users, UserStyle::Public);
    let links = bundle.playlist_keyframes.get(&k.id).map(Vec::as_slice).unwrap_or_default();
    m.insert("playlistKeyframes".into(), Value::Array(links.iter().map(playlist_keyframe).collect()));
    let dreams = &bundle.dreams;
    let render = |d| Value::Object(dream_render::dream(d, dreams, ctx, LIST));
    let starting: Vec<Value> = dreams.dreams.iter().filter(|d| d.start_keyframe_id == Some(k.id)).map(render).collect();
    let ending: Vec<Value> = dreams.dreams.iter().filter(|d| d.end_keyframe_id == Some(k.id)).map(render).collect();
    let union: Vec<Value> = dreams
        .dreams
        .iter()
        .filter(|d| d.start_keyframe_id == Some(k.id) || d.end_keyframe_id == Some(k.id))
        .map(render)
        .collect();
    m.insert("dreamsStartingWith".into(), Value::Array(starting));
    m.insert("dreamsEndingWith".into(), Value::Array(ending));
    m.insert("dreams".into(), Value::Array(union));
    m
}

/// Every keyframe of a bundle in the list/detail shape, in order.
pub fn keyframes(bundle: &KeyframeBundle, ctx: &Ctx<'_>) -> Vec<Value> {
    bundle.keyframes.iter().map(|k| Value::Object(keyframe_detail(k, bundle, ctx))).collect()
}

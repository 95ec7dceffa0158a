//! The `Dream` shape of `rest-api.md` §2, built from domain rows, and the media pass
//! that turns every stored object key of a response into a read URL (§1.7).
//!
//! Caller-dependent rules live here: `original_video` only for the owner or an admin
//! whose `User-Agent` is browser-like, `featureRank` only for admins, `video` omitted
//! when NULL, numbers in the forms clients parse (`processedVideoSize` and
//! `processedVideoFPS` strings, `activityLevel` a JS number).

use std::collections::{HashMap, HashSet};

use actix_web::HttpRequest;
use infinidream_actors::domain::dreams::{DreamBundle, DreamRow, KeyframeCols, PlaylistRef, Viewer, VoteRow};
use infinidream_actors::time::iso_millis;
use serde_json::{json, Map, Value};

use crate::auth::Caller;
use crate::http::validate::js_number;
use crate::state::AppState;
use crate::storage::Storage;

/// Fields holding object keys, anywhere in a response.
const MEDIA_FIELDS: &[&str] = &["video", "original_video", "thumbnail", "avatar", "image"];

/// Who is reading, and how.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub viewer: Viewer,
    pub browser_like: bool,
    pub frontend_url: &'a str,
}

impl<'a> Ctx<'a> {
    pub fn new(state: &'a AppState, req: &HttpRequest, caller: &Caller) -> Ctx<'a> {
        let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("");
        let browser_like = ["Mozilla", "Chrome", "Safari", "Firefox", "EdreamSDK"].iter().any(|m| ua.contains(m));
        Ctx { viewer: viewer(caller), browser_like, frontend_url: &state.settings.frontend_url }
    }
}

pub fn viewer(caller: &Caller) -> Viewer {
    Viewer { id: caller.0.id.0, admin: caller.0.role.is_admin(), nsfw: caller.0.nsfw }
}

/// What a given endpoint adds to the base shape.
#[derive(Clone, Copy, Default)]
pub struct Extras {
    pub filmstrip: bool,
    pub keyframes: bool,
    pub original_video: bool,
}

pub const LIST: Extras = Extras { filmstrip: false, keyframes: false, original_video: false };
pub const DETAIL: Extras = Extras { filmstrip: true, keyframes: true, original_video: true };

fn ts(t: &chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(iso_millis(t))
}

fn ts_opt(t: &Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.as_ref().map_or(Value::Null, ts)
}

/// `activityLevel`: Postgres numeric text → a JS number (`1`, `0.5`).
pub fn numeric_number(text: &str) -> Value {
    text.parse::<f64>().map_or(Value::Null, js_number)
}

fn keyframe(k: Option<&KeyframeCols>) -> Value {
    k.map_or(Value::Null, |k| {
        json!({"id": k.id, "uuid": k.uuid, "name": k.name, "image": k.image,
               "created_at": ts(&k.created_at), "updated_at": ts(&k.updated_at), "deleted_at": ts_opt(&k.deleted_at)})
    })
}

/// One dream in the §2 shape (media still as keys: run [`sign_media`] on the response).
pub fn dream(d: &DreamRow, bundle: &DreamBundle, ctx: &Ctx<'_>, extras: Extras) -> Map<String, Value> {
    dream_with(d, bundle, None, ctx, extras)
}

/// [`dream`], with the bundle's users already rendered (`users`, by id) when a list
/// names the same few users many times.
fn dream_with(
    d: &DreamRow,
    bundle: &DreamBundle,
    users: Option<&HashMap<i32, Value>>,
    ctx: &Ctx<'_>,
    extras: Extras,
) -> Map<String, Value> {
    let user = |id: Option<i32>| match (id, users) {
        (None, _) => Value::Null,
        (Some(id), Some(users)) => users.get(&id).cloned().unwrap_or(Value::Null),
        (Some(id), None) => bundle.users.get(&id).and_then(|u| serde_json::to_value(u).ok()).unwrap_or(Value::Null),
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(d.id));
    m.insert("uuid".into(), json!(d.uuid));
    m.insert("name".into(), json!(d.name));
    if let Some(v) = &d.video {
        m.insert("video".into(), json!(v));
    }
    m.insert("thumbnail".into(), json!(d.thumbnail));
    m.insert("upvotes".into(), json!(d.upvotes));
    m.insert("downvotes".into(), json!(d.downvotes));
    m.insert("activityLevel".into(), numeric_number(&d.activity_level));
    m.insert("status".into(), json!(d.status));
    m.insert("processedVideoSize".into(), json!(d.processed_video_size.map(|s| s.to_string())));
    m.insert("processedVideoFrames".into(), json!(d.processed_video_frames));
    m.insert("processedVideoFPS".into(), json!(d.processed_video_fps));
    m.insert("nsfw".into(), json!(d.nsfw));
    m.insert("hidden".into(), json!(d.hidden));
    m.insert("ccbyLicense".into(), json!(d.ccby_license));
    if extras.filmstrip {
        m.insert("filmstrip".into(), d.filmstrip.clone().unwrap_or(Value::Null));
    }
    m.insert("description".into(), json!(d.description));
    m.insert("sourceUrl".into(), json!(d.source_url));
    m.insert("md5".into(), json!(d.md5));
    m.insert("processed_at".into(), ts_opt(&d.processed_at));
    m.insert("created_at".into(), ts(&d.created_at));
    m.insert("updated_at".into(), ts(&d.updated_at));
    m.insert("deleted_at".into(), ts_opt(&d.deleted_at));
    m.insert("user".into(), user(Some(d.user_id)));
    m.insert("displayedOwner".into(), user(d.displayed_owner_id));
    m.insert("frontendUrl".into(), json!(format!("{}/dream/{}", ctx.frontend_url, d.uuid)));
    if extras.keyframes {
        m.insert("startKeyframe".into(), keyframe(d.start_keyframe_id.and_then(|id| bundle.keyframes.get(&id))));
        m.insert("endKeyframe".into(), keyframe(d.end_keyframe_id.and_then(|id| bundle.keyframes.get(&id))));
    }
    if extras.original_video && ctx.browser_like && ctx.viewer.privileged(d.user_id) {
        m.insert("original_video".into(), json!(d.original_video));
    }
    if ctx.viewer.admin {
        m.insert("featureRank".into(), json!(d.feature_rank));
    }
    m
}

/// Every dream of a bundle, in order.
pub fn dreams(bundle: &DreamBundle, ctx: &Ctx<'_>, extras: Extras) -> Vec<Value> {
    let users: HashMap<i32, Value> =
        bundle.users.iter().filter_map(|(id, u)| Some((*id, serde_json::to_value(u).ok()?))).collect();
    bundle.dreams.iter().map(|d| Value::Object(dream_with(d, bundle, Some(&users), ctx, extras))).collect()
}

/// `playlistItems` of `GET /dream/:uuid`.
pub fn playlist_items(items: &[PlaylistRef], ctx: &Ctx<'_>) -> Value {
    let list = items
        .iter()
        .map(|p| {
            let mut playlist = json!({
                "id": p.id, "uuid": p.uuid, "name": p.name, "description": p.description,
                "thumbnail": p.thumbnail, "created_at": ts(&p.created_at), "updated_at": ts(&p.updated_at),
                "deleted_at": ts_opt(&p.deleted_at), "nsfw": p.nsfw, "hidden": p.hidden,
                "user": p.user, "displayedOwner": p.displayed_owner,
            });
            if ctx.viewer.admin {
                playlist["featureRank"] = json!(p.feature_rank);
            }
            json!({"id": p.item_id, "type": p.item_type, "order": p.order,
                   "created_at": ts(&p.item_created_at), "updated_at": ts(&p.item_updated_at),
                   "deleted_at": ts_opt(&p.item_deleted_at), "playlist": playlist})
        })
        .collect();
    Value::Array(list)
}

pub fn vote(v: &VoteRow) -> Value {
    json!({"id": v.id, "vote": v.vote, "created_at": ts(&v.created_at), "updated_at": ts(&v.updated_at),
           "deleted_at": ts_opt(&v.deleted_at)})
}

fn collect_keys(v: &Value, keys: &mut HashSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                match child {
                    Value::String(s) if MEDIA_FIELDS.contains(&k.as_str()) => {
                        keys.insert(s.clone());
                    }
                    Value::Array(items) if k == "filmstrip" => {
                        for f in items {
                            if let Some(url) = f.get("url").and_then(Value::as_str) {
                                keys.insert(url.to_string());
                            }
                        }
                    }
                    _ => collect_keys(child, keys),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_keys(i, keys)),
        _ => {}
    }
}

fn replace_keys(v: &mut Value, urls: &HashMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                match child {
                    Value::String(s) if MEDIA_FIELDS.contains(&k.as_str()) => {
                        if let Some(u) = urls.get(s.as_str()) {
                            *s = u.clone();
                        }
                    }
                    Value::Array(items) if k == "filmstrip" => {
                        for f in items.iter_mut() {
                            if let Some(Value::String(s)) = f.get_mut("url") {
                                if let Some(u) = urls.get(s.as_str()) {
                                    *s = u.clone();
                                }
                            }
                        }
                    }
                    _ => replace_keys(child, urls),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace_keys(i, urls)),
        _ => {}
    }
}

/// Replaces every media key in `v` (at any depth) by its read URL.
pub async fn sign_media(storage: &Storage, v: &mut Value) {
    let mut keys = HashSet::new();
    collect_keys(v, &mut keys);
    let mut urls = HashMap::with_capacity(keys.len());
    for k in keys {
        let url = storage.read_url(&k).await;
        urls.insert(k, url);
    }
    replace_keys(v, &urls);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_level_is_written_without_a_fraction_when_integral() {
        assert_eq!(numeric_number("1").to_string(), "1");
        assert_eq!(numeric_number("1.0").to_string(), "1");
        assert_eq!(numeric_number("0.25").to_string(), "0.25");
    }

    #[test]
    fn media_keys_are_found_at_any_depth_and_in_filmstrips() {
        let mut v = json!({"dream": {"video": "a", "thumbnail": null, "user": {"avatar": "b"},
                                     "filmstrip": [{"frameNumber": 1, "url": "c"}]}});
        let mut keys = HashSet::new();
        collect_keys(&v, &mut keys);
        assert_eq!(keys.len(), 3);
        let urls: HashMap<String, String> = keys.iter().map(|k| (k.clone(), format!("https://x/{k}"))).collect();
        replace_keys(&mut v, &urls);
        assert_eq!(v["dream"]["user"]["avatar"], "https://x/b");
        assert_eq!(v["dream"]["filmstrip"][0]["url"], "https://x/c");
    }
}

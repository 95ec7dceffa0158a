//! The desktop's shapes (`rest-api.md` §6.1) with the exact JSON kinds it parses:
//! `size`/`fps` strings (Postgres text form), `frames`/counters/timestamps integer
//! literals, timestamps in epoch milliseconds, `md5` string or null, `start_keyframe` /
//! `end_keyframe` omitted (never null) when absent. Media stay object keys here; the
//! response pass (`dreams::respond`) turns `thumbnail` into a read URL.

use infinidream_actors::domain::client::{ClientDreamRow, ClientPlaylistRow, ContentEntry};
use infinidream_actors::time::epoch_ms;
use serde_json::{json, Map, Value};

use crate::http::dreams::render::numeric_number;

/// `ClientDream`.
pub fn dream(d: &ClientDreamRow, frontend_url: &str) -> Value {
    json!({
        "uuid": d.uuid,
        "name": d.name,
        "artist": d.artist,
        "size": d.size.map(|s| s.to_string()),
        "status": d.status,
        "fps": d.fps,
        "frames": d.frames,
        "thumbnail": d.thumbnail,
        "upvotes": d.upvotes,
        "downvotes": d.downvotes,
        "nsfw": d.nsfw,
        "frontendUrl": format!("{frontend_url}/dream/{}", d.uuid),
        "activityLevel": numeric_number(&d.activity_level),
        "md5": d.md5,
        "video_timestamp": d.processed_at.as_ref().map(epoch_ms),
        "timestamp": epoch_ms(&d.updated_at),
    })
}

/// One `contents` entry.
pub fn content(c: &ContentEntry) -> Value {
    let mut m = Map::new();
    m.insert("uuid".into(), json!(c.uuid));
    m.insert("timestamp".into(), json!(epoch_ms(&c.updated_at)));
    if let Some(k) = c.start_keyframe {
        m.insert("start_keyframe".into(), json!(k));
    }
    if let Some(k) = c.end_keyframe {
        m.insert("end_keyframe".into(), json!(k));
    }
    Value::Object(m)
}

/// `ClientPlaylist`.
pub fn playlist(p: &ClientPlaylistRow) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "artist": p.artist,
        "thumbnail": p.thumbnail,
        "nsfw": p.nsfw,
        "contents": p.contents.iter().map(content).collect::<Vec<_>>(),
        "timestamp": epoch_ms(&p.updated_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    #[test]
    fn client_dream_kinds_match_what_the_desktop_parses() {
        let t = Utc.timestamp_millis_opt(1_700_000_000_123).unwrap();
        let d = ClientDreamRow {
            uuid: Uuid::nil(),
            name: None,
            artist: Some("A".into()),
            size: Some(10_737_418_240),
            status: "processed".into(),
            fps: Some("29.97".into()),
            frames: Some(300),
            thumbnail: None,
            upvotes: 1,
            downvotes: 0,
            nsfw: false,
            activity_level: "1.0".into(),
            md5: None,
            processed_at: None,
            updated_at: t,
        };
        let v = dream(&d, "https://f");
        assert_eq!(v["size"], "10737418240");
        assert_eq!(v["fps"], "29.97");
        assert_eq!(v["timestamp"].to_string(), "1700000000123");
        assert_eq!(v["activityLevel"].to_string(), "1");
        assert!(v["video_timestamp"].is_null() && v["md5"].is_null());
        assert_eq!(v["frontendUrl"], format!("https://f/dream/{}", Uuid::nil()));
    }

    #[test]
    fn absent_keyframes_are_omitted_keys() {
        let t = Utc.timestamp_millis_opt(5).unwrap();
        let c =
            ContentEntry { uuid: Uuid::nil(), updated_at: t, start_keyframe: Some(Uuid::nil()), end_keyframe: None };
        let v = content(&c);
        assert!(v.get("start_keyframe").is_some());
        assert!(v.get("end_keyframe").is_none());
        assert_eq!(v["timestamp"].to_string(), "5");
    }
}

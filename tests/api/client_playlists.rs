//! Desktop client API: recursive playlists and default playlists (`rest-api.md` §6.2,
//! §10.1), including deleted and hidden dreams in stored lists and cycles.

use infinidream_actors::Role;
use serde_json::{json, Value};

use crate::client_support::*;

#[actix_web::test]
async fn client_playlist_flattens_nested_playlists_in_place_and_stops_at_cycles() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let db = db(&app).await;
    let root = playlist(&db, user.id, false, false).await;
    let child = playlist(&db, user.id, false, false).await;
    let grandchild = playlist(&db, other.id, false, false).await;
    let hidden_child = playlist(&db, other.id, true, false).await;
    let d1 = public_dream(&db, user.id).await;
    let d2 = public_dream(&db, user.id).await;
    let d3 = public_dream(&db, other.id).await;
    let d4 = public_dream(&db, user.id).await;
    let in_hidden = public_dream(&db, other.id).await;
    let unprocessed = dream(&db, user.id, DreamSpec { status: "processing", ..Default::default() }).await;
    let others_hidden = dream(&db, other.id, DreamSpec { hidden: true, ..Default::default() }).await;
    let others_nsfw = dream(&db, other.id, DreamSpec { nsfw: true, ..Default::default() }).await;
    let kf = start_keyframe(&db, user.id, d1.id).await;
    // root = [d1, child, unprocessed, hidden_child, d4]; child = [d2, grandchild, root];
    // grandchild = [d3, child (cycle), others_hidden]; hidden_child = [in_hidden].
    add_dream(&db, root.id, d1.id, 0).await;
    add_playlist(&db, root.id, child.id, 1).await;
    add_dream(&db, root.id, unprocessed.id, 2).await;
    add_playlist(&db, root.id, hidden_child.id, 3).await;
    add_dream(&db, root.id, d4.id, 4).await;
    add_dream(&db, root.id, others_nsfw.id, 5).await;
    add_dream(&db, child.id, d2.id, 0).await;
    add_playlist(&db, child.id, grandchild.id, 1).await;
    add_playlist(&db, child.id, root.id, 2).await;
    add_dream(&db, grandchild.id, d3.id, 0).await;
    add_playlist(&db, grandchild.id, child.id, 1).await;
    add_dream(&db, grandchild.id, others_hidden.id, 2).await;
    add_dream(&db, hidden_child.id, in_hidden.id, 0).await;

    let (status, body) = get(&app, &format!("/api/v1/client/playlist/{}", root.uuid), &user).await;
    assert_eq!(status, 200, "{body}");
    let p = &body["data"]["playlist"];
    assert_eq!(p["id"], root.id);
    assert_eq!(p["name"], "p");
    assert_eq!(p["artist"], "Test");
    assert_eq!(p["nsfw"], false);
    assert!(p["timestamp"].is_i64(), "{p}");
    let contents = &p["contents"];
    assert_eq!(uuids(contents), [d1.uuid, d2.uuid, d3.uuid, d4.uuid].map(|u| u.to_string()).to_vec());
    let first = contents[0].as_object().unwrap();
    assert_eq!(first["start_keyframe"], kf.to_string());
    assert!(!first.contains_key("end_keyframe"), "absent keyframes are omitted, not null: {first:?}");
    assert!(first["timestamp"].is_i64());
    let second = contents[1].as_object().unwrap();
    assert!(!second.contains_key("start_keyframe") && !second.contains_key("end_keyframe"));
}

#[actix_web::test]
async fn client_playlist_of_another_users_hidden_or_nsfw_playlist_is_not_found() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let db = db(&app).await;
    let hidden = playlist(&db, other.id, true, false).await;
    let nsfw = playlist(&db, other.id, false, true).await;
    let deleted = playlist(&db, user.id, false, false).await;
    db.execute("UPDATE playlist SET deleted_at = now() WHERE id = $1", &[&deleted.id]).await.unwrap();
    for p in [hidden.uuid, nsfw.uuid, deleted.uuid, uuid::Uuid::new_v4()] {
        let (status, body) = get(&app, &format!("/api/v1/client/playlist/{p}"), &user).await;
        assert_eq!((status, body), (404, json!({"success": false, "message": "Not found."})));
    }
    let (status, _) = get(&app, &format!("/api/v1/client/playlist/{}", hidden.uuid), &admin).await;
    assert_eq!(status, 200);
    let (status, body) = get(&app, "/api/v1/client/playlist/12", &user).await;
    assert_400(status, &body, "\"params.uuid\" must be a valid GUID");
}

#[actix_web::test]
async fn client_default_playlist_is_computed_once_and_stored() {
    let designed_owner_uuid = uuid::Uuid::new_v4();
    let app = spawn_client_app_with(|env| {
        env.insert("DESIGNED_PLAYLIST_UUID".into(), designed_owner_uuid.to_string());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let db = db(&app).await;
    let spec = |upvotes| DreamSpec { upvotes, ..Default::default() };
    let designed = playlist(&db, other.id, false, false).await;
    db.execute("UPDATE playlist SET uuid = $2 WHERE id = $1", &[&designed.id, &designed_owner_uuid]).await.unwrap();
    let top = dream(&db, other.id, spec(100)).await;
    let second = dream(&db, other.id, spec(50)).await;
    let disliked = dream(&db, other.id, spec(75)).await;
    let curated = dream(&db, other.id, spec(1)).await;
    let hidden = dream(&db, other.id, DreamSpec { hidden: true, upvotes: 500, ..Default::default() }).await;
    let queued = dream(&db, other.id, DreamSpec { status: "queue", upvotes: 400, ..Default::default() }).await;
    let nsfw = dream(&db, other.id, DreamSpec { nsfw: true, upvotes: 300, ..Default::default() }).await;
    add_dream(&db, designed.id, curated.id, 0).await;
    add_dream(&db, designed.id, second.id, 1).await;
    downvote(&db, user.id, disliked.id).await;

    let (status, body) = get(&app, "/api/v1/client/playlist/default", &user).await;
    assert_eq!(status, 200, "{body}");
    let list = body["data"]["playlist"].as_array().expect("data.playlist is a bare array");
    let got: Vec<String> = list.iter().map(|e| e["uuid"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, [curated.uuid, second.uuid, top.uuid].map(|u| u.to_string()).to_vec());
    assert!(list.iter().all(|e| e["timestamp"].is_i64() && e.as_object().unwrap().len() == 2), "{list:?}");
    let stored = stored_default(&db, user.id).await.expect("stored on first use");
    assert_eq!(stored, got);
    for excluded in [hidden.uuid, queued.uuid, nsfw.uuid, disliked.uuid] {
        assert!(!stored.contains(&excluded.to_string()));
    }

    // Stored, not recomputed: a new popular dream does not appear until maintenance.
    let newer = dream(&db, other.id, spec(1000)).await;
    let (_, body) = get(&app, "/api/v1/client/playlist/default", &user).await;
    assert!(!uuids(&body["data"]["playlist"]).contains(&newer.uuid.to_string()));
}

#[actix_web::test]
async fn client_default_playlist_skips_deleted_hidden_and_junk_entries() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let db = db(&app).await;
    let kept = public_dream(&db, other.id).await;
    let deleted = public_dream(&db, other.id).await;
    let hidden_later = public_dream(&db, other.id).await;
    let failed_later = public_dream(&db, other.id).await;
    let stored = json!([
        deleted.uuid,
        "not-a-uuid",
        17,
        hidden_later.uuid,
        kept.uuid,
        failed_later.uuid,
        uuid::Uuid::new_v4(),
        kept.uuid
    ]);
    db.execute("INSERT INTO default_playlist (user_id, data) VALUES ($1, $2)", &[&user.id, &stored]).await.unwrap();
    db.execute("UPDATE dream SET deleted_at = now() WHERE id = $1", &[&deleted.id]).await.unwrap();
    db.execute("UPDATE dream SET hidden = true WHERE id = $1", &[&hidden_later.id]).await.unwrap();
    db.execute("UPDATE dream SET status = 'failed' WHERE id = $1", &[&failed_later.id]).await.unwrap();

    let (status, body) = get(&app, "/api/v1/client/playlist/default", &user).await;
    assert_eq!(status, 200, "a deleted dream never causes a 500: {body}");
    assert_eq!(uuids(&body["data"]["playlist"]), vec![kept.uuid.to_string()]);

    let (status, body) = get(&app, "/api/v1/playlist/default", &user).await;
    assert_eq!(status, 200, "{body}");
    let dreams = body["data"]["dreams"].as_array().unwrap();
    assert_eq!(dreams.len(), 1);
    let d = dreams[0].as_object().unwrap();
    let mut keys: Vec<&str> = d.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["endKeyframe", "frontendUrl", "id", "name", "startKeyframe", "thumbnail", "user", "uuid", "video"]
    );
    assert_eq!(d["id"], kept.id);
    assert!(
        d["video"].as_str().unwrap().starts_with("https://media.example.com/dreams/1/v/v.mp4?"),
        "video is a read URL: {d:?}"
    );
    let user_keys: Vec<&String> = d["user"].as_object().unwrap().keys().collect();
    assert_eq!(user_keys.len(), 4, "SmallUser: {:?}", d["user"]);
    assert_eq!(d["user"]["id"], other.id);
    assert!(d["startKeyframe"].is_null());
}

#[actix_web::test]
async fn client_default_playlist_route_wins_over_playlist_uuid_routes() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    for path in ["/api/v1/playlist/default", "/api/v1/playlist/default/"] {
        let (status, body) = get(&app, path, &user).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["data"]["dreams"], Value::Array(vec![]));
    }
    let (status, body) = get(&app, "/api/v1/client/playlist/default", &user).await;
    assert_eq!((status, body["data"]["playlist"].clone()), (200, json!([])));
}

//! What each caller sees: hidden and nsfw playlists and dreams of other users never
//! appear in the list, in items or in references (admins and owners see them); fallback
//! thumbnails; the caller's current playlist everywhere the clients read it.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::fixtures::set_current_playlist;
use crate::helpers::*;
use crate::playlist_support::*;

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        list.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap_or_default().to_string()).collect();
    v.sort();
    v
}

#[actix_web::test]
async fn playlist_list_shows_only_listable_playlists_with_search_user_filter_and_paging() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let viewer = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let public = playlist(&app, &owner, "public mix").await;
    let hidden = playlist(&app, &owner, "hidden mix").await;
    let nsfw = playlist(&app, &owner, "nsfw mix").await;
    playlist(&app, &viewer, "viewer own").await;
    set_flags(&app, "playlist", &hidden.uuid, true, false).await;
    set_flags(&app, "playlist", &nsfw.uuid, false, true).await;

    let (status, res) = call(&app, Method::GET, "/api/v1/playlist", &viewer, None).await;
    assert_eq!(status, 200);
    assert_eq!(names(&res["data"]["playlists"]), ["public mix", "viewer own"]);
    assert_eq!(res["data"]["count"], 2);
    let (_, res) = call(&app, Method::GET, &format!("/api/v1/playlist?userUUID={}", owner.uuid), &owner, None).await;
    assert_eq!(names(&res["data"]["playlists"]), ["hidden mix", "nsfw mix", "public mix"], "owners see their own");
    let (_, res) = call(&app, Method::GET, "/api/v1/playlist?take=2", &admin, None).await;
    assert_eq!(res["data"]["count"], 4);
    assert_eq!(res["data"]["playlists"].as_array().unwrap().len(), 2);
    assert_eq!(res["data"]["playlists"][0]["name"], "nsfw mix", "most recently updated first");
    assert!(res["data"]["playlists"][0].get("featureRank").is_some());
    let (_, res) = call(&app, Method::GET, "/api/v1/playlist?search=MIX&take=abc&skip=-4", &viewer, None).await;
    assert_eq!(names(&res["data"]["playlists"]), ["public mix"], "search is case-insensitive, bad paging defaults");
    let (_, res) = call(&app, Method::GET, "/api/v1/playlist?userUUID=not-a-uuid", &viewer, None).await;
    assert_eq!(res["data"]["count"], 0);
    let (status, _) = call(&app, Method::GET, "/api/v1/playlist?take=999999999999999999999", &viewer, None).await;
    assert_eq!(status, 200, "huge take is capped, not an error");

    // Viewers who opted into nsfw see nsfw playlists, never hidden ones.
    app.set_nsfw(&viewer, true).await;
    let (_, res) = call(&app, Method::GET, "/api/v1/playlist", &viewer, None).await;
    assert_eq!(names(&res["data"]["playlists"]), ["nsfw mix", "public mix", "viewer own"]);
    let _ = public;
}

#[actix_web::test]
async fn playlist_items_and_references_skip_what_the_caller_may_not_list() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let p = playlist(&app, &owner, "p").await;
    let open = insert_dream(&app, &owner, "processed", false, false).await;
    let hidden = insert_dream(&app, &owner, "processed", true, false).await;
    let nsfw = insert_dream(&app, &owner, "queue", false, true).await;
    let child = playlist(&app, &owner, "secret child").await;
    for d in [open, hidden, nsfw] {
        add_ok(&app, &owner, &p, "dream", &d.to_string()).await;
    }
    add_ok(&app, &owner, &p, "playlist", &child.uuid).await;
    set_flags(&app, "playlist", &child.uuid, true, false).await;

    let (_, res) = call(&app, Method::GET, &p.path("/items?take=50"), &other, None).await;
    assert_eq!(dream_uuids(&res["data"]["items"]), [open.to_string()]);
    assert_eq!(res["data"]["totalCount"], 1, "the total counts listable items only");
    let (_, res) = call(&app, Method::GET, &p.path("/items?take=50"), &owner, None).await;
    assert_eq!(res["data"]["totalCount"], 4);
    let (_, res) = call(&app, Method::GET, &p.path("/items?take=50"), &admin, None).await;
    assert_eq!(res["data"]["totalCount"], 4);

    // References: other playlists nesting `target`, only when listable.
    let target = playlist(&app, &other, "target").await;
    let visible_parent = playlist(&app, &owner, "visible parent").await;
    let hidden_parent = playlist(&app, &owner, "hidden parent").await;
    let nsfw_parent = playlist(&app, &owner, "nsfw parent").await;
    for parent in [&visible_parent, &hidden_parent, &nsfw_parent] {
        add_ok(&app, &owner, parent, "playlist", &target.uuid).await;
    }
    set_flags(&app, "playlist", &hidden_parent.uuid, true, false).await;
    set_flags(&app, "playlist", &nsfw_parent.uuid, false, true).await;
    let (status, res) = call(&app, Method::GET, &target.path("/references"), &other, None).await;
    assert_eq!(status, 200, "{res}");
    let refs = res["data"]["references"].as_array().unwrap();
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0]["type"], "playlist");
    assert_eq!(
        refs[0]["playlist"],
        json!({"id": visible_parent.id, "uuid": visible_parent.uuid, "name": "visible parent"})
    );
    let (_, res) = call(&app, Method::GET, &target.path("/references"), &admin, None).await;
    assert_eq!(res["data"]["references"].as_array().unwrap().len(), 3);
    set_flags(&app, "playlist", &target.uuid, true, false).await;
    assert_eq!(call(&app, Method::GET, &target.path("/references"), &owner, None).await.0, 404);
    assert_eq!(call(&app, Method::GET, &target.path("/items"), &owner, None).await.0, 404);
    assert_eq!(call(&app, Method::GET, &target.path("/keyframes"), &owner, None).await.0, 404);
}

#[actix_web::test]
async fn playlist_fallback_thumbnails_recurse_skip_hidden_items_and_survive_cycles() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let outer = playlist(&app, &owner, "outer").await;
    let inner = playlist(&app, &owner, "inner").await;
    let hidden = insert_dream(&app, &owner, "processed", true, false).await;
    let deep = insert_dream(&app, &owner, "processed", false, false).await;
    let client = db(&app).await;
    client.execute("UPDATE dream SET thumbnail = 'secret/h.jpg' WHERE uuid = $1", &[&hidden]).await.unwrap();
    client.execute("UPDATE dream SET thumbnail = 'deep/d.jpg' WHERE uuid = $1", &[&deep]).await.unwrap();
    add_ok(&app, &owner, &outer, "dream", &hidden.to_string()).await;
    add_ok(&app, &owner, &outer, "playlist", &inner.uuid).await;
    add_ok(&app, &owner, &inner, "dream", &deep.to_string()).await;
    // Legacy cycle inner → outer must not hang or loop.
    client
        .execute("INSERT INTO playlist_item (playlist_id, type, playlist_item_id, sort_order) VALUES ($1, 'playlist', $2, 0)", &[&inner.id, &outer.id])
        .await
        .unwrap();

    let thumb = |res: &Value| res["data"]["playlist"]["thumbnail"].as_str().unwrap_or_default().to_string();
    let (_, res) = call(&app, Method::GET, &outer.path(""), &other, None).await;
    assert!(thumb(&res).contains("deep/d.jpg"), "first visible item with a thumbnail, recursively: {res}");
    let (_, res) = call(&app, Method::GET, &outer.path(""), &owner, None).await;
    assert!(thumb(&res).contains("secret/h.jpg"), "the owner sees the hidden dream first: {res}");
    // The dream detail's playlistItems use the same recursive fallback.
    let plain = insert_dream(&app, &owner, "processed", false, false).await;
    client.execute("UPDATE dream SET thumbnail = NULL WHERE uuid = $1", &[&plain]).await.unwrap();
    add_ok(&app, &owner, &outer, "dream", &plain.to_string()).await;
    let (_, res) = call(&app, Method::GET, &format!("/api/v1/dream/{plain}"), &other, None).await;
    let via_dream = res["data"]["dream"]["playlistItems"][0]["playlist"]["thumbnail"].as_str().unwrap_or_default();
    assert!(via_dream.contains("deep/d.jpg"), "{res}");
    client.execute("UPDATE playlist SET thumbnail = 'own/t.png' WHERE id = $1", &[&inner.id]).await.unwrap();
    let (_, res) = call(&app, Method::GET, &outer.path(""), &other, None).await;
    assert!(thumb(&res).contains("own/t.png"), "a nested playlist's own thumbnail wins: {res}");
    let (_, res) = call(&app, Method::GET, "/api/v1/playlist", &other, None).await;
    let listed =
        res["data"]["playlists"].as_array().unwrap().iter().find(|p| p["uuid"] == outer.uuid.as_str()).cloned();
    assert!(listed.unwrap()["thumbnail"].as_str().unwrap().contains("own/t.png"), "lists apply fallbacks too");
}

#[actix_web::test]
async fn playlist_current_is_served_in_full_where_the_clients_read_it() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let (status, res) = call(&app, Method::GET, "/api/v1/user/me/playlist", &user, None).await;
    assert_eq!((status, res), (404, json!({"success": false, "message": "Not found."})));
    let (_, res) = call(&app, Method::GET, "/api/v2/auth/playlist/current", &user, None).await;
    assert_eq!(res, json!({"success": true, "data": {"playlist": null}}));

    let p = playlist(&app, &user, "now playing").await;
    let shown = insert_dream(&app, &user, "processed", false, false).await;
    let foreign_hidden = insert_dream(&app, &other, "processed", false, false).await;
    add_ok(&app, &user, &p, "dream", &foreign_hidden.to_string()).await;
    add_ok(&app, &user, &p, "dream", &shown.to_string()).await;
    set_flags(&app, "dream", &foreign_hidden.to_string(), true, false).await;
    set_current_playlist(&db(&app).await, user.id, Some(p.id)).await;

    for path in ["/api/v1/user/me/playlist", "/api/v2/auth/playlist/current"] {
        let (status, res) = call(&app, Method::GET, path, &user, None).await;
        assert_eq!(status, 200, "{path}: {res}");
        let got = &res["data"]["playlist"];
        assert_eq!(got["uuid"], p.uuid);
        assert_eq!(got["user"]["uuid"], user.uuid.to_string());
        assert_eq!(dream_uuids(&got["items"]), [shown.to_string()], "{path}: filtered items");
    }
    let (_, res) = call(&app, Method::GET, "/api/v1/user/me", &user, None).await;
    let current = &res["data"]["user"]["currentPlaylist"];
    assert_eq!(current["uuid"], p.uuid);
    assert_eq!(current["name"], "now playing");
    assert!(current["user"].get("email").is_none());

    // Another user's hidden playlist as current reads as absent; so does a deleted one.
    let theirs = playlist(&app, &other, "theirs").await;
    set_flags(&app, "playlist", &theirs.uuid, true, false).await;
    set_current_playlist(&db(&app).await, user.id, Some(theirs.id)).await;
    assert_eq!(call(&app, Method::GET, "/api/v1/user/me/playlist", &user, None).await.0, 404);
    let (_, res) = call(&app, Method::GET, "/api/v1/user/me", &user, None).await;
    assert_eq!(res["data"]["user"]["currentPlaylist"], Value::Null);
    set_current_playlist(&db(&app).await, user.id, Some(p.id)).await;
    assert_eq!(call(&app, Method::DELETE, &p.path(""), &user, None).await.0, 200);
    assert_eq!(call(&app, Method::GET, "/api/v1/user/me/playlist", &user, None).await.0, 404);
    let (_, res) = call(&app, Method::GET, "/api/v2/auth/playlist/current", &user, None).await;
    assert_eq!(res["data"]["playlist"], Value::Null);
}

//! Playlist items and keyframes: add (self and cyclic nesting refused, duplicates 409),
//! remove with renumbering, reorder, the PlaylistItem shape, paging and bad input.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::playlist_support::*;

async fn item_count(app: &TestApp) -> i64 {
    db(app).await.query_one("SELECT count(*) FROM playlist_item", &[]).await.unwrap().get(0)
}

#[actix_web::test]
async fn playlist_add_item_appends_in_order_and_renders_the_playlist_item_shape() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let parent = playlist(&app, &owner, "parent").await;
    let child = playlist(&app, &owner, "child").await;
    let d1 = insert_dream(&app, &owner, "processed", false, false).await;
    let d2 = insert_dream(&app, &owner, "processed", false, false).await;
    let kf = insert_keyframe(&app, &owner, "start").await;
    let kf_id: i32 = db(&app).await.query_one("SELECT id FROM keyframe WHERE uuid = $1", &[&kf]).await.unwrap().get(0);
    db(&app).await.execute("UPDATE dream SET start_keyframe_id = $2 WHERE uuid = $1", &[&d1, &kf_id]).await.unwrap();
    add_ok(&app, &owner, &child, "dream", &d2.to_string()).await;
    let before = age(&app, parent.id).await;

    let (status, res) = add(&app, &owner, &parent, "dream", &d1.to_string()).await;
    assert_eq!(status, 201, "{res}");
    let item = &res["data"]["playlistItem"];
    assert_eq!((item["type"].as_str(), item["order"].as_i64()), (Some("dream"), Some(0)));
    assert_eq!(item["playlistItem"], Value::Null);
    let dream = &item["dreamItem"];
    assert_eq!(dream["uuid"], d1.to_string());
    assert_eq!(dream["startKeyframe"]["uuid"], kf.to_string());
    assert_eq!(dream["endKeyframe"], Value::Null);
    let user = dream["user"].as_object().unwrap();
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["avatar", "id", "name", "uuid"], "SmallUser");
    assert!(dream["thumbnail"].as_str().unwrap().contains("k/t.jpg"));
    assert!(updated_at(&app, parent.id).await > before, "add bumps updated_at");

    let (status, res) = add(&app, &owner, &parent, "playlist", &child.uuid).await;
    assert_eq!(status, 201, "{res}");
    let item = &res["data"]["playlistItem"];
    assert_eq!(item["order"], 1);
    assert_eq!(item["dreamItem"], Value::Null);
    let nested = &item["playlistItem"];
    assert_eq!(nested["uuid"], child.uuid);
    assert!(nested["user"].get("quota").is_none(), "SmallUser in nested playlists");
    assert!(nested["thumbnail"].as_str().unwrap().contains("k/t.jpg"), "fallback thumbnail of the child");
    assert_eq!(dream_uuids(&nested["items"]), [d2.to_string()], "one level of nested items");

    let (status, res) = add(&app, &owner, &parent, "dream", &d1.to_string()).await;
    assert_eq!((status, res), (409, json!({"success": false, "message": "Resource already exists."})));
    let (status, _) = add(&app, &owner, &parent, "playlist", &child.uuid).await;
    assert_eq!(status, 409);
    assert_eq!(orders(&app, parent.id).await.len(), 2);

    let (_, res) = call(&app, Method::GET, &parent.path("/items"), &owner, None).await;
    assert_eq!(res["data"]["totalCount"], 2);
    assert_eq!(res["data"]["items"][1]["playlistItem"]["items"][0]["dreamItem"]["uuid"], d2.to_string());
}

#[actix_web::test]
async fn playlist_self_and_cyclic_nesting_is_refused_with_no_write() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let a = playlist(&app, &owner, "A").await;
    let b = playlist(&app, &owner, "B").await;
    let c = playlist(&app, &owner, "C").await;
    let forbidden = json!({"success": false, "message": "Action not allowed."});
    assert_eq!(add(&app, &owner, &a, "playlist", &a.uuid).await, (403, forbidden.clone()));
    add_ok(&app, &owner, &a, "playlist", &b.uuid).await;
    add_ok(&app, &owner, &b, "playlist", &c.uuid).await;
    let before = item_count(&app).await;
    let stamp = age(&app, b.id).await;
    assert_eq!(add(&app, &owner, &b, "playlist", &a.uuid).await, (403, forbidden.clone()), "A→B→A");
    assert_eq!(add(&app, &owner, &c, "playlist", &a.uuid).await, (403, forbidden), "A→B→C→A");
    assert_eq!(item_count(&app).await, before, "nothing written");
    assert_eq!(updated_at(&app, b.id).await, stamp, "not even a bump");
    // A diamond is not a cycle.
    add_ok(&app, &owner, &a, "playlist", &c.uuid).await;
}

#[actix_web::test]
async fn playlist_add_item_checks_targets_permissions_and_body() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let p = playlist(&app, &owner, "p").await;
    let foreign_hidden = insert_dream(&app, &other, "processed", true, false).await;
    let foreign_nsfw = insert_dream(&app, &other, "processed", false, true).await;
    let mine = insert_dream(&app, &owner, "processed", false, false).await;

    assert_eq!(add(&app, &owner, &p, "dream", &foreign_hidden.to_string()).await.0, 404, "hidden target");
    assert_eq!(add(&app, &owner, &p, "dream", &uuid::Uuid::new_v4().to_string()).await.0, 404);
    assert_eq!(add(&app, &owner, &p, "playlist", &mine.to_string()).await.0, 404, "a dream uuid is no playlist");
    assert_eq!(add(&app, &owner, &p, "dream", &foreign_nsfw.to_string()).await.0, 201, "visible, so addable");
    assert_eq!(add(&app, &other, &p, "dream", &mine.to_string()).await.0, 403);
    assert_eq!(add(&app, &admin, &p, "dream", &mine.to_string()).await.0, 201, "admins edit any playlist");
    // Unknown keys (the SDK and web UI send extras) are ignored, never written.
    let extra = insert_dream(&app, &owner, "processed", false, false).await;
    let body = json!({"type": "dream", "uuid": extra, "order": 99, "playlist_id": 1, "nsfw": true});
    let (status, res) = call(&app, Method::PUT, &p.path("/add-item"), &owner, Some(body)).await;
    assert_eq!((status, res["data"]["playlistItem"]["order"].as_i64()), (201, Some(2)));
    let removed = res["data"]["playlistItem"]["id"].as_i64().unwrap();
    assert_eq!(call(&app, Method::DELETE, &p.path(&format!("/remove-item/{removed}")), &owner, None).await.0, 200);

    let path = p.path("/add-item");
    let (status, res) = call(&app, Method::PUT, &path, &owner, Some(json!({"type": "video", "uuid": 5}))).await;
    assert_eq!(status, 400);
    assert_eq!(res["message"], "\"body.type\" must be one of [dream, playlist]. \"body.uuid\" must be a valid GUID");
    let (status, res) = call(&app, Method::PUT, &path, &owner, Some(json!({}))).await;
    assert_eq!(status, 400);
    assert_eq!(res["data"][0], json!({"field": "body, type", "message": "\"body.type\" is required"}));
    let bad = "/api/v1/playlist/xyz/add-item";
    assert_eq!(call(&app, Method::PUT, bad, &owner, Some(json!({"type": "dream", "uuid": mine}))).await.0, 400);
    let missing = format!("/api/v1/playlist/{}/add-item", uuid::Uuid::new_v4());
    assert_eq!(call(&app, Method::PUT, &missing, &owner, Some(json!({"type": "dream", "uuid": mine}))).await.0, 404);
    assert_eq!(orders(&app, p.id).await.len(), 2);
}

#[actix_web::test]
async fn playlist_remove_item_renumbers_and_order_sets_only_own_items() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let p = playlist(&app, &owner, "p").await;
    let q = playlist(&app, &owner, "q").await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let d = insert_dream(&app, &owner, "processed", false, false).await;
        ids.push(add_ok(&app, &owner, &p, "dream", &d.to_string()).await);
    }
    let d = insert_dream(&app, &owner, "processed", false, false).await;
    let foreign_item = add_ok(&app, &owner, &q, "dream", &d.to_string()).await;

    let remove = |id: i64| p.path(&format!("/remove-item/{id}"));
    assert_eq!(call(&app, Method::DELETE, &remove(ids[1]), &other, None).await.0, 403);
    assert_eq!(call(&app, Method::DELETE, &remove(foreign_item), &owner, None).await.0, 404, "not in this playlist");
    let before = age(&app, p.id).await;
    let (status, res) = call(&app, Method::DELETE, &remove(ids[1]), &owner, None).await;
    assert_eq!((status, res), (200, json!({"success": true})));
    let got = orders(&app, p.id).await;
    assert_eq!(got, [(ids[0] as i32, 0), (ids[2] as i32, 1), (ids[3] as i32, 2)]);
    assert!(updated_at(&app, p.id).await > before);
    assert_eq!(call(&app, Method::DELETE, &remove(ids[1]), &owner, None).await.0, 404, "already removed");
    for bad in ["abc", "0", "-1", "2.5"] {
        let (status, res) = call(&app, Method::DELETE, &p.path(&format!("/remove-item/{bad}")), &owner, None).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(res["data"][0]["field"], "params, itemId");
    }

    let body =
        json!({"order": [{"id": ids[3], "order": 0}, {"id": ids[0], "order": "2"}, {"id": foreign_item, "order": 7}]});
    let before = age(&app, p.id).await;
    let (status, res) = call(&app, Method::PUT, &p.path("/order"), &owner, Some(body)).await;
    assert_eq!((status, res), (200, json!({"success": true})));
    assert_eq!(orders(&app, p.id).await, [(ids[3] as i32, 0), (ids[2] as i32, 1), (ids[0] as i32, 2)]);
    assert_eq!(orders(&app, q.id).await, [(foreign_item as i32, 0)], "other playlists untouched");
    assert!(updated_at(&app, p.id).await > before);
    let (_, res) = call(&app, Method::GET, &p.path("/items?take=2&skip=1"), &owner, None).await;
    assert_eq!(res["data"]["totalCount"], 3);
    assert_eq!(res["data"]["items"].as_array().unwrap().len(), 2);
    assert_eq!(res["data"]["items"][0]["id"], ids[2]);

    let bad = json!({"order": [{"id": 1}, {"order": 1, "id": 1.5}, "x"]});
    let (status, res) = call(&app, Method::PUT, &p.path("/order"), &owner, Some(bad)).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = res["data"].as_array().unwrap().iter().map(|v| v["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["body, order, 0, order", "body, order, 1, id", "body, order, 2"]);
    assert_eq!(res["data"][0]["message"], "\"body.order[0].order\" is required");
    assert_eq!(call(&app, Method::PUT, &p.path("/order"), &owner, Some(json!({"order": 3}))).await.0, 400);
    let body = json!({"order": [{"id": ids[0], "order": 0}]});
    assert_eq!(call(&app, Method::PUT, &p.path("/order"), &other, Some(body)).await.0, 403);
    assert_eq!(orders(&app, p.id).await[2], (ids[0] as i32, 2), "refused reorder wrote nothing");
}

#[actix_web::test]
async fn playlist_items_and_keyframes_validate_their_page() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let p = playlist(&app, &owner, "p").await;
    for suffix in ["/items", "/keyframes"] {
        for (query, field) in [("take=0", "take"), ("take=5001", "take"), ("take=abc", "take"), ("skip=-1", "skip")] {
            let (status, res) = call(&app, Method::GET, &p.path(&format!("{suffix}?{query}")), &owner, None).await;
            assert_eq!(status, 400, "{suffix}?{query}: {res}");
            assert_eq!(res["data"][0]["field"], format!("query, {field}"));
        }
        let (status, res) = call(&app, Method::GET, &p.path(&format!("{suffix}?take=5000&skip=0")), &owner, None).await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(res["data"]["totalCount"], 0);
    }
}

#[actix_web::test]
async fn playlist_keyframes_attach_in_order_refuse_duplicates_and_renumber_on_detach() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let p = playlist(&app, &owner, "p").await;
    let mut links = Vec::new();
    for name in ["k0", "k1", "k2"] {
        let kf = insert_keyframe(&app, &owner, name).await;
        let (status, res) = call(&app, Method::POST, &p.path("/keyframe"), &owner, Some(json!({"uuid": kf}))).await;
        assert_eq!(status, 201, "{res}");
        let link = &res["data"]["playlistKeyframe"];
        assert_eq!(link["order"], links.len());
        assert_eq!(link["keyframe"]["name"], name);
        assert_eq!(link["keyframe"]["user"]["uuid"], owner.uuid.to_string());
        assert!(link["keyframe"]["user"].get("email").is_none());
        links.push((link["id"].as_i64().unwrap(), kf));
    }
    let dup = json!({"uuid": links[0].1});
    let (status, res) = call(&app, Method::POST, &p.path("/keyframe"), &owner, Some(dup.clone())).await;
    assert_eq!((status, res["message"].as_str().unwrap()), (409, "Resource already exists."));
    assert_eq!(call(&app, Method::POST, &p.path("/keyframe"), &other, Some(dup)).await.0, 403);
    let unknown = json!({"uuid": uuid::Uuid::new_v4()});
    assert_eq!(call(&app, Method::POST, &p.path("/keyframe"), &owner, Some(unknown)).await.0, 404);
    assert_eq!(call(&app, Method::POST, &p.path("/keyframe"), &owner, Some(json!({}))).await.0, 400);

    let detach = |id: i64| p.path(&format!("/keyframe/{id}"));
    assert_eq!(call(&app, Method::DELETE, &detach(links[0].0), &other, None).await.0, 403);
    let before = age(&app, p.id).await;
    assert_eq!(call(&app, Method::DELETE, &detach(links[0].0), &owner, None).await.0, 200);
    assert!(updated_at(&app, p.id).await > before);
    assert_eq!(call(&app, Method::DELETE, &detach(links[0].0), &owner, None).await.0, 404);
    assert_eq!(call(&app, Method::DELETE, &p.path("/keyframe/zero"), &owner, None).await.0, 400);
    let (status, res) = call(&app, Method::GET, &p.path("/keyframes?take=1&skip=1"), &owner, None).await;
    assert_eq!(status, 200);
    assert_eq!(res["data"]["totalCount"], 2);
    let list = res["data"]["keyframes"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0]["order"].as_i64(), list[0]["keyframe"]["name"].as_str()), (Some(1), Some("k2")));
}

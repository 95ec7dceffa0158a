//! Playlist create / get / update / delete: shapes, whitelists, admin-only fields, the feed
//! item, recursive totals, the delete cascade, and bad input of each kind.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::playlist_support::*;

async fn feed_user(app: &TestApp, playlist_id: i32) -> Option<i32> {
    db(app)
        .await
        .query_opt("SELECT user_id FROM feed_item WHERE playlist_item_id = $1 AND deleted_at IS NULL", &[&playlist_id])
        .await
        .unwrap()
        .map(|r| r.get(0))
}

#[actix_web::test]
async fn playlist_create_returns_201_with_public_users_and_a_feed_item() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let body = json!({"name": "Road trip", "description": "", "nsfw": "true", "uuid": "ignored", "featureRank": 9});
    let (status, res) = call(&app, Method::POST, "/api/v1/playlist", &user, Some(body)).await;
    assert_eq!(status, 201, "{res}");
    let p = &res["data"]["playlist"];
    assert_eq!(p["name"], "Road trip");
    assert_eq!(p["description"], "");
    assert_eq!(p["nsfw"], true, "coerced boolean");
    assert_eq!(p["hidden"], false);
    assert_eq!(p["thumbnail"], Value::Null);
    assert_eq!(p["user"]["uuid"], user.uuid.to_string());
    assert!(p["user"].get("email").is_none(), "never an email in nested users");
    assert_eq!(p["user"]["quota"].as_str().map(|_| ()), Some(()), "PublicUser");
    assert_eq!(p["displayedOwner"], Value::Null);
    assert!(p.get("featureRank").is_none(), "featureRank only for admins");
    let ts = p["created_at"].as_str().unwrap();
    assert!(ts.len() == 24 && ts.ends_with('Z'), "{ts}");
    let id = p["id"].as_i64().unwrap() as i32;
    assert_eq!(feed_user(&app, id).await, Some(user.id));
    let rank: i32 =
        db(&app).await.query_one("SELECT feature_rank FROM playlist WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(rank, 0, "featureRank is not writable on create");

    let admin = app.create_user(Role::Admin).await;
    let (status, res) =
        call(&app, Method::POST, "/api/v1/playlist", &admin, Some(json!({"name": "h", "hidden": true}))).await;
    assert_eq!(status, 201);
    assert_eq!(res["data"]["playlist"]["hidden"], true);
    assert_eq!(res["data"]["playlist"]["featureRank"], 0);
}

#[actix_web::test]
async fn playlist_create_rejects_bad_bodies_with_every_violation_and_writes_nothing() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let path = "/api/v1/playlist";
    let (status, res) =
        call(&app, Method::POST, path, &user, Some(json!({"description": 5, "nsfw": "maybe", "hidden": true}))).await;
    assert_eq!(status, 400, "{res}");
    assert_eq!(res["success"], false);
    let fields: Vec<&str> = res["data"].as_array().unwrap().iter().map(|v| v["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["body, name", "body, description", "body, nsfw", "body, hidden"]);
    assert_eq!(
        res["message"],
        "\"body.name\" is required. \"body.description\" must be a string. \"body.nsfw\" must be a boolean. \"body.hidden\" is not allowed"
    );
    let (status, res) = call(&app, Method::POST, path, &user, Some(json!({"name": ""}))).await;
    assert_eq!((status, res["message"].as_str().unwrap()), (400, "\"body.name\" is not allowed to be empty"));
    let long = "x".repeat(501);
    let (status, _) = call(&app, Method::POST, path, &user, Some(json!({"name": "n", "description": long}))).await;
    assert_eq!(status, 400);
    let res = app
        .client
        .post(app.url(path))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await, json!({"success": false, "message": "Invalid JSON body."}));
    let count: i64 = db(&app).await.query_one("SELECT count(*) FROM playlist", &[]).await.unwrap().get(0);
    assert_eq!(count, 0);
    let res = app.client.post(app.url(path)).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn playlist_get_hides_missing_hidden_and_nsfw_playlists_and_reports_recursive_totals() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let a = playlist(&app, &owner, "A").await;
    let b = playlist(&app, &owner, "B").await;
    // 2 × 300 frames / 30 = 20 s; 0.5 × 100 / 30 = 1.67 → 2 s; nested once despite a cycle.
    let d1 = processed_dream(&app, &owner, 2.0, 300).await;
    let d2 = processed_dream(&app, &owner, 0.5, 100).await;
    let pending = insert_dream(&app, &owner, "queue", false, false).await;
    let third = app.create_user(Role::Creator).await;
    let hidden = processed_dream(&app, &third, 1.0, 3000).await;
    add_ok(&app, &owner, &a, "dream", &d1.to_string()).await;
    add_ok(&app, &owner, &a, "dream", &pending.to_string()).await;
    add_ok(&app, &owner, &a, "playlist", &b.uuid).await;
    add_ok(&app, &owner, &b, "dream", &d2.to_string()).await;
    add_ok(&app, &owner, &b, "dream", &hidden.to_string()).await;
    set_flags(&app, "dream", &hidden.to_string(), true, false).await;
    // Legacy cycle B → A (the API refuses it; old data may hold it).
    db(&app)
        .await
        .execute("INSERT INTO playlist_item (playlist_id, type, playlist_item_id, sort_order) VALUES ($1, 'playlist', $2, 9)", &[&b.id, &a.id])
        .await
        .unwrap();

    let (status, res) = call(&app, Method::GET, &a.path(""), &other, None).await;
    assert_eq!(status, 200, "{res}");
    let p = &res["data"]["playlist"];
    assert_eq!(p["totalDurationSeconds"], 22);
    assert_eq!(p["totalDreamCount"], 2, "processed listable dreams only");
    assert!(p.get("items").is_none());
    assert!(p.get("featureRank").is_none());
    let (_, res) = call(&app, Method::GET, &a.path(""), &owner, None).await;
    assert_eq!(
        res["data"]["playlist"]["totalDurationSeconds"], 22,
        "a third user's hidden dream never counts for the playlist owner"
    );
    let (_, res) = call(&app, Method::GET, &a.path(""), &admin, None).await;
    assert_eq!(res["data"]["playlist"]["totalDurationSeconds"], 122, "admins see the hidden dream");
    assert_eq!(res["data"]["playlist"]["featureRank"], 0);

    set_flags(&app, "playlist", &a.uuid, true, false).await;
    assert_eq!(call(&app, Method::GET, &a.path(""), &other, None).await.0, 404);
    assert_eq!(call(&app, Method::GET, &a.path(""), &owner, None).await.0, 200);
    set_flags(&app, "playlist", &a.uuid, false, true).await;
    let (status, res) = call(&app, Method::GET, &a.path(""), &other, None).await;
    assert_eq!((status, res), (404, json!({"success": false, "message": "Not found."})));
    assert_eq!(call(&app, Method::GET, &a.path(""), &admin, None).await.0, 200);
    let missing = format!("/api/v1/playlist/{}", uuid::Uuid::new_v4());
    assert_eq!(call(&app, Method::GET, &missing, &owner, None).await.0, 404);
    let (status, res) = call(&app, Method::GET, "/api/v1/playlist/nope", &owner, None).await;
    assert_eq!(status, 400);
    assert_eq!(res["message"], "\"params.uuid\" must be a valid GUID");
    // Other GUID spellings name the same playlist.
    let braces = format!("/api/v1/playlist/{{{}}}", a.uuid.to_uppercase());
    assert_eq!(call(&app, Method::GET, &braces, &owner, None).await.0, 200);
}

#[actix_web::test]
async fn playlist_update_writes_only_the_whitelist_and_admin_fields_for_admins() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let p = playlist(&app, &owner, "old").await;
    let body = json!({"name": "new", "description": "d", "nsfw": true, "featureRank": 7, "displayedOwner": other.id,
                      "user": admin.id, "thumbnail": "x/y.png", "uuid": "zzz"});
    let (status, res) = call(&app, Method::PUT, &p.path(""), &owner, Some(body.clone())).await;
    assert_eq!(status, 200, "{res}");
    let got = &res["data"]["playlist"];
    assert_eq!(
        (got["name"].as_str(), got["description"].as_str(), got["nsfw"].as_bool()),
        (Some("new"), Some("d"), Some(true))
    );
    assert_eq!(got["displayedOwner"], Value::Null, "displayedOwner ignored for owners");
    assert_eq!(got["items"], json!([]), "re-read with items");
    assert_eq!(got["thumbnail"], Value::Null);
    let row =
        db(&app).await.query_one("SELECT feature_rank, user_id FROM playlist WHERE id = $1", &[&p.id]).await.unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1)), (0, owner.id));

    let (status, res) = call(&app, Method::PUT, &p.path(""), &owner, Some(json!({"name": "n", "hidden": true}))).await;
    assert_eq!((status, res["message"].as_str().unwrap()), (400, "\"body.hidden\" is not allowed"));
    let (status, res) = call(&app, Method::PUT, &p.path(""), &owner, Some(json!({"description": "no name"}))).await;
    assert_eq!((status, res["message"].as_str().unwrap()), (400, "\"body.name\" is required"));
    let bad = json!({"name": "x".repeat(101), "featureRank": 1.5, "displayedOwner": -1, "nsfw": []});
    let (status, res) = call(&app, Method::PUT, &p.path(""), &owner, Some(bad)).await;
    assert_eq!(status, 400);
    assert_eq!(res["data"].as_array().unwrap().len(), 4, "{res}");
    assert_eq!(call(&app, Method::PUT, &p.path(""), &other, Some(json!({"name": "mine"}))).await.0, 403);

    let body = json!({"name": "ranked", "featureRank": "7", "displayedOwner": other.id, "hidden": true});
    let (status, res) = call(&app, Method::PUT, &p.path(""), &admin, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    let got = &res["data"]["playlist"];
    assert_eq!(got["featureRank"], 7);
    assert_eq!(got["hidden"], true);
    assert_eq!(got["displayedOwner"]["uuid"], other.uuid.to_string());
    assert!(got["displayedOwner"].get("email").is_none());
    assert_eq!(feed_user(&app, p.id).await, Some(other.id), "the feed item moves to the displayed owner");
    let body = json!({"name": "x", "displayedOwner": 999_999});
    assert_eq!(call(&app, Method::PUT, &p.path(""), &admin, Some(body)).await.0, 404);
    // Now hidden: a stranger cannot learn it exists.
    assert_eq!(call(&app, Method::PUT, &p.path(""), &other, Some(json!({"name": "m"}))).await.0, 404);
    let missing = format!("/api/v1/playlist/{}", uuid::Uuid::new_v4());
    assert_eq!(call(&app, Method::PUT, &missing, &admin, Some(json!({"name": "m"}))).await.0, 404);
}

#[actix_web::test]
async fn playlist_delete_cascades_in_one_go_and_renumbers_the_parents() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let child = playlist(&app, &owner, "child").await;
    let parent = playlist(&app, &owner, "parent").await;
    let d1 = insert_dream(&app, &owner, "processed", false, false).await;
    let d2 = insert_dream(&app, &owner, "processed", false, false).await;
    add_ok(&app, &owner, &child, "dream", &d1.to_string()).await;
    add_ok(&app, &owner, &parent, "dream", &d1.to_string()).await;
    add_ok(&app, &owner, &parent, "playlist", &child.uuid).await;
    add_ok(&app, &owner, &parent, "dream", &d2.to_string()).await;
    let kf = insert_keyframe(&app, &owner, "k").await;
    let (status, _) =
        call(&app, Method::POST, &child.path("/keyframe"), &owner, Some(json!({"uuid": kf.to_string()}))).await;
    assert_eq!(status, 201);
    let before = age(&app, parent.id).await;

    assert_eq!(call(&app, Method::DELETE, &child.path(""), &other, None).await.0, 403);
    let (status, res) = call(&app, Method::DELETE, &child.path(""), &owner, Some(json!({}))).await;
    assert_eq!((status, res), (200, json!({"success": true})));
    let client = db(&app).await;
    let cid = child.id;
    let live = |sql: &'static str| {
        let client = &client;
        async move { client.query_one(sql, &[&cid]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(live("SELECT count(*) FROM playlist WHERE id = $1 AND deleted_at IS NULL").await, 0);
    assert_eq!(live("SELECT count(*) FROM playlist_item WHERE playlist_id = $1 AND deleted_at IS NULL").await, 0);
    assert_eq!(live("SELECT count(*) FROM playlist_item WHERE playlist_item_id = $1 AND deleted_at IS NULL").await, 0);
    assert_eq!(live("SELECT count(*) FROM playlist_keyframe WHERE playlist_id = $1 AND deleted_at IS NULL").await, 0);
    assert_eq!(live("SELECT count(*) FROM feed_item WHERE playlist_item_id = $1 AND deleted_at IS NULL").await, 0);
    let orders = orders(&app, parent.id).await;
    assert_eq!(orders.iter().map(|o| o.1).collect::<Vec<_>>(), [0, 1], "parent renumbered");
    assert!(updated_at(&app, parent.id).await > before, "parent updated_at bumped");
    assert_eq!(call(&app, Method::GET, &child.path(""), &owner, None).await.0, 404);
    assert_eq!(call(&app, Method::DELETE, &child.path(""), &owner, None).await.0, 404);
    let (_, items) = call(&app, Method::GET, &parent.path("/items"), &owner, None).await;
    assert_eq!(items["data"]["totalCount"], 2);
}

//! The feeds (`rest-api.md` §12): visibility (another user's hidden or nsfw items never
//! appear; admins see everything; `onlyHidden` is the caller's own for non-admins),
//! filters, ordering, counts, the FeedItem shape, and bad queries.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::Value;

use crate::dream_fixtures::call;
use crate::feed_support::*;
use crate::helpers::*;

struct World {
    app: TestApp,
    me: TestUser,
    other: TestUser,
    admin: TestUser,
}

/// Other's content: open/hidden/nsfw dreams, an open playlist (containing a hidden and
/// an open dream), a hidden ranked playlist, an open ranked one, an nsfw ranked one, a
/// deleted dream. Mine: a hidden and an open dream. Ages give the feed order.
async fn world() -> World {
    let app = spawn_app().await;
    let me = app.create_user(Role::User).await;
    let other = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let db = db(&app).await;
    let open = feed_dream(&db, other.id, "o-open", false, false, 50).await;
    let hidden = feed_dream(&db, other.id, "o-hidden", true, false, 40).await;
    feed_dream(&db, other.id, "o-nsfw", false, true, 30).await;
    let list = feed_playlist(&db, other.id, "o-list", false, false, 0, 20).await;
    let secret = feed_playlist(&db, other.id, "o-secret", true, false, 5, 10).await;
    feed_playlist(&db, other.id, "o-ranked", false, false, 3, 60).await;
    feed_playlist(&db, other.id, "o-rnsfw", false, true, 9, 70).await;
    let gone = feed_dream(&db, other.id, "o-deleted", false, false, 2).await;
    db.execute("UPDATE dream SET deleted_at = now() WHERE id = $1", &[&gone.id]).await.unwrap();
    feed_dream(&db, me.id, "m-hidden", true, false, 5).await;
    feed_dream(&db, me.id, "m-open", false, false, 1).await;
    add_dream(&db, list.id, hidden.id, 0).await;
    add_dream(&db, list.id, open.id, 1).await;
    add_dream(&db, secret.id, open.id, 0).await;
    World { app, me, other, admin }
}

fn name(item: &Value) -> String {
    let inner = if item["type"] == "dream" { &item["dreamItem"] } else { &item["playlistItem"] };
    inner["name"].as_str().unwrap().to_string()
}

async fn names(w: &World, path: &str, user: &TestUser) -> (Vec<String>, i64) {
    let (status, res) = call(&w.app, Method::GET, path, user, None).await;
    assert_eq!(status, 200, "{path}: {res}");
    let key = if res["data"].get("feedItems").is_some() { "feedItems" } else { "feed" };
    let items = res["data"][key].as_array().unwrap().iter().map(name).collect();
    (items, res["data"]["count"].as_i64().unwrap())
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[actix_web::test]
async fn feed_hides_other_users_hidden_and_nsfw_items_and_admins_see_all() {
    let w = world().await;
    let mine = v(&["m-open", "m-hidden", "o-list", "o-open", "o-ranked"]);
    assert_eq!(names(&w, "/api/v1/feed", &w.me).await, (mine.clone(), 5));
    assert_eq!(names(&w, "/api/v1/feed/grouped", &w.me).await, (mine, 5));
    let all = v(&["m-open", "m-hidden", "o-secret", "o-list", "o-nsfw", "o-hidden", "o-open", "o-ranked", "o-rnsfw"]);
    assert_eq!(names(&w, "/api/v1/feed?take=100000", &w.admin).await, (all, 9));
    w.app.set_nsfw(&w.me, true).await;
    let nsfw = v(&["m-open", "m-hidden", "o-list", "o-nsfw", "o-open", "o-ranked", "o-rnsfw"]);
    assert_eq!(names(&w, "/api/v1/feed", &w.me).await, (nsfw, 7));

    assert_eq!(names(&w, "/api/v1/feed?onlyHidden=true", &w.me).await, (v(&["m-hidden"]), 1));
    assert_eq!(names(&w, "/api/v1/feed?onlyHidden=true", &w.other).await, (v(&["o-secret", "o-hidden"]), 2));
    let (hidden, n) = names(&w, "/api/v1/feed?onlyHidden=true", &w.admin).await;
    assert_eq!((hidden, n), (v(&["m-hidden", "o-secret", "o-hidden"]), 3));
    assert_eq!(
        names(&w, "/api/v1/feed?onlyHidden=false&take=2&skip=1", &w.admin).await.0,
        v(&["m-hidden", "o-secret"])
    );
}

#[actix_web::test]
async fn feed_filters_by_type_search_and_feed_user_and_pages_with_a_total() {
    let w = world().await;
    assert_eq!(names(&w, "/api/v1/feed?type=playlist", &w.me).await, (v(&["o-list", "o-ranked"]), 2));
    assert_eq!(names(&w, "/api/v1/feed?type=dream&search=OPEN", &w.me).await, (v(&["m-open", "o-open"]), 2));
    let path = format!("/api/v1/feed?userUUID={}", w.other.uuid);
    assert_eq!(names(&w, &path, &w.me).await, (v(&["o-list", "o-open", "o-ranked"]), 3));
    assert_eq!(names(&w, "/api/v1/feed?take=2&skip=1", &w.me).await, (v(&["m-hidden", "o-list"]), 5));
    assert_eq!(names(&w, "/api/v1/feed?take=0&skip=-4", &w.me).await.0.len(), 5, "defaults: take 10, skip 0");

    // The feed user is the displayed owner once an admin set one.
    let db = db(&w.app).await;
    db.execute(
        "UPDATE feed_item SET user_id = $1 WHERE dream_item_id = (SELECT id FROM dream WHERE name = 'o-open')",
        &[&w.admin.id],
    )
    .await
    .unwrap();
    let path = format!("/api/v1/feed?userUUID={}", w.admin.uuid);
    assert_eq!(names(&w, &path, &w.me).await, (v(&["o-open"]), 1));
    let path = format!("/api/v1/feed?userUUID={}", uuid::Uuid::new_v4());
    assert_eq!(names(&w, &path, &w.me).await, (vec![], 0));
}

#[actix_web::test]
async fn feed_ranked_and_my_dreams_apply_their_own_rules() {
    let w = world().await;
    assert_eq!(names(&w, "/api/v1/feed/ranked", &w.me).await, (v(&["o-ranked"]), 1));
    assert_eq!(
        names(&w, "/api/v1/feed/ranked?take=x&skip=y", &w.admin).await,
        (v(&["o-rnsfw", "o-secret", "o-ranked"]), 3)
    );
    let path = "/api/v1/feed/my-dreams?type=playlist&search=zzz";
    assert_eq!(names(&w, path, &w.me).await, (v(&["m-open", "m-hidden"]), 2), "other keys ignored");
    assert_eq!(names(&w, "/api/v1/feed/my-dreams", &w.other).await.1, 7);
}

#[actix_web::test]
async fn feed_items_have_the_feed_item_shape_with_public_users_and_visible_refs() {
    let w = world().await;
    let (_, res) = call(&w.app, Method::GET, "/api/v1/feed?search=o-", &w.me, None).await;
    let items = res["data"]["feed"].as_array().unwrap();
    let list = items.iter().find(|i| name(i) == "o-list").unwrap();
    assert_eq!(list["type"], "playlist");
    assert_eq!(list["dreamItem"], Value::Null);
    assert_eq!(list["deleted_at"], Value::Null);
    assert_eq!(list["user"]["uuid"], w.other.uuid.to_string());
    let p = &list["playlistItem"];
    for key in ["id", "uuid", "name", "description", "thumbnail", "user", "displayedOwner", "created_at", "updated_at"]
    {
        assert!(p.get(key).is_some(), "playlistItem.{key}: {p}");
    }
    // Fallback thumbnail: the first item listable by the caller (the hidden dream is skipped).
    assert!(p["thumbnail"].as_str().unwrap().contains("o-open/thumb.jpg"), "{p}");
    let open = items.iter().find(|i| name(i) == "o-open").unwrap();
    let d = &open["dreamItem"];
    assert_eq!(open["playlistItem"], Value::Null);
    for key in ["id", "uuid", "name", "thumbnail", "user", "displayedOwner", "created_at", "updated_at"] {
        assert!(d.get(key).is_some(), "dreamItem.{key}: {d}");
    }
    let refs = d["playlistItems"].as_array().unwrap();
    assert_eq!(refs.len(), 1, "the hidden playlist is not shown: {refs:?}");
    assert_eq!(refs[0]["playlist"]["name"], "o-list");
    let raw = res.to_string();
    assert!(!raw.contains("\"email\""), "no emails anywhere: {raw}");
    assert!(!raw.contains(&w.other.email));

    let (_, admin) = call(&w.app, Method::GET, "/api/v1/feed?search=o-list", &w.admin, None).await;
    let thumb = admin["data"]["feed"][0]["playlistItem"]["thumbnail"].as_str().unwrap().to_string();
    assert!(thumb.contains("o-hidden/thumb.jpg"), "admins see the hidden first item: {thumb}");
}

#[actix_web::test]
async fn feed_bad_queries_get_400_and_no_credentials_401() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let cases = [
        ("take=abc", "\"query.take\" must be a number"),
        ("skip=x1", "\"query.skip\" must be a number"),
        ("type=video", "\"query.type\" must be one of [dream, playlist]"),
        ("userUUID=nope", "\"query.userUUID\" must be a valid GUID"),
        ("onlyHidden=yes", "\"query.onlyHidden\" must be one of [true, false]"),
    ];
    for route in ["/api/v1/feed", "/api/v1/feed/grouped", "/api/v1/feed/my-dreams"] {
        for (query, message) in cases {
            let (status, res) = call(&app, Method::GET, &format!("{route}?{query}"), &user, None).await;
            assert_eq!(status, 400, "{route}?{query}: {res}");
            assert_eq!(res["message"], message);
            assert_eq!(res["data"][0]["field"], format!("query, {}", query.split('=').next().unwrap()));
        }
    }
    for odd in ["%00", "%5C", "a%00b", "%25"] {
        let (status, res) = call(&app, Method::GET, &format!("/api/v1/feed/grouped?search={odd}"), &user, None).await;
        assert_eq!(status, 200, "search={odd}: {res}");
    }
    let (status, res) = call(&app, Method::GET, "/api/v1/feed?take=abc&type=x", &user, None).await;
    assert_eq!(status, 400);
    assert_eq!(res["data"].as_array().unwrap().len(), 2, "every violation reported: {res}");
    for route in ["/api/v1/feed", "/api/v1/feed/ranked", "/api/v1/feed/grouped", "/api/v1/feed/my-dreams"] {
        let res = app.client.get(app.url(route)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{route}");
        let res = app
            .client
            .post(app.url(route))
            .header("Authorization", format!("Api-Key {}", user.api_key))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "POST {route}");
    }
}

#[actix_web::test]
async fn feed_shows_a_dream_once_processing_completes_and_drops_it_when_deleted() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let viewer = app.create_user(Role::User).await;
    let uuid = crate::dream_fixtures::insert_dream(&app, &owner, "processing", false, false).await;
    let (_, before) = call(&app, Method::GET, "/api/v1/feed?mediaType=video", &viewer, None).await;
    assert_eq!(before["data"]["count"], 0, "unknown query keys are ignored; no feed item yet");
    let path = format!("/api/v1/dream/{uuid}/status/processed");
    let (status, res) = call(&app, Method::POST, &path, &admin, Some(serde_json::json!({}))).await;
    assert_eq!(status, 200, "{res}");
    let (_, after) = call(&app, Method::GET, "/api/v1/feed", &viewer, None).await;
    assert_eq!(after["data"]["count"], 1);
    let item = &after["data"]["feed"][0];
    assert_eq!(item["dreamItem"]["uuid"], uuid.to_string());
    assert_eq!(item["user"]["id"], owner.id);
    let (status, _) = call(&app, Method::DELETE, &format!("/api/v1/dream/{uuid}"), &owner, None).await;
    assert_eq!(status, 200);
    let (_, gone) = call(&app, Method::GET, "/api/v1/feed/grouped", &viewer, None).await;
    assert_eq!(gone["data"]["count"], 0);
}

//! Keyframes (`rest-api.md` §11): create (with the SDK's trailing slash), read with
//! relations filtered by visibility, whitelisted update, the delete cascade, and every
//! class of bad input.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::call;
use crate::feed_support::*;
use crate::helpers::*;

async fn create(app: &TestApp, user: &TestUser, name: &str) -> Value {
    let (status, body) = call(app, Method::POST, "/api/v1/keyframe", user, Some(json!({"name": name}))).await;
    assert_eq!(status, 201, "{body}");
    body["data"]["keyframe"].clone()
}

#[actix_web::test]
async fn keyframe_create_accepts_the_trailing_slash_and_returns_the_full_shape() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let body = json!({"name": "dawn", "uuid": "ignored", "type": "keyframe"});
    let (status, res) = call(&app, Method::POST, "/api/v1/keyframe/", &user, Some(body)).await;
    assert_eq!(status, 201, "{res}");
    let k = &res["data"]["keyframe"];
    assert_eq!(k["name"], "dawn");
    assert_eq!(k["user"]["uuid"], user.uuid.to_string());
    assert!(k["user"].get("email").is_none(), "PublicUser only: {k}");
    assert!(k["user"]["quota"].is_string(), "quota is a string");
    assert_eq!(k["displayedOwner"], Value::Null);
    assert_eq!(k["image"], Value::Null);
    for rel in ["dreams", "dreamsStartingWith", "dreamsEndingWith", "playlistKeyframes"] {
        assert_eq!(k[rel], json!([]), "{rel}");
    }
    let ts = k["created_at"].as_str().unwrap();
    assert!(ts.len() == 24 && ts.ends_with('Z'), "{ts}");

    let uuid = k["uuid"].as_str().unwrap();
    let (status, got) = call(&app, Method::GET, &format!("/api/v1/keyframe/{uuid}/"), &user, None).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["data"]["keyframe"]["uuid"], uuid);
}

#[actix_web::test]
async fn keyframe_list_pages_searches_and_filters_by_user() {
    let app = spawn_app().await;
    let a = app.create_user(Role::User).await;
    let b = app.create_user(Role::User).await;
    for name in ["Sunrise one", "sunrise two", "night"] {
        create(&app, &a, name).await;
    }
    create(&app, &b, "SUNRISE of b").await;

    let (_, all) = call(&app, Method::GET, "/api/v1/keyframe?take=2", &a, None).await;
    assert_eq!(all["data"]["count"], 4);
    let page = all["data"]["keyframes"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["name"], "SUNRISE of b", "updated_at DESC");
    let (_, rest) = call(&app, Method::GET, "/api/v1/keyframe?take=2&skip=3", &a, None).await;
    assert_eq!(rest["data"]["keyframes"].as_array().unwrap().len(), 1);

    let (_, found) = call(&app, Method::GET, "/api/v1/keyframe?search=sunrise", &a, None).await;
    assert_eq!(found["data"]["count"], 3);
    let path = format!("/api/v1/keyframe?search=sunrise&userUUID={}", b.uuid);
    let (_, mine) = call(&app, Method::GET, &path, &a, None).await;
    assert_eq!(mine["data"]["count"], 1);
    let (status, none) = call(&app, Method::GET, "/api/v1/keyframe?userUUID=nope&take=abc&skip=-3", &a, None).await;
    assert_eq!(status, 200, "lenient paging: {none}");
    assert_eq!(none["data"]["count"], 0);
    for odd in ["%00", "%5C", "100%25", "_"] {
        let (status, res) = call(&app, Method::GET, &format!("/api/v1/keyframe?search={odd}"), &a, None).await;
        assert_eq!(status, 200, "search={odd}: {res}");
    }
    let (_, huge) = call(&app, Method::GET, "/api/v1/keyframe?take=100000", &a, None).await;
    assert_eq!(huge["data"]["keyframes"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn keyframe_relations_never_show_other_users_hidden_or_nsfw_content() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let db = db(&app).await;
    let k = create(&app, &owner, "shared").await;
    let kid = keyframe_id(&db, k["uuid"].as_str().unwrap().parse().unwrap()).await;
    let open = feed_dream(&db, owner.id, "open", false, false, 30).await;
    let hidden = feed_dream(&db, owner.id, "hidden", true, false, 20).await;
    let nsfw = feed_dream(&db, owner.id, "nsfw", false, true, 10).await;
    set_keyframes(&db, open.id, Some(kid), Some(kid)).await;
    set_keyframes(&db, hidden.id, Some(kid), None).await;
    set_keyframes(&db, nsfw.id, None, Some(kid)).await;
    let visible_pl = plain_playlist(&db, owner.id, "visible", false).await;
    let hidden_pl = plain_playlist(&db, owner.id, "secret", true).await;
    link_keyframe(&db, visible_pl.id, kid, 0).await;
    link_keyframe(&db, hidden_pl.id, kid, 0).await;

    let path = format!("/api/v1/keyframe/{}", k["uuid"].as_str().unwrap());
    let names = |v: &Value, rel: &str| -> Vec<String> {
        v["data"]["keyframe"][rel].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect()
    };
    let (_, seen) = call(&app, Method::GET, &path, &other, None).await;
    assert_eq!(names(&seen, "dreamsStartingWith"), vec!["open"]);
    assert_eq!(names(&seen, "dreamsEndingWith"), vec!["open"]);
    assert_eq!(names(&seen, "dreams"), vec!["open"], "de-duplicated union");
    assert_eq!(seen["data"]["keyframe"]["playlistKeyframes"].as_array().unwrap().len(), 1);
    let d = &seen["data"]["keyframe"]["dreams"][0];
    assert!(d["user"]["uuid"].is_string() && d["user"].get("email").is_none(), "{d}");

    app.set_nsfw(&other, true).await;
    let (_, nsfw_ok) = call(&app, Method::GET, &path, &other, None).await;
    assert_eq!(names(&nsfw_ok, "dreams"), vec!["nsfw", "open"]);

    for privileged in [&owner, &admin] {
        let (_, all) = call(&app, Method::GET, &path, privileged, None).await;
        assert_eq!(names(&all, "dreams"), vec!["nsfw", "hidden", "open"]);
        assert_eq!(all["data"]["keyframe"]["playlistKeyframes"].as_array().unwrap().len(), 2);
    }
    // The list applies the same filter.
    let (_, list) = call(&app, Method::GET, "/api/v1/keyframe", &app.create_user(Role::User).await, None).await;
    let listed = &list["data"]["keyframes"][0];
    assert_eq!(listed["dreams"].as_array().unwrap().len(), 1, "{listed}");
}

#[actix_web::test]
async fn keyframe_update_writes_the_whitelist_and_admin_only_displayed_owner() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let stranger = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let k = create(&app, &owner, "before").await;
    let path = format!("/api/v1/keyframe/{}", k["uuid"].as_str().unwrap());

    let body = json!({"name": "after", "displayedOwner": stranger.id, "image": "evil/key.png", "user": admin.id});
    let (status, res) = call(&app, Method::PUT, &path, &owner, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    let k = &res["data"]["keyframe"];
    assert_eq!(k["name"], "after");
    assert_eq!(k["displayedOwner"], Value::Null, "ignored for non-admins");
    assert_eq!(k["image"], Value::Null, "not in the whitelist");
    assert_eq!(k["user"]["id"], owner.id);

    let (status, res) = call(&app, Method::PUT, &path, &stranger, Some(json!({"name": "x"}))).await;
    assert_eq!((status, res["message"].as_str()), (403, Some("Action not allowed.")));

    let (status, res) =
        call(&app, Method::PUT, &path, &admin, Some(json!({"name": "by admin", "displayedOwner": stranger.id}))).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["data"]["keyframe"]["displayedOwner"]["id"], stranger.id);
    assert!(res["data"]["keyframe"]["displayedOwner"].get("email").is_none());

    let (status, res) =
        call(&app, Method::PUT, &path, &admin, Some(json!({"name": "n", "displayedOwner": 999_999}))).await;
    assert_eq!((status, res["message"].as_str()), (404, Some("Not found.")));
}

#[actix_web::test]
async fn keyframe_bad_input_gets_the_documented_4xx() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let k = create(&app, &user, "k").await;
    let path = format!("/api/v1/keyframe/{}", k["uuid"].as_str().unwrap());
    let cases: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
        (Method::POST, "/api/v1/keyframe".into(), Some(json!({})), 400, "\"body.name\" is required"),
        (Method::POST, "/api/v1/keyframe".into(), Some(json!({"name": 5})), 400, "\"body.name\" must be a string"),
        (
            Method::POST,
            "/api/v1/keyframe".into(),
            Some(json!({"name": ""})),
            400,
            "\"body.name\" is not allowed to be empty",
        ),
        (Method::PUT, path.clone(), Some(json!({"displayedOwner": 3})), 400, "\"body.name\" is required"),
        (
            Method::PUT,
            path.clone(),
            Some(json!({"name": "x".repeat(101)})),
            400,
            "\"body.name\" length must be less than or equal to 100 characters long",
        ),
        (
            Method::PUT,
            path.clone(),
            Some(json!({"name": "a", "displayedOwner": -1})),
            400,
            "\"body.displayedOwner\" must be a positive number",
        ),
        (
            Method::PUT,
            path.clone(),
            Some(json!({"name": "a", "displayedOwner": "x"})),
            400,
            "\"body.displayedOwner\" must be a number",
        ),
        (
            Method::POST,
            "/api/v1/keyframe".into(),
            Some(json!({"name": "a\u{0}b"})),
            400,
            "\"body.name\" must not contain null characters",
        ),
        (
            Method::PUT,
            path.clone(),
            Some(json!({"name": "a\u{0}"})),
            400,
            "\"body.name\" must not contain null characters",
        ),
        (Method::GET, "/api/v1/keyframe/not-a-uuid".into(), None, 400, "\"params.uuid\" must be a valid GUID"),
        (Method::DELETE, "/api/v1/keyframe/not-a-uuid".into(), None, 400, "\"params.uuid\" must be a valid GUID"),
    ];
    for (method, p, body, want, message) in cases {
        let (status, res) = call(&app, method.clone(), &p, &user, body.clone()).await;
        assert_eq!(status, want, "{method} {p} {body:?}: {res}");
        assert_eq!(res["success"], false);
        assert_eq!(res["message"], message, "{method} {p}");
    }
    let missing = format!("/api/v1/keyframe/{}", uuid::Uuid::new_v4());
    for method in [Method::GET, Method::DELETE] {
        let (status, res) = call(&app, method, &missing, &user, None).await;
        assert_eq!((status, res["message"].as_str()), (404, Some("Not found.")));
    }
    let (status, _) = call(&app, Method::PUT, &missing, &user, Some(json!({"name": "x"}))).await;
    assert_eq!(status, 404);
    let res = app
        .client
        .post(app.url("/api/v1/keyframe"))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Content-Type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "Invalid JSON body.");
    let res = app.client.get(app.url("/api/v1/keyframe")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

//! `PUT /api/v1/user/:uuid` (strict whitelist, admin-only role and quota) and
//! `PUT /api/v1/user/:uuid/avatar` against the real local S3 server.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::{call, db};
use crate::helpers::*;
use crate::stubs::S3Server;

async fn role_and_quota(app: &TestApp, user: &TestUser) -> (i32, i64) {
    let row = db(app).await.query_one("SELECT role_id, quota FROM users WHERE id = $1", &[&user.id]).await.unwrap();
    (row.get(0), row.get(1))
}

#[actix_web::test]
async fn users_owner_updates_whitelisted_fields_and_gets_the_profile_back() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}", user.uuid);
    let body = json!({"name": "Ada", "description": "", "nsfw": "TRUE", "enableMarketingEmails": false});
    let (status, res) = call(&app, Method::PUT, &path, &user, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    let u = &res["data"]["user"];
    assert_eq!((&u["name"], &u["description"], &u["nsfw"]), (&json!("Ada"), &json!(""), &json!(true)));
    assert_eq!(u["enableMarketingEmails"], false);
    assert_eq!(u["email"], json!(user.email));
    assert_eq!(u["role"]["name"], "user-group");
    assert!(u.get("currentDream").is_some() && u.get("currentPlaylist").is_some());
    assert!(u.get("signupInvite").is_none());
    // An empty body changes nothing.
    let (status, res) = call(&app, Method::PUT, &path, &user, Some(json!({}))).await;
    assert_eq!((status, &res["data"]["user"]["name"]), (200, &json!("Ada")));
}

#[actix_web::test]
async fn users_non_admin_can_never_change_their_own_role_or_quota() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}", user.uuid);
    // `role` is silently ignored for non-admins.
    let (status, res) = call(&app, Method::PUT, &path, &user, Some(json!({"role": 1, "name": "x"}))).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["data"]["user"]["role"]["name"], "user-group");
    // `quota` is a 400, and nothing of the body is written.
    let (status, res) =
        call(&app, Method::PUT, &path, &user, Some(json!({"quota": 99999999999i64, "name": "changed"}))).await;
    assert_eq!(status, 400);
    assert_eq!(res["message"], "\"quota\" is not allowed");
    assert_eq!(res["data"], json!([{"field": "quota", "message": "\"quota\" is not allowed"}]));
    assert_eq!(role_and_quota(&app, &user).await, (2, 10737418240));
    let (_, res) = call(&app, Method::GET, &path, &user, None).await;
    assert_eq!(res["data"]["user"]["name"], "x");
}

#[actix_web::test]
async fn users_admin_sets_role_and_quota_and_unknown_roles_are_ignored() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let path = format!("/api/v1/user/{}", user.uuid);
    let (status, res) = call(&app, Method::PUT, &path, &admin, Some(json!({"role": 3, "quota": "2048"}))).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["data"]["user"]["role"]["name"], "creator-group");
    assert_eq!(res["data"]["user"]["quota"], "2048");
    let (status, _) = call(&app, Method::PUT, &path, &admin, Some(json!({"role": 999}))).await;
    assert_eq!(status, 200);
    assert_eq!(role_and_quota(&app, &user).await, (3, 2048));
    let (status, res) = call(&app, Method::PUT, &path, &admin, Some(json!({"quota": 0}))).await;
    assert_eq!(status, 400);
    assert_eq!(res["message"], "\"body.quota\" must be greater than or equal to 1");
}

#[actix_web::test]
async fn users_update_rejects_unknown_keys_wrong_types_and_long_text() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}", user.uuid);
    let (status, res) = call(&app, Method::PUT, &path, &user, Some(json!({"email": "x@y.z", "name": "ok"}))).await;
    assert_eq!(status, 400);
    assert_eq!(
        res,
        json!({"success": false, "message": "\"email\" is not allowed",
                           "data": [{"field": "email", "message": "\"email\" is not allowed"}]})
    );
    let cases = [
        (json!({"name": 5}), "\"body.name\" must be a string"),
        (json!({"name": "x".repeat(51)}), "\"body.name\" length must be less than or equal to 50 characters long"),
        (
            json!({"description": "d".repeat(4001)}),
            "\"body.description\" length must be less than or equal to 4000 characters long",
        ),
        (json!({"nsfw": "maybe"}), "\"body.nsfw\" must be a boolean"),
        (json!({"enableMarketingEmails": null}), "\"body.enableMarketingEmails\" must be a boolean"),
        (json!({"role": "admin"}), "\"body.role\" must be a number"),
        (json!({"role": 1.5}), "\"body.role\" must be an integer"),
        (json!({"name": "a\u{0}b"}), "\"body.name\" must not contain null characters"),
    ];
    for (body, message) in cases {
        let (status, res) = call(&app, Method::PUT, &path, &user, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {res}");
        assert_eq!(res["message"], message, "{body}");
    }
    let raw = app
        .client
        .put(app.url(&path))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(raw.json::<Value>().await.unwrap()["message"], "Invalid JSON body.");
}

#[actix_web::test]
async fn users_update_stores_sql_ish_and_unicode_text_verbatim() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}", user.uuid);
    let name = "Robert'); DROP TABLE users;--👩‍🚀";
    let description = format!("{}\u{202e}ñ %_ \\ $1 {}", "ᚠ".repeat(2000), "😀".repeat(1000));
    let (status, res) =
        call(&app, Method::PUT, &path, &user, Some(json!({"name": name, "description": description}))).await;
    assert_eq!(status, 200, "{res}");
    let (_, res) = call(&app, Method::GET, &path, &user, None).await;
    assert_eq!(res["data"]["user"]["name"], name);
    assert_eq!(res["data"]["user"]["description"], json!(description));
}

#[actix_web::test]
async fn users_update_checks_ownership_and_existence() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::Creator).await;
    let (status, res) =
        call(&app, Method::PUT, &format!("/api/v1/user/{}", user.uuid), &other, Some(json!({"name": "x"}))).await;
    assert_eq!((status, res), (403, json!({"success": false, "message": "Action not allowed."})));
    let missing = format!("/api/v1/user/{}", uuid::Uuid::new_v4());
    let (status, _) = call(&app, Method::PUT, &missing, &user, Some(json!({"name": "x"}))).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, Method::PUT, "/api/v1/user/zzz", &user, Some(json!({"name": "x"}))).await;
    assert_eq!(status, 400);
    let res = app.client.put(app.url(&format!("/api/v1/user/{}", user.uuid))).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app.client.put(app.url(&format!("/api/v1/user/{}/avatar", user.uuid))).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn users_avatar_is_stored_in_s3_with_no_store_and_can_be_cleared() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(|env| {
        s3.configure(env);
        env.insert("DIRECT_UPLOAD_MAX_BYTES".into(), "2048".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let path = format!("/api/v1/user/{}/avatar", user.uuid);
    let send = |who: &TestUser, name: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        app.client
            .put(app.url(&path))
            .header("Authorization", format!("Api-Key {}", who.api_key))
            .multipart(form)
            .send()
    };
    let res = send(&user, "Me.JPG", b"jpeg-bytes".to_vec()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let url = body["data"]["user"]["avatar"].as_str().unwrap().to_string();
    assert!(url.contains(&format!("/{}/avatar.jpg", user.uuid)), "{url}");
    let object = reqwest::get(&url).await.unwrap();
    assert_eq!(object.headers()["cache-control"], "no-store");
    assert_eq!(object.bytes().await.unwrap().as_ref(), b"jpeg-bytes");
    let stored: Option<String> =
        db(&app).await.query_one("SELECT avatar FROM users WHERE id = $1", &[&user.id]).await.unwrap().get(0);
    assert_eq!(stored.as_deref(), Some(format!("{}/avatar.jpg", user.uuid).as_str()), "the key, not a URL");

    // An admin may replace it (still under the target's prefix); others may not.
    let res = send(&admin, "x.png", b"png".to_vec()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["data"]["user"]["avatar"].as_str().unwrap().contains(&format!("/{}/avatar.png", user.uuid)));
    assert_eq!(send(&other, "x.png", b"png".to_vec()).await.unwrap().status(), 403);
    let res = send(&user, "x.exe", b"x".to_vec()).await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().starts_with("File type not allowed. Allowed extensions: "));
    let res = send(&user, "big.png", vec![0; 4096]).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"success": false, "message": "File too large"}));

    // No file clears the avatar.
    let (status, body) = call(&app, Method::PUT, &path, &user, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["user"]["avatar"], Value::Null);
    let missing = format!("/api/v1/user/{}/avatar", uuid::Uuid::new_v4());
    assert_eq!(call(&app, Method::PUT, &missing, &admin, None).await.0, 404);
}

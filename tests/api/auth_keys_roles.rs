//! API key lifecycle with the reveal window, and role checks on every admin route.

use infinidream_actors::Role;
use serde_json::json;

use crate::auth_support::*;
use crate::helpers::*;

async fn call(app: &TestApp, method: reqwest::Method, path: &str, key: &str) -> reqwest::Response {
    app.client.request(method, app.url(path)).header("Authorization", format!("Api-Key {key}")).send().await.unwrap()
}

#[actix_web::test]
async fn api_key_lifecycle_with_the_reveal_window() {
    let (app, _sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}/apikey", user.uuid);
    // The key created outside the API is never revealed.
    let body = json(call(&app, reqwest::Method::GET, &path, &user.api_key).await).await;
    assert_eq!(body["data"]["apikey"]["apikey"], serde_json::Value::Null);
    assert_eq!(body["data"]["apikey"]["hint"], &user.api_key[user.api_key.len() - 4..]);

    let res = call(&app, reqwest::Method::PUT, &path, &user.api_key).await;
    assert_eq!(res.status(), 200);
    let body = json(res).await;
    assert_eq!(body["success"], true);
    let new_key = body["data"]["apikey"]["apikey"].as_str().unwrap().to_string();
    assert_eq!(body["data"]["apikey"]["hint"], &new_key[new_key.len() - 4..]);
    assert_eq!(
        call(&app, reqwest::Method::GET, "/api/v1/user/me", &user.api_key).await.status(),
        401,
        "old key revoked"
    );
    let body = json(call(&app, reqwest::Method::GET, &path, &new_key).await).await;
    assert_eq!(body["data"]["apikey"]["apikey"], new_key, "revealed inside the window");

    let res = call(&app, reqwest::Method::DELETE, &path, &new_key).await;
    assert_eq!(json(res).await, json!({"success": true}));
    assert_eq!(call(&app, reqwest::Method::GET, "/api/v1/user/me", &new_key).await.status(), 401);

    let admin = app.create_user(Role::Admin).await;
    assert_eq!(call(&app, reqwest::Method::GET, &path, &admin.api_key).await.status(), 404, "no active key");
    assert_eq!(call(&app, reqwest::Method::DELETE, &path, &admin.api_key).await.status(), 404);
}

#[actix_web::test]
async fn the_reveal_window_ends() {
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("APIKEY_REVEAL_SECS".into(), "1".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}/apikey", user.uuid);
    let key = json(call(&app, reqwest::Method::PUT, &path, &user.api_key).await).await["data"]["apikey"]["apikey"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let body = json(call(&app, reqwest::Method::GET, &path, &key).await).await;
        if body["data"]["apikey"]["apikey"].is_null() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "reveal copy never expired");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn api_keys_of_other_users_are_owner_or_admin() {
    let (app, _sink) = spawn_auth_app(|_| {}).await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let path = format!("/api/v1/user/{}/apikey", owner.uuid);
    for m in [reqwest::Method::GET, reqwest::Method::PUT, reqwest::Method::DELETE] {
        let res = call(&app, m.clone(), &path, &other.api_key).await;
        assert_eq!(res.status(), 403, "{m}");
        assert_eq!(json(res).await, json!({"success": false, "message": "Action not allowed."}));
    }
    assert_eq!(call(&app, reqwest::Method::PUT, &path, &admin.api_key).await.status(), 200);
    let res = call(&app, reqwest::Method::GET, "/api/v1/user/not-a-uuid/apikey", &admin.api_key).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "\"params.uuid\" must be a valid GUID");
    let missing = format!("/api/v1/user/{}/apikey", uuid::Uuid::new_v4());
    assert_eq!(call(&app, reqwest::Method::GET, &missing, &admin.api_key).await.status(), 404);
}

#[actix_web::test]
async fn only_admins_change_roles_and_nobody_promotes_themselves() {
    let (app, _sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let creator = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let set = |who: &TestUser, target: uuid::Uuid, role: serde_json::Value| {
        app.client
            .put(app.url(&format!("/api/v1/user/{target}/role")))
            .header("Authorization", format!("Api-Key {}", who.api_key))
            .json(&json!({ "role": role }))
            .send()
    };
    for who in [&user, &creator] {
        let res = set(who, who.uuid, json!("admin-group")).await.unwrap();
        assert_eq!(res.status(), 403);
    }
    let res = app
        .client
        .put(app.url(&format!("/api/v1/user/{}/role", user.uuid)))
        .json(&json!({"role": "admin-group"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = set(&admin, user.uuid, json!("creator-group")).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "\"body.role\" must be one of [admin-group, user-group]");
    let res = set(&admin, uuid::Uuid::new_v4(), json!("admin-group")).await.unwrap();
    assert_eq!(res.status(), 404);
    let res = set(&admin, user.uuid, json!("admin-group")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["data"]["user"]["role"]["name"], "admin-group");
    let me = json(app.get_as("/api/v1/user/me", &user).await).await;
    assert_eq!(me["data"]["user"]["role"]["name"], "admin-group", "effective immediately");
}

#[actix_web::test]
async fn roles_are_listed_for_any_user() {
    let (app, _sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let body = json(app.get_as("/api/v1/user/roles", &user).await).await;
    assert_eq!(body["data"]["count"], 3);
    assert_eq!(body["data"]["roles"].as_array().unwrap().len(), 3);
    let body = json(app.get_as("/api/v1/user/roles?search=admin&take=1", &user).await).await;
    assert_eq!(body["data"]["count"], 1);
    assert_eq!(body["data"]["roles"][0]["name"], "admin-group");
    assert_eq!(app.client.get(app.url("/api/v1/user/roles")).send().await.unwrap().status(), 401);
}

async fn key_last_used(client: &tokio_postgres::Client, user: &TestUser) -> Option<chrono::DateTime<chrono::Utc>> {
    client
        .query_one("SELECT last_used_at FROM api_key WHERE user_id = $1 AND deleted_at IS NULL", &[&user.id])
        .await
        .unwrap()
        .get(0)
}

/// An API key's use is recorded without holding up the request: keys used within one
/// window are written by one statement (same transaction time), a key is recorded again
/// once its last record is over a minute old, and a batch still pending when the instance
/// shuts down is written before it stops.
#[actix_web::test]
async fn api_key_use_is_recorded_in_batches_and_before_shutdown() {
    let (app, _sink) = spawn_auth_app(|_| {}).await;
    let (a, b, c) =
        (app.create_user(Role::User).await, app.create_user(Role::User).await, app.create_user(Role::User).await);
    let client = db(&app).await;
    assert_eq!(key_last_used(&client, &a).await, None);
    for user in [&a, &b] {
        assert_eq!(app.get_as("/api/v1/user/me", user).await.status(), 200);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (used_a, used_b) = loop {
        if let (Some(x), Some(y)) = (key_last_used(&client, &a).await, key_last_used(&client, &b).await) {
            break (x, y);
        }
        assert!(std::time::Instant::now() < deadline, "api key use never recorded");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(used_a, used_b, "one statement records the batch");
    assert_eq!(key_last_used(&client, &c).await, None, "an unused key stays unrecorded");

    // A record over a minute old is due again; the instance's key cache (1 s) must not
    // answer the next lookup.
    client
        .execute("UPDATE api_key SET last_used_at = now() - interval '2 minutes' WHERE user_id = $1", &[&a.id])
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    for user in [&a, &c] {
        assert_eq!(app.get_as("/api/v1/user/me", user).await.status(), 200);
    }
    app.shutdown().await;
    for user in [&a, &c] {
        let used = key_last_used(&client, user).await.expect("recorded before the instance stopped");
        assert!(used > before, "recorded now, not {used}");
    }
}

/// A burst of lookups of one key (a user's devices reconnecting together, a script's
/// parallel requests) reaches PostgreSQL once; the others share its answer.
#[actix_web::test]
async fn concurrent_lookups_of_one_key_share_one_query() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    // Past the cache's lifetime, so that the burst starts cold.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let before = app.state.actors.users.key_lookups();
    let lookups = (0..16).map(|i| {
        let key = if i == 8 { other.api_key.clone() } else { user.api_key.clone() };
        let state = app.state.clone();
        async move { infinidream_server::auth::verify_api_key(&state, &key).await }
    });
    let answers = futures_util::future::join_all(lookups).await;
    for (i, answer) in answers.into_iter().enumerate() {
        let expected = if i == 8 { other.id } else { user.id };
        assert_eq!(answer.expect("valid key").id.0, expected, "lookup {i}");
    }
    let after = app.state.actors.users.key_lookups();
    assert_eq!(after.queried - before.queried, 2, "one query per key");
    assert_eq!(after.shared - before.shared, 14);
    // Within the second, the cache answers; a wrong key is never shared or cached.
    let again = infinidream_server::auth::verify_api_key(&app.state, &user.api_key).await.unwrap();
    assert_eq!(again.id.0, user.id);
    assert!(infinidream_server::auth::verify_api_key(&app.state, "not-a-key").await.is_err());
    let counts = app.state.actors.users.key_lookups();
    assert_eq!(counts.cached - after.cached, 1);
    assert_eq!(counts.queried - after.queried, 1, "the wrong key was looked up");
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let shared = format!("infinidream_api_key_lookups_total{{answer=\"shared\"}} {}", counts.shared);
    assert!(text.contains(&shared), "{shared} not in /metrics");
    app.shutdown().await;
}

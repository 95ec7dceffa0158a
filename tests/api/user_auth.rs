use crate::helpers::*;
use infinidream_actors::Role;
use serde_json::json;

#[actix_web::test]
async fn user_me_returns_the_full_user_for_a_database_api_key() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Admin).await;
    for path in ["/api/v1/user/me", "/api/v1/auth/user", "/api/v2/auth/user", "/api/v1/user/me/"] {
        let res = app.get_as(path, &user).await;
        assert_eq!(res.status(), 200, "{path}");
        let body = json(res).await;
        assert_eq!(body["success"], true);
        let u = &body["data"]["user"];
        assert_eq!(u["id"], user.id);
        assert_eq!(u["uuid"], user.uuid.to_string());
        assert_eq!(u["email"], user.email);
        assert_eq!(u["role"]["name"], "admin-group");
        assert_eq!(u["role"]["id"], 1);
        // bigint columns are JSON strings; timestamps ISO with milliseconds.
        assert_eq!(u["quota"], "10737418240");
        let created = u["created_at"].as_str().unwrap();
        assert_eq!(created.len(), 24, "{created}");
        assert!(created.ends_with('Z'));
        assert!(u["currentDream"].is_null());
        assert!(u.get("password_hash").is_none() && u.get("passwordHash").is_none());
    }
}

#[actix_web::test]
async fn static_api_keys_from_the_environment_authenticate_by_id_and_uuid() {
    let db = create_database().await;
    // Create the owners first in a throwaway app, then start the app under test with
    // API_KEYS naming them.
    let seed = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), pg_url(&db));
    })
    .await;
    let a = seed.create_user(Role::User).await;
    let b = seed.create_user(Role::Creator).await;
    let keys = json!([
        {"userId": a.id, "apiKey": "static-key-a"},
        {"userUuid": b.uuid.to_string(), "apiKey": "static-key-b"}
    ]);
    let app = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), pg_url(&db));
        env.insert("API_KEYS".into(), keys.to_string());
    })
    .await;
    for (key, expected) in [("static-key-a", &a), ("static-key-b", &b)] {
        let res = app
            .client
            .get(app.url("/api/v1/user/me"))
            .header("Authorization", format!("Api-Key {key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(json(res).await["data"]["user"]["uuid"], expected.uuid.to_string());
    }
    let res = app
        .client
        .get(app.url("/api/v1/user/me"))
        .header("Authorization", "Api-Key static-key-c")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    drop(seed);
}

#[actix_web::test]
async fn api_keys_are_stored_only_as_sha256_hashes() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (client, conn) = tokio_postgres::connect(&pg_url(&app.db_name), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let row = client
        .query_one("SELECT hash, hint FROM api_key WHERE user_id = $1 AND deleted_at IS NULL", &[&user.id])
        .await
        .unwrap();
    let hash: String = row.get(0);
    let hint: String = row.get(1);
    use sha2::Digest;
    assert_eq!(hash, hex::encode(sha2::Sha256::digest(user.api_key.as_bytes())));
    assert_eq!(hint, &user.api_key[user.api_key.len() - 4..]);
    let dump: i64 = client
        .query_one("SELECT count(*) FROM api_key WHERE hash = $1 OR hint = $1", &[&user.api_key])
        .await
        .unwrap()
        .get(0);
    assert_eq!(dump, 0, "plaintext must not be stored anywhere in api_key");
}

#[actix_web::test]
async fn unknown_or_revoked_api_keys_get_401_invalid_apikey() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let old_key = user.api_key.clone();
    // Replacing the key revokes the old one.
    let new_key = app.state.actors.users.create_api_key(infinidream_actors::UserId(user.id)).await.unwrap();
    for key in ["definitely-not-a-key", old_key.as_str(), ""] {
        let res = app
            .client
            .get(app.url("/api/v1/user/me"))
            .header("Authorization", format!("Api-Key {key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{key:?}");
        assert_eq!(json(res).await, json!({"success": false, "message": "Invalid apikey."}));
    }
    let res = app
        .client
        .get(app.url("/api/v1/user/me"))
        .header("Authorization", format!("Api-Key {new_key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn missing_credentials_get_401_with_the_authorization_url() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/user/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        json(res).await,
        json!({"success": false, "message": "Invalid credentials provided.", "data": {"authorizationUrl": "https://alpha.infinidream.ai/signin"}})
    );
}

#[actix_web::test]
async fn an_invalid_session_cookie_is_rejected_and_cleared() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/user/me")).header("Cookie", "wos-session=garbage").send().await.unwrap();
    assert_eq!(res.status(), 401);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("wos-session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"));
    assert_eq!(json(res).await["message"], "Authentication failed.");
}

#[actix_web::test]
async fn a_deleted_user_can_no_longer_authenticate() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (client, conn) = tokio_postgres::connect(&pg_url(&app.db_name), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("UPDATE users SET deleted_at = now() WHERE id = $1", &[&user.id]).await.unwrap();
    let res = app.get_as("/api/v1/user/me", &user).await;
    assert_eq!(res.status(), 401);
}

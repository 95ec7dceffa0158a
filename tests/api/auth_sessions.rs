//! Session tokens: the negative suite and cookie rotation as the desktop performs it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use infinidream_actors::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::auth_support::*;
use crate::helpers::*;

fn sign_raw(header: &Header, claims: &serde_json::Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// Re-signs `token`'s claims (changed by `edit`) with the server's secret and kid.
fn resign(token: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let mut c = claims(token);
    edit(&mut c);
    sign_raw(&header, &c, SECRET.as_bytes())
}

async fn assert_rejected(app: &TestApp, token: &str, why: &str) {
    for res in
        [get_with_cookie(app, "/api/v1/user/me", token).await, get_with_bearer(app, "/api/v1/user/me", token).await]
    {
        assert_eq!(res.status(), 401, "{why}");
        let body = json(res).await;
        assert_eq!(body["message"], "Authentication failed.", "{why}");
        assert_eq!(body["data"]["authorizationUrl"], "https://alpha.infinidream.ai/signin");
    }
}

#[actix_web::test]
async fn a_session_token_authenticates_as_cookie_and_as_bearer() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
    let c = claims(&token);
    assert_eq!(c["iss"], "infinidream");
    assert_eq!(c["sub"], user.uuid.to_string());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 900);
    for res in [
        get_with_cookie(&app, "/api/v1/user/me", &token).await,
        get_with_bearer(&app, "/api/v2/auth/authenticate", &token).await,
    ] {
        assert_eq!(res.status(), 200);
        assert!(session_cookie(&res).is_none(), "a valid token is not rotated");
        assert_eq!(json(res).await["data"]["user"]["uuid"], user.uuid.to_string());
    }
}

#[actix_web::test]
async fn forged_tampered_and_foreign_tokens_are_rejected() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::Admin).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    let c = claims(&token);

    let wrong_key = sign_raw(&header, &c, b"another-secret-another-secret-another-secret");
    assert_rejected(&app, &wrong_key, "wrong signature").await;

    // Tampered payload with the original signature: sub swapped to an admin.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut evil = c.clone();
    evil["sub"] = json!(other.uuid.to_string());
    parts[1] = URL_SAFE_NO_PAD.encode(evil.to_string());
    assert_rejected(&app, &parts.join("."), "tampered payload").await;

    let wrong_issuer = resign(&token, |c| c["iss"] = json!("someone-else"));
    assert_rejected(&app, &wrong_issuer, "wrong issuer").await;

    let not_yet_valid = resign(&token, |c| {
        let now = chrono::Utc::now().timestamp();
        c["iat"] = json!(now + 3600);
        c["exp"] = json!(now + 4500);
    });
    assert_rejected(&app, &not_yet_valid, "not yet valid").await;

    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(c.to_string())
    );
    assert_rejected(&app, &none, "alg none").await;

    let mut hs512 = Header::new(Algorithm::HS512);
    hs512.kid = header.kid.clone();
    assert_rejected(&app, &sign_raw(&hs512, &c, SECRET.as_bytes()), "other HMAC algorithm").await;

    let mut unknown_kid = header.clone();
    unknown_kid.kid = Some("0000000000000000".into());
    assert_rejected(&app, &sign_raw(&unknown_kid, &c, SECRET.as_bytes()), "unknown kid").await;

    // A token for a session that does not exist.
    let forged_sid = resign(&token, |c| c["sid"] = json!(uuid::Uuid::new_v4().to_string()));
    assert_rejected(&app, &forged_sid, "unknown session").await;

    // The original still works: nothing above disturbed it.
    assert_eq!(get_with_cookie(&app, "/api/v1/user/me", &token).await.status(), 200);
}

#[actix_web::test]
async fn an_invalid_cookie_is_cleared_with_the_cookie_attributes() {
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("COOKIE_DOMAIN".into(), "infinidream.ai".into());
    })
    .await;
    let res = get_with_cookie(&app, "/api/v1/user/me", "not.a.token").await;
    assert_eq!(res.status(), 401);
    let cookie = set_cookie_header(&res).unwrap();
    assert!(cookie.starts_with("wos-session=;"), "{cookie}");
    for attr in ["Max-Age=0", "Path=/", "HttpOnly", "SameSite=Lax", "Secure", "Domain=infinidream.ai"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
}

#[actix_web::test]
async fn expired_access_tokens_rotate_on_any_call_for_cookie_and_bearer_callers() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("ACCESS_TOKEN_TTL_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let t0 = login_with_code(&app, &sink, &user.email).await;

    let res = get_with_cookie(&app, "/api/v1/user/me", &t0).await;
    assert_eq!(res.status(), 200);
    let header = set_cookie_header(&res).unwrap();
    for attr in ["Max-Age=31536000", "Path=/", "HttpOnly", "SameSite=Lax", "Secure", "Expires="] {
        assert!(header.contains(attr), "{attr} in {header}");
    }
    assert!(!header.contains("Domain="));
    let t1 = session_cookie(&res).unwrap();
    assert_ne!(claims(&t1)["rt"], claims(&t0)["rt"]);
    assert_eq!(claims(&t1)["sid"], claims(&t0)["sid"]);

    // Bearer callers get the Set-Cookie too.
    let res = get_with_bearer(&app, "/api/v2/auth/user", &t1).await;
    assert_eq!(res.status(), 200);
    let t2 = session_cookie(&res).expect("Set-Cookie for a Bearer caller");
    assert_ne!(claims(&t2)["rt"], claims(&t1)["rt"]);
}

#[actix_web::test]
async fn parallel_requests_with_the_same_expired_token_all_get_the_same_new_secret() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("ACCESS_TOKEN_TTL_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let t0 = login_with_code(&app, &sink, &user.email).await;
    let calls = (0..6).map(|_| get_with_cookie(&app, "/api/v1/user/me", &t0));
    let responses = futures_util::future::join_all(calls).await;
    let mut secrets = Vec::new();
    for res in responses {
        assert_eq!(res.status(), 200);
        secrets.push(claims(&session_cookie(&res).unwrap())["rt"].clone());
    }
    assert!(secrets.windows(2).all(|w| w[0] == w[1]), "{secrets:?}");
    // And the replay of t0 inside the grace window still works.
    assert_eq!(get_with_cookie(&app, "/api/v1/user/me", &t0).await.status(), 200);
}

#[actix_web::test]
async fn refresh_returns_the_sealed_session_and_the_cookie_like_the_desktop_expects() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let t0 = login_with_code(&app, &sink, &user.email).await;
    let res = app
        .client
        .post(app.url("/api/v2/auth/refresh"))
        .header("Cookie", format!("wos-session={t0}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).unwrap();
    let body = json(res).await;
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "User logged in successfully.");
    let sealed = body["data"]["sealedSession"].as_str().unwrap();
    assert_eq!(sealed, cookie);
    assert_eq!(body["data"]["user"]["uuid"], user.uuid.to_string());
    assert_ne!(claims(sealed)["rt"], claims(&t0)["rt"]);
    assert_eq!(get_with_cookie(&app, "/api/v1/user/me", sealed).await.status(), 200);
}

#[actix_web::test]
async fn refresh_failures_answer_400_with_the_reference_codes() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let refresh = |cookie: Option<String>| {
        let mut r = app.client.post(app.url("/api/v2/auth/refresh")).json(&json!({}));
        if let Some(c) = cookie {
            r = r.header("Cookie", format!("wos-session={c}"));
        }
        r.send()
    };
    let res = refresh(None).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "no_session_cookie_provided");
    let res = refresh(Some("garbage".into())).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "invalid_session_cookie");

    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    let res = app
        .client
        .get(app.url("/api/v2/auth/logout"))
        .header("Cookie", format!("wos-session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(session_cookie(&res).as_deref(), Some(""));
    assert_eq!(json(res).await["message"], "User logged out successfully.");
    let res = refresh(Some(token.clone())).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(session_cookie(&res).as_deref(), Some(""), "invalid_grant clears the cookie");
    assert_eq!(json(res).await["message"], "invalid_grant");
    // Revoked session.
    assert_rejected(&app, &token, "revoked session").await;
    // Logout without any session still answers 200.
    assert_eq!(app.client.get(app.url("/api/v2/auth/logout")).send().await.unwrap().status(), 200);
}

#[actix_web::test]
async fn a_reused_refresh_secret_revokes_the_whole_session_family() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("ACCESS_TOKEN_TTL_SECS".into(), "0".into());
        env.insert("REFRESH_GRACE_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let t0 = login_with_code(&app, &sink, &user.email).await;
    let res = get_with_cookie(&app, "/api/v1/user/me", &t0).await;
    assert_eq!(res.status(), 200);
    let t1 = session_cookie(&res).unwrap();
    // t0's secret is now stale (no grace): replaying it is reuse.
    assert_rejected(&app, &t0, "reused refresh token").await;
    // ... and the family is revoked: the newest token stops working too.
    assert_rejected(&app, &t1, "family revoked").await;
    let revoked: bool = db(&app)
        .await
        .query_one("SELECT revoked_at IS NOT NULL FROM auth_session WHERE user_id = $1", &[&user.id])
        .await
        .unwrap()
        .get(0);
    assert!(revoked);
}

#[actix_web::test]
async fn expired_sessions_and_deleted_users_are_rejected() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("SESSION_TTL_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    assert_rejected(&app, &token, "expired session").await;

    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    db(&app).await.execute("UPDATE users SET deleted_at = now() WHERE id = $1", &[&user.id]).await.unwrap();
    assert_rejected(&app, &token, "deleted user").await;
}

#[actix_web::test]
async fn tokens_signed_with_the_previous_secret_keep_working_after_a_key_change() {
    let db_name = create_database().await;
    let sink = SmtpSink::start().await;
    let old = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), pg_url(&db_name));
        env.insert("SESSION_SECRET".into(), SECRET.into());
        env.insert("SMTP_URL".into(), sink.url());
    })
    .await;
    let user = old.create_user(Role::User).await;
    let token = login_with_code(&old, &sink, &user.email).await;
    let new_secret = "a-completely-new-session-secret-of-enough-length";
    let rotated = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), pg_url(&db_name));
        env.insert("SESSION_SECRET".into(), new_secret.into());
        env.insert("SESSION_SECRET_PREVIOUS".into(), SECRET.into());
    })
    .await;
    assert_eq!(get_with_cookie(&rotated, "/api/v1/user/me", &token).await.status(), 200);
    let without_previous = spawn_app_with(|env| {
        env.insert("DATABASE_URL".into(), pg_url(&db_name));
        env.insert("SESSION_SECRET".into(), new_secret.into());
    })
    .await;
    assert_rejected(&without_previous, &token, "unknown kid after key change").await;
    drop((rotated, without_previous, old));
    drop_database(db_name);
}

#[actix_web::test]
async fn socket_credentials_accept_valid_and_refreshable_tokens_without_rotating() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("ACCESS_TOKEN_TTL_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    let state = &app.state;
    for _ in 0..2 {
        let u = infinidream_server::auth::authenticate_socket_token(state, &token).await.unwrap();
        assert_eq!(u.uuid, user.uuid);
    }
    let before: Option<chrono::DateTime<chrono::Utc>> = db(&app)
        .await
        .query_one("SELECT rotated_at FROM auth_session WHERE user_id = $1", &[&user.id])
        .await
        .unwrap()
        .get(0);
    assert!(before.is_none(), "sockets never rotate");
    assert!(infinidream_server::auth::authenticate_socket_token(state, "junk").await.is_err());
    assert!(infinidream_server::auth::authenticate_socket_token(state, "").await.is_err());
}

/// A session's use is recorded in the same batches as API keys (`domain/touch.rs`): the
/// sessions used within one window are written by one statement.
#[actix_web::test]
async fn session_use_is_recorded_in_batches() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let (a, b) = (app.create_user(Role::User).await, app.create_user(Role::User).await);
    let tokens = [login_with_code(&app, &sink, &a.email).await, login_with_code(&app, &sink, &b.email).await];
    let client = db(&app).await;
    let ids = vec![a.id, b.id];
    client
        .execute("UPDATE auth_session SET last_used_at = now() - interval '2 minutes' WHERE user_id = ANY($1)", &[&ids])
        .await
        .unwrap();
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    for token in &tokens {
        assert_eq!(get_with_cookie(&app, "/api/v1/user/me", token).await.status(), 200);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let used = loop {
        let rows = client
            .query("SELECT last_used_at FROM auth_session WHERE user_id = ANY($1) ORDER BY user_id", &[&ids])
            .await
            .unwrap();
        let used: Vec<chrono::DateTime<chrono::Utc>> = rows.iter().map(|r| r.get(0)).collect();
        if used.len() == 2 && used.iter().all(|t| *t > before) {
            break used;
        }
        assert!(std::time::Instant::now() < deadline, "session use never recorded: {used:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(used[0], used[1], "one statement records the batch");
}

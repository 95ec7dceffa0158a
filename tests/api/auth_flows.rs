//! Sign-in flows end to end: magic codes through the SMTP sink, passwords, signup with
//! invites, password reset, current dream/playlist.

use infinidream_actors::Role;
use serde_json::json;

use crate::auth_support::*;
use crate::helpers::*;

async fn post(app: &TestApp, path: &str, body: serde_json::Value) -> reqwest::Response {
    app.client.post(app.url(path)).json(&body).send().await.unwrap()
}

#[actix_web::test]
async fn magic_code_flow_signs_in_through_the_emailed_code() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email.to_uppercase()})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await, json!({"success": true, "message": "Sent an authorization code to your email."}));
    let mail = sink.next_mail(&user.email).await;
    assert!(mail.data.contains("Subject: [LOCAL] - Your infinidream sign-in code"), "{}", mail.data);
    let code = code_in(&mail.data).unwrap();
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": format!("  {code} ")})).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).unwrap();
    let body = json(res).await;
    assert_eq!(body["message"], "User logged in successfully.");
    assert_eq!(body["data"]["sealedSession"], cookie);
    assert_eq!(body["data"]["user"]["email"], user.email);
    assert_eq!(body["data"]["user"]["verified"], true);
    assert!(body["data"]["user"]["last_login_at"].is_string());
    // Single use.
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": code})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "Invalid verification code provided.");
    // Codes are stored only as HMACs.
    let stored: i64 = db(&app)
        .await
        .query_one("SELECT count(*) FROM auth_code WHERE code_hash = convert_to($1, 'UTF8')", &[&code])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
}

#[actix_web::test]
async fn magic_code_requests_for_unknown_emails_and_bad_bodies_are_400() {
    let (app, _sink) = spawn_auth_app(|_| {}).await;
    let res = post(&app, "/api/v2/auth/magic", json!({"email": "nobody@example.com"})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await, json!({"success": false, "message": "User not found."}));
    let res = post(&app, "/api/v2/auth/magic", json!({"email": "not-an-email"})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "\"body.email\" must be a valid email");
}

#[actix_web::test]
async fn a_code_allows_five_attempts_then_is_exhausted() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    post(&app, "/api/v2/auth/magic", json!({"email": user.email})).await;
    let code = sink.next_code(&user.email).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": wrong})).await;
        assert_eq!(res.status(), 400);
    }
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": code})).await;
    assert_eq!(res.status(), 400, "exhausted after five wrong attempts");
    assert_eq!(json(res).await["message"], "Invalid verification code provided.");
}

#[actix_web::test]
async fn expired_and_replaced_codes_are_refused() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("AUTH_CODE_TTL_SECS".into(), "0".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    post(&app, "/api/v2/auth/magic", json!({"email": user.email})).await;
    let code = sink.next_code(&user.email).await;
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": code})).await;
    assert_eq!(res.status(), 400, "expired");

    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    post(&app, "/api/v2/auth/magic", json!({"email": user.email})).await;
    let first = sink.next_code(&user.email).await;
    post(&app, "/api/v2/auth/magic", json!({"email": user.email})).await;
    let second = sink.next_code(&user.email).await;
    if first != second {
        let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": first})).await;
        assert_eq!(res.status(), 400, "a newer code replaces the older one");
    }
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email, "code": second})).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn code_requests_are_limited_per_email_per_hour() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("AUTH_CODE_MAX_PER_HOUR".into(), "2".into());
    })
    .await;
    let user = app.create_user(Role::User).await;
    for _ in 0..2 {
        assert_eq!(post(&app, "/api/v2/auth/magic", json!({"email": user.email})).await.status(), 200);
    }
    let res = post(&app, "/api/v2/auth/magic", json!({"email": user.email})).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 3600, "{retry}");
    assert_eq!(json(res).await, json!({"success": false, "message": "Too many requests, please try, again later."}));
    assert_eq!(sink.count_to(&user.email), 2);
}

#[actix_web::test]
async fn password_reset_then_password_login() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let old_session = login_with_code(&app, &sink, &user.email).await;

    let res = post(&app, "/api/v2/auth/login", json!({"email": user.email, "password": "secret-1"})).await;
    assert_eq!(res.status(), 400, "no password yet");
    assert_eq!(json(res).await, json!({"success": false, "message": "Invalid credentials provided."}));

    let res = post(&app, "/api/v2/auth/create-password-reset", json!({"email": "nobody@example.com"})).await;
    assert_eq!(res.status(), 200, "unknown emails get the same answer");
    let res = post(&app, "/api/v2/auth/create-password-reset", json!({"email": user.email})).await;
    assert_eq!(json(res).await["message"], "Password reset created, wait for email instructions.");
    let code = sink.next_code(&user.email).await;
    let res = post(
        &app,
        "/api/v2/auth/reset-password",
        json!({"email": user.email, "code": "999999x", "password": "secret-1"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res =
        post(&app, "/api/v2/auth/reset-password", json!({"email": user.email, "code": code, "password": "secret-1"}))
            .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["message"], "User password changed successfully.");
    assert_eq!(get_with_cookie(&app, "/api/v1/user/me", &old_session).await.status(), 401, "sessions revoked");

    let res = post(&app, "/api/v2/auth/login", json!({"email": user.email, "password": "wrong-pass"})).await;
    assert_eq!(res.status(), 400);
    let res = post(&app, "/api/v2/auth/login", json!({"email": user.email, "password": "secret-1"})).await;
    assert_eq!(res.status(), 200);
    let token = session_cookie(&res).unwrap();
    assert_eq!(json(res).await["data"]["sealedSession"], token);
    let hash: String =
        db(&app).await.query_one("SELECT password_hash FROM users WHERE id = $1", &[&user.id]).await.unwrap().get(0);
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let res = post(&app, "/api/v2/auth/login", json!({"email": user.email, "password": "123"})).await;
    assert_eq!(json(res).await["message"], "\"body.password\" length must be at least 6 characters long");
}

async fn invite(app: &TestApp, code: &str, size: i32, role: Option<i32>) {
    db(app)
        .await
        .execute("INSERT INTO invite (code, size, signup_role_id) VALUES ($1, $2, $3)", &[&code, &size, &role])
        .await
        .unwrap();
}

async fn invite_size(app: &TestApp, code: &str) -> i32 {
    db(app).await.query_one("SELECT size FROM invite WHERE code = $1", &[&code]).await.unwrap().get(0)
}

async fn set_signup_with_code(app: &TestApp, on: bool) {
    db(app).await.execute("UPDATE feature SET is_active = $1 WHERE name = 'SIGNUP_WITH_CODE'", &[&on]).await.unwrap();
}

fn signup_body(email: &str, code: Option<&str>) -> serde_json::Value {
    let mut b = json!({"email": email, "firstname": "Ada", "lastname": "Lovelace"});
    if let Some(c) = code {
        b["code"] = json!(c);
    }
    b
}

#[actix_web::test]
async fn signup_without_a_code_consumes_no_invite_and_sends_a_sign_in_code() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    invite(&app, "ADMIN1", 3, Some(1)).await;
    let res = post(&app, "/api/v2/auth/signup", signup_body("ada@example.com", None)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await, json!({"success": true, "message": "User created successfully.", "data": {}}));
    assert_eq!(invite_size(&app, "ADMIN1").await, 3, "absent code consumes nothing");
    let code = sink.next_code("ada@example.com").await;
    let res = post(&app, "/api/v2/auth/magic", json!({"email": "ada@example.com", "code": code})).await;
    let body = json(res).await;
    assert_eq!(body["data"]["user"]["role"]["name"], "user-group");
    assert_eq!(body["data"]["user"]["name"], "Ada");
    assert_eq!(body["data"]["user"]["lastName"], "Lovelace");
    let res = post(&app, "/api/v2/auth/signup", signup_body("ADA@example.com", None)).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "User already exists.");
}

#[actix_web::test]
async fn invites_are_consumed_only_by_their_exact_code_and_grant_their_role() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    set_signup_with_code(&app, true).await;
    invite(&app, "CREATE", 1, Some(3)).await;
    invite(&app, "EMPTY0", 0, None).await;
    for (email, code) in [("a@example.com", None), ("b@example.com", Some("create")), ("c@example.com", Some("EMPTY0"))]
    {
        let res = post(&app, "/api/v2/auth/signup", signup_body(email, code)).await;
        assert_eq!(res.status(), 400, "{code:?}");
        assert_eq!(json(res).await["message"], "Invalid invite code.");
    }
    assert_eq!(invite_size(&app, "CREATE").await, 1);
    let res = post(&app, "/api/v2/auth/signup", signup_body("d@example.com", Some("CREATE"))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(invite_size(&app, "CREATE").await, 0);
    let code = sink.next_code("d@example.com").await;
    let res = post(&app, "/api/v2/auth/magic", json!({"email": "d@example.com", "code": code})).await;
    assert_eq!(json(res).await["data"]["user"]["role"]["name"], "creator-group");
    let res = post(&app, "/api/v2/auth/signup", signup_body("e@example.com", Some("CREATE"))).await;
    assert_eq!(res.status(), 400, "used up");
    assert_eq!(invite_size(&app, "CREATE").await, 0);
    // A failed signup (taken email) consumes nothing.
    invite(&app, "AGAIN1", 2, None).await;
    let res = post(&app, "/api/v2/auth/signup", signup_body("d@example.com", Some("AGAIN1"))).await;
    assert_eq!(json(res).await["message"], "User already exists.");
    assert_eq!(invite_size(&app, "AGAIN1").await, 2);
}

#[actix_web::test]
async fn current_dream_and_playlist_are_null_when_unset() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let user = app.create_user(Role::User).await;
    let token = login_with_code(&app, &sink, &user.email).await;
    let res = get_with_cookie(&app, "/api/v2/auth/dream/current", &token).await;
    assert_eq!(json(res).await, json!({"success": true, "data": {"dream": null}}));
    let res = get_with_cookie(&app, "/api/v2/auth/playlist/current", &token).await;
    assert_eq!(json(res).await, json!({"success": true, "data": {"playlist": null}}));
    assert_eq!(app.client.get(app.url("/api/v2/auth/dream/current")).send().await.unwrap().status(), 401);
    let res = app.client.get(app.url("/api/v2/auth/callback")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res = app.client.get(app.url("/api/v2/auth/callback?code=abc")).send().await.unwrap();
    assert_eq!(json(res).await, json!({"success": false, "message": "Authentication failed."}));
}

#[actix_web::test]
async fn the_cli_creates_an_admin_who_can_log_in_with_a_password() {
    use std::io::Write;
    let db_name = create_database().await;
    let mut child = std::process::Command::new(binary())
        .args([
            "users",
            "add",
            "--email",
            "first-admin@example.com",
            "--role",
            "admin",
            "--api-key",
            "--password-stdin",
        ])
        .env_clear()
        .env("DATABASE_URL", pg_url(&db_name))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"first-admin-password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["role"], "admin");
    assert!(created["apiKey"].is_string());
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("DATABASE_URL".into(), pg_url(&db_name));
    })
    .await;
    let res = post(
        &app,
        "/api/v2/auth/login",
        json!({"email": "first-admin@example.com", "password": "first-admin-password"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["data"]["user"]["role"]["name"], "admin-group");
    drop(app);
    drop_database(db_name);
}

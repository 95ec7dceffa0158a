//! Abuse limits: per address and per account, 429 with `Retry-After`.

use serde_json::json;

use crate::auth_support::*;
use crate::helpers::*;

async fn login(app: &TestApp, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v2/auth/login"))
        .json(&json!({"email": email, "password": "whatever-pass"}))
        .send()
        .await
        .unwrap()
}

async fn assert_limited(res: reqwest::Response) {
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(json(res).await["message"], "Too many requests, please try, again later.");
}

#[actix_web::test]
async fn logins_are_limited_per_account() {
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("AUTH_RATE_LIMIT_PER_ACCOUNT".into(), "3".into());
    })
    .await;
    for _ in 0..3 {
        assert_eq!(login(&app, "victim@example.com").await.status(), 400);
    }
    assert_limited(login(&app, "VICTIM@example.com").await).await;
    assert_eq!(login(&app, "someone-else@example.com").await.status(), 400, "other accounts unaffected");
}

#[actix_web::test]
async fn auth_endpoints_are_limited_per_address() {
    let (app, _sink) = spawn_auth_app(|env| {
        env.insert("AUTH_RATE_LIMIT_PER_IP".into(), "4".into());
    })
    .await;
    for i in 0..4 {
        assert_eq!(login(&app, &format!("u{i}@example.com")).await.status(), 400);
    }
    assert_limited(login(&app, "u9@example.com").await).await;
    for path in ["/api/v2/auth/magic", "/api/v2/auth/create-password-reset", "/api/v2/auth/signup"] {
        let mut last = None;
        for _ in 0..5 {
            last = Some(app.client.post(app.url(path)).json(&json!({"email": "x@example.com"})).send().await.unwrap());
        }
        assert_limited(last.unwrap()).await;
    }
}

#[actix_web::test]
async fn limits_fall_back_to_memory_without_redis() {
    let (app, _sink) = spawn_auth_app(|env| {
        env.remove("REDIS_URL");
        env.insert("AUTH_RATE_LIMIT_PER_ACCOUNT".into(), "1".into());
    })
    .await;
    assert_eq!(login(&app, "m@example.com").await.status(), 400);
    assert_limited(login(&app, "m@example.com").await).await;
}

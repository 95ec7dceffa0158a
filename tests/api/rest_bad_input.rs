//! Bad input classes of the foundation: each gets the envelope and the right status.

use crate::helpers::*;
use infinidream_actors::Role;
use serde_json::json;

async fn post_telemetry(
    app: &TestApp,
    user: &TestUser,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/client/telemetry"))
        .header("Authorization", format!("Api-Key {}", user.api_key));
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    req.body(body).send().await.unwrap()
}

#[actix_web::test]
async fn well_formed_json_bodies_are_accepted_with_or_without_content_type() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let body = br#"{"eventType":"md5-mismatch","eventData":{"uuid":"x","foundMd5":"y","isStreaming":false}}"#.to_vec();
    for ct in [Some("application/json"), Some("application/json; charset=utf-8"), None] {
        let res = post_telemetry(&app, &user, ct, body.clone()).await;
        assert_eq!(res.status(), 200, "{ct:?}");
        assert_eq!(json(res).await, json!({"success": true}));
    }
    let res = post_telemetry(&app, &user, Some("application/json"), Vec::new()).await;
    assert_eq!(res.status(), 200, "empty body is {{}}");
}

#[actix_web::test]
async fn malformed_json_gets_400_invalid_json_body() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    for bad in [&b"{"[..], b"{\"a\":}", b"not json", b"\xff\xfe", b"{\"a\":1}}"] {
        let res = post_telemetry(&app, &user, Some("application/json"), bad.to_vec()).await;
        assert_eq!(res.status(), 400);
        assert_eq!(json(res).await, json!({"success": false, "message": "Invalid JSON body."}));
    }
}

#[actix_web::test]
async fn a_json_body_that_is_not_an_object_gets_a_validation_error() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let res = post_telemetry(&app, &user, Some("application/json"), b"[1,2]".to_vec()).await;
    assert_eq!(res.status(), 400);
    let body = json(res).await;
    assert_eq!(body["message"], "\"body\" must be of type object");
    assert_eq!(body["data"][0]["field"], "body");
}

#[actix_web::test]
async fn a_wrong_content_type_gets_400() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let res = post_telemetry(&app, &user, Some("text/plain"), b"{}".to_vec()).await;
    assert_eq!(res.status(), 400);
    let body = json(res).await;
    assert_eq!(body["success"], false);
    assert_eq!(body["message"], "Content-Type must be application/json.");
}

#[actix_web::test]
async fn oversize_bodies_get_413_payload_too_large() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let big = format!("{{\"eventType\":\"{}\"}}", "x".repeat(100_001)).into_bytes();
    let res = post_telemetry(&app, &user, Some("application/json"), big).await;
    assert_eq!(res.status(), 413);
    assert_eq!(json(res).await, json!({"success": false, "message": "Payload too large."}));
}

#[actix_web::test]
async fn unknown_routes_and_methods_get_the_404_envelope() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let not_found = json!({"success": false, "message": "Not found."});
    for (method, path) in [
        ("GET", "/nope"),
        ("GET", "/api/v1/nope"),
        ("POST", "/api/v1/health"),
        ("DELETE", "/api/v1/user/me"),
        ("GET", "/API/V1/HEALTH"),
        ("POST", "/api/v1/auth/login"),
    ] {
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .header("Authorization", format!("Api-Key {}", user.api_key))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{method} {path}");
        assert_eq!(json(res).await, not_found, "{method} {path}");
    }
}

#[actix_web::test]
async fn a_json_body_on_get_is_ignored() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let res = app
        .client
        .get(app.url("/api/v1/user/me"))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

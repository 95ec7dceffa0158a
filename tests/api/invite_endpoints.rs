//! `/api/v1/invite` (admin): list order, creation with exact and random codes, the
//! invitation email through a real SMTP sink, invalidation, permissions and bad input.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::auth_support::spawn_auth_app;
use crate::dream_fixtures::{call, db};
use crate::helpers::*;

const ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

#[actix_web::test]
async fn invite_create_with_code_and_email_sends_the_invitation() {
    let (app, sink) = spawn_auth_app(|_| {}).await;
    let admin = app.create_user(Role::Admin).await;
    let body = json!({"code": "SHEEP42", "size": "5", "email": "friend@example.com", "roleId": 3});
    let (status, res) = call(&app, Method::POST, "/api/v1/invite", &admin, Some(body)).await;
    assert_eq!(status, 201, "{res}");
    let invite = &res["data"]["invite"];
    assert_eq!(invite["code"], "SHEEP42");
    assert_eq!(invite["size"], 5);
    assert_eq!(invite["signupRole"]["name"], "creator-group");
    assert_eq!(invite["signupUrl"], "https://alpha.infinidream.ai/account?invite=SHEEP42");
    assert!(invite["created_at"].as_str().unwrap().ends_with('Z'));

    let mail = sink.next_mail("friend@example.com").await;
    let text = mail.data.replace("=\n", "").replace("=3D", "=");
    assert!(text.contains("Subject: [LOCAL] - "), "{text}");
    assert!(text.contains("creator"), "creator wording: {text}");
    assert!(text.contains("https://alpha.infinidream.ai/account?invite=SHEEP42&email=friend@example.com"), "{text}");

    // The same code again is refused; nothing new is stored.
    let (status, res) =
        call(&app, Method::POST, "/api/v1/invite", &admin, Some(json!({"code": "SHEEP42", "roleId": 2}))).await;
    assert_eq!((status, res), (400, json!({"success": false, "message": "Code already exists."})));
    let n: i64 = db(&app).await.query_one("SELECT count(*) FROM invite", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);

    // A user-group invitation uses the user wording.
    let body = json!({"email": "pal@example.com", "roleId": 2});
    assert_eq!(call(&app, Method::POST, "/api/v1/invite", &admin, Some(body)).await.0, 201);
    let text = sink.next_mail("pal@example.com").await.data.replace("=\n", "").replace("=3D", "=");
    assert!(!text.contains("creator"), "{text}");
}

#[actix_web::test]
async fn invite_random_codes_use_the_alphabet_and_length_and_list_by_size() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (status, res) = call(&app, Method::POST, "/api/v1/invite", &admin, Some(json!({"roleId": 2}))).await;
    assert_eq!(status, 201, "{res}");
    let code = res["data"]["invite"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 4, "default codeLength");
    assert!(code.chars().all(|c| ALPHABET.contains(c)), "{code}");
    assert_eq!(res["data"]["invite"]["size"], 1, "default size");
    let body = json!({"roleId": 1, "codeLength": 12, "size": 7, "code": ""});
    let (status, res) = call(&app, Method::POST, "/api/v1/invite", &admin, Some(body)).await;
    assert_eq!(status, 201);
    let code = res["data"]["invite"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 12, "an empty code means a random one");
    assert!(code.chars().all(|c| ALPHABET.contains(c)));
    // Every 1-letter code taken: the retries give up with a 400, not a hang.
    for c in ALPHABET.chars() {
        db(&app).await.execute("INSERT INTO invite (code, size) VALUES ($1, 1)", &[&c.to_string()]).await.unwrap();
    }
    let (status, res) =
        call(&app, Method::POST, "/api/v1/invite", &admin, Some(json!({"roleId": 2, "codeLength": 1}))).await;
    assert_eq!((status, &res["message"]), (400, &json!("Code already exists.")));

    let (status, res) = call(&app, Method::GET, "/api/v1/invite?take=2", &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(res["data"]["count"], 36);
    let sizes: Vec<i64> =
        res["data"]["invites"].as_array().unwrap().iter().map(|i| i["size"].as_i64().unwrap()).collect();
    assert_eq!(sizes, vec![7, 1], "size DESC");
    assert!(res["data"]["invites"][0]["signupUrl"].as_str().unwrap().contains("/account?invite="));
}

#[actix_web::test]
async fn invite_invalidate_sets_size_zero_and_answers_201() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let (_, res) = call(&app, Method::POST, "/api/v1/invite", &admin, Some(json!({"roleId": 2, "size": 9}))).await;
    let id = res["data"]["invite"]["id"].as_i64().unwrap();
    let (status, res) = call(&app, Method::PUT, &format!("/api/v1/invite/{id}/invalidate"), &admin, None).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["data"]["invite"]["size"], 0);
    assert_eq!(res["data"]["invite"]["id"], id);
    for bad in ["abc", "99999", "-1", "1.5", "99999999999999"] {
        let (status, res) = call(&app, Method::PUT, &format!("/api/v1/invite/{bad}/invalidate"), &admin, None).await;
        assert_eq!((status, res), (404, json!({"success": false, "message": "Not found."})), "{bad}");
    }
}

#[actix_web::test]
async fn invite_endpoints_are_admin_only() {
    let app = spawn_app().await;
    let creator = app.create_user(Role::Creator).await;
    for (method, path) in [
        (Method::GET, "/api/v1/invite"),
        (Method::POST, "/api/v1/invite"),
        (Method::PUT, "/api/v1/invite/1/invalidate"),
    ] {
        let (status, res) = call(&app, method.clone(), path, &creator, Some(json!({"roleId": 2}))).await;
        assert_eq!((status, res), (403, json!({"success": false, "message": "Action not allowed."})), "{path}");
        assert_eq!(app.client.request(method, app.url(path)).send().await.unwrap().status(), 401);
    }
    let n: i64 = db(&app).await.query_one("SELECT count(*) FROM invite", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn invite_create_rejects_bad_input_and_unknown_roles() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let cases: [(Value, &str); 10] = [
        (
            json!({"roleId": 2, "code": "A".repeat(65)}),
            "\"body.code\" length must be less than or equal to 64 characters long",
        ),
        (json!({}), "\"body.roleId\" is required"),
        (json!({"roleId": "x"}), "\"body.roleId\" must be a number"),
        (json!({"roleId": 2, "code": "abc"}), "Code should contain A-Z and 0-9 (excluding I and O)"),
        (json!({"roleId": 2, "code": "OI"}), "Code should contain A-Z and 0-9 (excluding I and O)"),
        (
            json!({"roleId": 2, "code": "A'; DROP TABLE invite;--"}),
            "Code should contain A-Z and 0-9 (excluding I and O)",
        ),
        (json!({"roleId": 2, "size": 0}), "\"body.size\" must be greater than or equal to 1"),
        (json!({"roleId": 2, "codeLength": 100000000}), "\"body.codeLength\" must be less than or equal to 64"),
        (json!({"roleId": 2, "email": "not-an-email"}), "\"body.email\" must be a valid email"),
        (json!({"roleId": 2, "code": 7}), "\"body.code\" must be a string"),
    ];
    for (body, message) in cases {
        let (status, res) = call(&app, Method::POST, "/api/v1/invite", &admin, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {res}");
        assert_eq!(res["message"], message, "{body}");
    }
    for role in [json!(99), json!(2.5), json!(-3)] {
        let (status, _) = call(&app, Method::POST, "/api/v1/invite", &admin, Some(json!({"roleId": role}))).await;
        assert_eq!(status, 404, "{role}");
    }
    let n: i64 = db(&app).await.query_one("SELECT count(*) FROM invite", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "no partial writes");
}

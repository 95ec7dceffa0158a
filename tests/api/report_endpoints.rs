//! `/api/v1/report`: types, creation by any user (with the ops email through a real SMTP
//! sink), admin listing, processing and soft delete, and bad input.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::auth_support::spawn_auth_app;
use crate::dream_fixtures::{call, db, insert_dream};
use crate::helpers::*;

const OPS: &str = "ops@example.com";

#[actix_web::test]
async fn report_types_hide_the_native_type() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (status, body) = call(&app, Method::GET, "/api/v1/report/type", &user, None).await;
    assert_eq!(status, 200);
    let types = body["data"]["reportTypes"].as_array().unwrap();
    let ids: Vec<i64> = types.iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(types[0]["description"], "Spam content");
    assert!(types[0]["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(types[0].get("deleted_at").is_some());
    let res = app.client.get(app.url("/api/v1/report/type")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn report_created_by_a_user_is_stored_and_mailed_to_ops() {
    let (app, sink) = spawn_auth_app(|env| {
        env.insert("OPS_EMAIL".into(), OPS.into());
    })
    .await;
    let reporter = app.create_user(Role::User).await;
    let owner = app.create_user(Role::Creator).await;
    let dream = insert_dream(&app, &owner, "processed", false, false).await;
    let comments = "it's \"bad\"; DROP TABLE report;-- 🐑 ñ";
    let body = json!({"dreamUUID": dream.to_string().to_uppercase(), "typeId": "2", "comments": comments,
                      "link": "", "extra": true});
    let (status, res) = call(&app, Method::POST, "/api/v1/report", &reporter, Some(body)).await;
    assert_eq!(status, 201, "{res}");
    let report = &res["data"]["report"];
    assert_eq!(report["dream"]["uuid"], json!(dream));
    assert_eq!(report["reportedBy"]["uuid"], json!(reporter.uuid));
    assert_eq!(report["processedBy"], Value::Null);
    assert_eq!(report["processed"], false);
    assert_eq!(report["comments"], comments);
    assert_eq!(report["link"], "");
    assert_eq!(report["type"]["id"], 2);
    assert!(report["reportedAt"].as_str().unwrap().ends_with('Z'));

    let mail = sink.next_mail(OPS).await;
    // Quoted-printable soft line breaks.
    let text = mail.data.replace("=\n", "");
    assert!(text.contains(&dream.to_string()), "{text}");
    assert!(text.contains(&format!("https://alpha.infinidream.ai/dream/{dream}")), "{text}");
    assert!(text.contains(&reporter.email), "{text}");
    assert!(text.contains("Subject: [LOCAL] - Dream reported: fixture"), "subject prefix outside production: {text}");

    // A dream name cannot inject mail headers.
    db(&app)
        .await
        .execute("UPDATE dream SET name = E'evil\\r\\nBcc: thief@example.com' WHERE uuid = $1", &[&dream])
        .await
        .unwrap();
    let (status, _) =
        call(&app, Method::POST, "/api/v1/report", &reporter, Some(json!({"dreamUUID": dream, "typeId": 1}))).await;
    assert_eq!(status, 201);
    let mail = sink.next_mail(OPS).await;
    assert_eq!(mail.to, vec![OPS.to_string()]);
    let headers = mail.data.split("\n\n").next().unwrap();
    assert!(!headers.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{headers}");
    assert!(headers.contains("Dream reported: evil  Bcc: thief@example.com"), "{headers}");
}

#[actix_web::test]
async fn report_create_answers_404_for_missing_or_hidden_dreams_and_unknown_types() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let owner = app.create_user(Role::Creator).await;
    let dream = insert_dream(&app, &owner, "processed", false, false).await;
    let hidden = insert_dream(&app, &owner, "processed", true, false).await;
    let cases = [
        (json!({"dreamUUID": uuid::Uuid::new_v4(), "typeId": 1}), "Dream not found."),
        (json!({"dreamUUID": owner.uuid, "typeId": 1}), "Dream not found."),
        (json!({"dreamUUID": hidden, "typeId": 1}), "Dream not found."),
        (json!({"dreamUUID": dream, "typeId": 99}), "Report type not found."),
        (json!({"dreamUUID": dream, "typeId": 1.5}), "Report type not found."),
        (json!({"dreamUUID": dream, "typeId": 1e15}), "Report type not found."),
    ];
    for (body, message) in cases {
        let (status, res) = call(&app, Method::POST, "/api/v1/report", &user, Some(body.clone())).await;
        assert_eq!((status, res), (404, json!({"success": false, "message": message})), "{body}");
    }
    // The owner may report their own hidden dream.
    let (status, _) =
        call(&app, Method::POST, "/api/v1/report", &owner, Some(json!({"dreamUUID": hidden, "typeId": 6}))).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn report_create_rejects_bad_bodies_with_every_violation() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (status, res) = call(&app, Method::POST, "/api/v1/report", &user, Some(json!({}))).await;
    assert_eq!(status, 400);
    assert_eq!(res["message"], "\"body.dreamUUID\" is required. \"body.typeId\" is required");
    assert_eq!(res["data"][1]["field"], "body, typeId");
    let cases = [
        (json!({"dreamUUID": "nope", "typeId": 1}), "\"body.dreamUUID\" must be a valid GUID"),
        (json!({"dreamUUID": uuid::Uuid::new_v4(), "typeId": "one"}), "\"body.typeId\" must be a number"),
        (json!({"dreamUUID": uuid::Uuid::new_v4(), "typeId": -1}), "\"body.typeId\" must be a positive number"),
        (json!({"dreamUUID": uuid::Uuid::new_v4(), "typeId": 1, "comments": 5}), "\"body.comments\" must be a string"),
        (
            json!({"dreamUUID": uuid::Uuid::new_v4(), "typeId": 1, "link": "a\u{0}"}),
            "\"body.link\" must not contain null characters",
        ),
    ];
    for (body, message) in cases {
        let (status, res) = call(&app, Method::POST, "/api/v1/report", &user, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(res["message"], message, "{body}");
    }
    let res = app
        .client
        .post(app.url("/api/v1/report"))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Content-Type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(crate::fixtures::report_count(&db(&app).await).await, 0, "nothing stored");
}

#[actix_web::test]
async fn report_admin_lists_reads_processes_and_deletes() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let owner = app.create_user(Role::Creator).await;
    let dream = insert_dream(&app, &owner, "processed", false, false).await;
    let mut uuids = Vec::new();
    for t in [1, 3] {
        let (_, res) =
            call(&app, Method::POST, "/api/v1/report", &user, Some(json!({"dreamUUID": dream, "typeId": t}))).await;
        uuids.push(res["data"]["report"]["uuid"].as_str().unwrap().to_string());
    }
    let (status, res) = call(&app, Method::GET, "/api/v1/report?take=1", &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(res["data"]["count"], 2);
    assert_eq!(res["data"]["reports"][0]["uuid"], json!(uuids[1]), "updated_at DESC");
    assert_eq!(res["data"]["reports"].as_array().unwrap().len(), 1);

    let path = format!("/api/v1/report/{}", uuids[0]);
    let (status, res) = call(&app, Method::PUT, &path, &admin, Some(json!({"processed": false}))).await;
    assert_eq!((status, &res["data"]["report"]["processed"]), (200, &json!(false)));
    let (status, res) = call(&app, Method::PUT, &path, &admin, Some(json!({"processed": "true"}))).await;
    assert_eq!(status, 200, "{res}");
    let report = &res["data"]["report"];
    assert_eq!(report["processed"], true);
    assert_eq!(report["processedBy"]["uuid"], json!(admin.uuid));
    assert!(report["processedAt"].is_string());
    let (status, res) = call(&app, Method::GET, &path, &admin, None).await;
    assert_eq!((status, &res["data"]["report"]["processed"]), (200, &json!(true)));
    let (status, res) = call(&app, Method::GET, "/api/v1/report", &admin, None).await;
    assert_eq!((status, &res["data"]["reports"][0]["uuid"]), (200, &json!(uuids[0])), "processing bumps updated_at");

    let (status, res) = call(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!((status, res), (200, json!({"success": true})));
    assert_eq!(call(&app, Method::GET, &path, &admin, None).await.0, 404);
    assert_eq!(call(&app, Method::DELETE, &path, &admin, None).await.0, 404);
    assert_eq!(call(&app, Method::PUT, &path, &admin, Some(json!({"processed": true}))).await.0, 404);
    let (_, res) = call(&app, Method::GET, "/api/v1/report", &admin, None).await;
    assert_eq!(res["data"]["count"], 1);
}

#[actix_web::test]
async fn report_admin_endpoints_refuse_users_and_bad_input() {
    let app = spawn_app().await;
    let user = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let some = format!("/api/v1/report/{}", uuid::Uuid::new_v4());
    for (method, path) in [
        (Method::GET, "/api/v1/report".to_string()),
        (Method::GET, some.clone()),
        (Method::PUT, some.clone()),
        (Method::DELETE, some.clone()),
    ] {
        let (status, res) = call(&app, method.clone(), &path, &user, Some(json!({"processed": true}))).await;
        assert_eq!(
            (status, res),
            (403, json!({"success": false, "message": "Action not allowed."})),
            "{method} {path}"
        );
        let res = app.client.request(method, app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = app.client.post(app.url("/api/v1/report")).json(&json!({"typeId": 1})).send().await.unwrap();
    assert_eq!(res.status(), 401, "creating a report needs credentials");
    assert_eq!(call(&app, Method::GET, &some, &admin, None).await.0, 404);
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let (status, res) = call(&app, method, "/api/v1/report/xyz", &admin, Some(json!({"processed": true}))).await;
        assert_eq!((status, &res["message"]), (400, &json!("\"params.uuid\" must be a valid GUID")));
    }
    let (status, res) = call(&app, Method::PUT, &some, &admin, Some(json!({}))).await;
    assert_eq!((status, &res["message"]), (400, &json!("\"body.processed\" is required")));
    let (status, res) = call(&app, Method::PUT, &some, &admin, Some(json!({"processed": 1}))).await;
    assert_eq!((status, &res["message"]), (400, &json!("\"body.processed\" must be a boolean")));
    let (status, _) = call(&app, Method::GET, "/api/v1/report?take=abc&skip=-4", &admin, None).await;
    assert_eq!(status, 200, "lenient paging");
}

#[actix_web::test]
async fn report_large_unicode_text_is_stored_verbatim_and_oversize_bodies_get_413() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let owner = app.create_user(Role::Creator).await;
    let dream = insert_dream(&app, &owner, "processed", false, false).await;
    let comments = format!("{}\u{200d}\u{fffd}'\\%", "🐑ñ".repeat(10_000));
    let link = "https://x.example/?q=' OR '1'='1";
    let body = json!({"dreamUUID": dream, "typeId": 6, "comments": comments, "link": link});
    let (status, res) = call(&app, Method::POST, "/api/v1/report", &user, Some(body)).await;
    assert_eq!(status, 201, "{res}");
    let path = format!("/api/v1/report/{}", res["data"]["report"]["uuid"].as_str().unwrap());
    let (_, res) = call(&app, Method::GET, &path, &admin, None).await;
    assert_eq!(res["data"]["report"]["comments"], json!(comments));
    assert_eq!(res["data"]["report"]["link"], link);
    let body = json!({"dreamUUID": dream, "typeId": 6, "comments": "x".repeat(200_000)});
    let (status, res) = call(&app, Method::POST, "/api/v1/report", &user, Some(body)).await;
    assert_eq!((status, res), (413, json!({"success": false, "message": "Payload too large."})));
}

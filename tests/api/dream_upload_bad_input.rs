//! Bad input on the upload endpoints: documented 4xx envelopes, no orphaned rows, no
//! dangling multipart uploads.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::json;

use crate::dream_fixtures::*;
use crate::helpers::*;
use crate::stubs::*;

#[actix_web::test]
async fn create_rejects_wrong_types_extensions_and_limits_without_creating_rows() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(|env| s3.configure(env)).await;
    let creator = app.create_user(Role::Creator).await;
    let user = app.create_user(Role::User).await;
    let path = "/api/v1/dream/create-multipart-upload";

    let (status, body) = call(&app, Method::POST, path, &creator, Some(json!({}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "\"body.extension\" is required. \"body.parts\" is required");
    assert_eq!(body["data"][0], json!({"field": "body, extension", "message": "\"body.extension\" is required"}));

    let (status, body) = call(&app, Method::POST, path, &creator, Some(json!({"extension": "jpg", "parts": 1}))).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().starts_with("\"body.extension\" must be one of [mp4, avi, mov"),
        "{body}"
    );

    for (parts, message) in [
        (json!(0), "\"body.parts\" must be greater than or equal to 1"),
        (json!(10001), "\"body.parts\" must be less than or equal to 10000"),
        (json!(1.5), "\"body.parts\" must be an integer"),
        (json!("many"), "\"body.parts\" must be a number"),
    ] {
        let (status, body) =
            call(&app, Method::POST, path, &creator, Some(json!({"extension": "mp4", "parts": parts}))).await;
        assert_eq!((status, body["message"].as_str().unwrap()), (400, message));
    }
    let (status, body) =
        call(&app, Method::POST, path, &creator, Some(json!({"extension": "mp4", "parts": "2", "hidden": true}))).await;
    assert_eq!((status, body["message"].as_str().unwrap()), (400, "\"body.hidden\" is not allowed"));
    let (status, body) =
        call(&app, Method::POST, path, &creator, Some(json!({"extension": "mp4", "parts": 1, "sourceUrl": "ftp://x"})))
            .await;
    assert_eq!(
        (status, body["message"].as_str().unwrap()),
        (400, "Invalid URL format. URL must start with http:// or https://")
    );
    let (status, body) = call(&app, Method::POST, path, &user, Some(json!({"extension": "mp4", "parts": 1}))).await;
    assert_eq!((status, body), (403, json!({"success": false, "message": "Action not allowed."})));
    let (status, _) =
        call(&app, Method::POST, path, &creator, Some(json!({"extension": "mp4", "parts": 1, "uuid": "nope"}))).await;
    assert_eq!(status, 400);
    let missing = uuid::Uuid::new_v4();
    let (status, _) =
        call(&app, Method::POST, path, &creator, Some(json!({"extension": "mp4", "parts": 1, "uuid": missing}))).await;
    assert_eq!(status, 404);

    assert_eq!(count(&app, "dream", "true").await, 0, "no orphaned rows");
    assert_eq!(s3.open_uploads().await, 0, "no storage upload started");
}

#[actix_web::test]
async fn per_dream_routes_check_uuids_ownership_and_type_rules() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(|env| s3.configure(env)).await;
    let owner = app.create_user(Role::Creator).await;
    let stranger = app.create_user(Role::Creator).await;
    let uuid = insert_dream(&app, &owner, "none", false, false).await;
    let body = json!({"type": "dream", "extension": "mp4", "parts": 1});

    let (status, body_) =
        call(&app, Method::POST, "/api/v1/dream/not-a-uuid/create-multipart-upload", &owner, Some(body.clone())).await;
    assert_eq!(status, 400);
    assert_eq!(body_["message"], "\"params.uuid\" must be a valid GUID");
    assert_eq!(body_["data"][0]["field"], "params, uuid");
    let path = format!("/api/v1/dream/{uuid}/create-multipart-upload");
    let (status, _) = call(&app, Method::POST, &path, &stranger, Some(body.clone())).await;
    assert_eq!(status, 403, "foreign dream");
    let (status, b) =
        call(&app, Method::POST, &path, &owner, Some(json!({"type": "filmstrip", "extension": "jpg", "parts": 1})))
            .await;
    assert_eq!((status, b["message"].as_str().unwrap()), (400, "\"body.frameNumber\" is required"));
    let (status, b) = call(
        &app,
        Method::POST,
        &path,
        &owner,
        Some(json!({"type": "thumbnail", "extension": "jpg", "parts": 1, "frameNumber": 2})),
    )
    .await;
    assert_eq!((status, b["message"].as_str().unwrap()), (400, "\"body.frameNumber\" is not allowed"));
    let (status, b) =
        call(&app, Method::POST, &path, &owner, Some(json!({"type": "video", "extension": "mp4", "parts": 1}))).await;
    assert_eq!(
        (status, b["message"].as_str().unwrap()),
        (400, "\"body.type\" must be one of [thumbnail, filmstrip, dream]")
    );
    assert_eq!(s3.open_uploads().await, 0);
}

#[actix_web::test]
async fn completing_with_unknown_uploads_or_bad_parts_changes_nothing() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(|env| s3.configure(env)).await;
    let owner = app.create_user(Role::Creator).await;
    let (_, created) = call(
        &app,
        Method::POST,
        "/api/v1/dream/create-multipart-upload",
        &owner,
        Some(json!({"extension": "mp4", "parts": 2})),
    )
    .await;
    let uuid = created["data"]["dream"]["uuid"].as_str().unwrap().to_string();
    let upload_id = created["data"]["uploadId"].as_str().unwrap().to_string();
    let url = created["data"]["urls"][0].as_str().unwrap();
    let res = reqwest::Client::new().put(url).body(vec![7u8; MIN_PART_SIZE + 1]).send().await.unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let path = format!("/api/v1/dream/{uuid}/complete-multipart-upload");
    let complete = |upload: &str, parts: serde_json::Value| json!({"type": "dream", "extension": "mp4", "uploadId": upload, "parts": parts});

    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        &owner,
        Some(complete("no-such-upload", json!([{"ETag": etag, "PartNumber": 1}]))),
    )
    .await;
    assert_eq!((status, body), (404, json!({"success": false, "message": "Not found."})));
    // Part 2 was never uploaded.
    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        &owner,
        Some(complete(&upload_id, json!([{"ETag": etag, "PartNumber": 1}, {"ETag": "abc", "PartNumber": 2}]))),
    )
    .await;
    assert_eq!((status, body["message"].as_str().unwrap()), (400, "Invalid upload parts."));
    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        &owner,
        Some(complete(&upload_id, json!([{"PartNumber": 1}, {"ETag": etag, "PartNumber": 0}]))),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "\"body.parts[0].ETag\" is required. \"body.parts[1].PartNumber\" must be an integer between 1 and 10000"
    );
    assert_eq!(body["data"][0]["field"], "body, parts, 0, ETag");
    let (status, body) = call(
        &app,
        Method::POST,
        &path,
        &owner,
        Some(complete(&upload_id, json!([{"ETag": etag, "PartNumber": 1}, {"ETag": etag, "PartNumber": 1}]))),
    )
    .await;
    assert_eq!((status, body["message"].as_str().unwrap()), (400, "\"body.parts\" contains a duplicate value"));
    let (status, _) = call(&app, Method::POST, &path, &owner, Some(complete(&upload_id, json!("parts")))).await;
    assert_eq!(status, 400);

    assert_eq!(
        count(&app, "dream", &format!("uuid = '{uuid}' AND status = 'none' AND original_video IS NULL")).await,
        1
    );
    // Refreshing a part URL of the live upload still works, with 201.
    let refresh = format!("/api/v1/dream/{uuid}/refresh-multipart-upload-url");
    let (status, body) = call(
        &app,
        Method::POST,
        &refresh,
        &owner,
        Some(json!({"type": "dream", "extension": "mp4", "uploadId": upload_id, "part": 2})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["data"]["url"].as_str().unwrap().contains("partNumber=2"));
}

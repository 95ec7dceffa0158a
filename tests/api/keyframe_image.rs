//! Keyframe images against a real S3-compatible server: one presigned part, completion
//! with the ETag as the web UI sends it (quotes kept), the read URL, roles and
//! ownership, bad input, and removing the image.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::call;
use crate::helpers::*;
use crate::stubs::S3Server;

async fn app_with_storage(s3: &S3Server) -> TestApp {
    spawn_app_with(|env| s3.configure(env)).await
}

async fn new_keyframe(app: &TestApp, user: &TestUser) -> String {
    let (status, res) = call(app, Method::POST, "/api/v1/keyframe", user, Some(json!({"name": "img"}))).await;
    assert_eq!(status, 201, "{res}");
    res["data"]["keyframe"]["uuid"].as_str().unwrap().to_string()
}

async fn put_part(url: &str, bytes: Vec<u8>) -> String {
    let res = reqwest::Client::new()
        .put(url)
        .header("Content-Type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "part upload: {}", res.status());
    res.headers().get("etag").unwrap().to_str().unwrap().to_string()
}

#[actix_web::test]
async fn keyframe_image_upload_round_trip_serves_the_bytes_through_the_read_url() {
    let s3 = S3Server::start().await;
    let app = app_with_storage(&s3).await;
    let creator = app.create_user(Role::Creator).await;
    let uuid = new_keyframe(&app, &creator).await;

    let path = format!("/api/v1/keyframe/{uuid}/image/init");
    let body = json!({"extension": "PNG", "type": "keyframe", "parts": 3, "uuid": "ignored"});
    let (status, init) = call(&app, Method::POST, &path, &creator, Some(body)).await;
    assert_eq!(status, 201, "{init}");
    let urls = init["data"]["urls"].as_array().unwrap();
    assert_eq!(urls.len(), 1, "exactly one part");
    let url = urls[0].as_str().unwrap();
    assert!(url.contains(&format!("/{}/keyframes/{uuid}/{uuid}.png", creator.uuid)), "{url}");
    assert!(url.contains("X-Amz-SignedHeaders=host"), "{url}");
    assert_eq!(init["data"]["keyframe"]["uuid"], uuid);
    let upload_id = init["data"]["uploadId"].as_str().unwrap().to_string();

    let bytes: Vec<u8> = (0..3000).map(|i| (i % 253) as u8).collect();
    let etag = put_part(url, bytes.clone()).await;
    assert!(etag.starts_with('"'), "the web UI keeps the quotes: {etag}");
    let body = json!({"extension": "png", "uploadId": upload_id, "parts": [{"ETag": etag, "PartNumber": 1}]});
    let path = format!("/api/v1/keyframe/{uuid}/image/complete");
    let (status, done) = call(&app, Method::POST, &path, &creator, Some(body)).await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done, json!({"success": true, "data": {}}));
    assert_eq!(s3.open_uploads().await, 0);

    let (_, got) = call(&app, Method::GET, &format!("/api/v1/keyframe/{uuid}"), &creator, None).await;
    let image = got["data"]["keyframe"]["image"].as_str().expect("image read URL");
    assert!(image.starts_with("http://127.0.0.1:"), "{image}");
    let fetched = reqwest::get(image).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), bytes);

    let (status, res) = call(&app, Method::DELETE, &format!("/api/v1/keyframe/{uuid}/image"), &creator, None).await;
    assert_eq!((status, res), (200, json!({"success": true})));
    let (_, got) = call(&app, Method::GET, &format!("/api/v1/keyframe/{uuid}"), &creator, None).await;
    assert_eq!(got["data"]["keyframe"]["image"], Value::Null);
}

#[actix_web::test]
async fn keyframe_image_needs_a_creator_owner_or_admin_and_uses_the_owner_prefix() {
    let s3 = S3Server::start().await;
    let app = app_with_storage(&s3).await;
    let owner = app.create_user(Role::Creator).await;
    let plain = app.create_user(Role::User).await;
    let other_creator = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = new_keyframe(&app, &owner).await;
    let own_plain = new_keyframe(&app, &plain).await;
    let init = |k: &str| format!("/api/v1/keyframe/{k}/image/init");
    let body = Some(json!({"extension": "jpg"}));

    let (status, res) = call(&app, Method::POST, &init(&own_plain), &plain, body.clone()).await;
    assert_eq!((status, res["message"].as_str()), (403, Some("Action not allowed.")), "creator+ only");
    let (status, _) = call(&app, Method::POST, &init(&uuid), &other_creator, body.clone()).await;
    assert_eq!(status, 403, "owner-or-admin");
    let complete = format!("/api/v1/keyframe/{uuid}/image/complete");
    let parts = json!({"extension": "jpg", "uploadId": "x", "parts": [{"ETag": "e", "PartNumber": 1}]});
    let (status, _) = call(&app, Method::POST, &complete, &other_creator, Some(parts.clone())).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, Method::DELETE, &format!("/api/v1/keyframe/{uuid}/image"), &other_creator, None).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, Method::POST, &init(&uuid::Uuid::new_v4().to_string()), &owner, body.clone()).await;
    assert_eq!(status, 404);

    let (status, res) = call(&app, Method::POST, &init(&uuid), &admin, body).await;
    assert_eq!(status, 201, "{res}");
    let url = res["data"]["urls"][0].as_str().unwrap();
    assert!(url.contains(&format!("/{}/keyframes/{uuid}/{uuid}.jpg", owner.uuid)), "owner prefix: {url}");

    // An upload id storage does not know: 404, and the image stays unset.
    let (status, res) = call(&app, Method::POST, &complete, &owner, Some(parts)).await;
    assert_eq!(status, 404, "{res}");
    let (_, got) = call(&app, Method::GET, &format!("/api/v1/keyframe/{uuid}"), &owner, None).await;
    assert_eq!(got["data"]["keyframe"]["image"], Value::Null);
}

#[actix_web::test]
async fn keyframe_image_bad_input_gets_400() {
    let app = spawn_app().await;
    let creator = app.create_user(Role::Creator).await;
    let uuid = new_keyframe(&app, &creator).await;
    let init = format!("/api/v1/keyframe/{uuid}/image/init");
    let complete = format!("/api/v1/keyframe/{uuid}/image/complete");
    let cases = [
        (init.clone(), json!({}), "\"body.extension\" is required"),
        (init.clone(), json!({"extension": "mp4"}), "\"body.extension\" must be one of ["),
        (init.replace(&uuid, "zzz"), json!({"extension": "png"}), "\"params.uuid\" must be a valid GUID"),
        (complete.clone(), json!({"extension": "png", "uploadId": "u"}), "\"body.parts\" is required"),
        (complete.clone(), json!({"extension": "png", "parts": []}), "\"body.uploadId\" is required"),
        (
            complete.clone(),
            json!({"extension": "png", "uploadId": "u", "parts": "x"}),
            "\"body.parts\" must be an array",
        ),
        (
            complete.clone(),
            json!({"extension": "png", "uploadId": "u", "parts": [{"PartNumber": 1}]}),
            "\"body.parts[0].ETag\" is required",
        ),
    ];
    for (path, body, message) in cases {
        let (status, res) = call(&app, Method::POST, &path, &creator, Some(body.clone())).await;
        assert_eq!(status, 400, "{path} {body}: {res}");
        assert!(res["message"].as_str().unwrap().starts_with(message), "{body}: {res}");
        assert!(res["data"].is_array(), "{res}");
    }
}

//! Uploads against a real S3-compatible server: presigned part URLs, completion,
//! read URLs, abort, form thumbnails, and the processing hand-off.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::*;
use crate::helpers::*;
use crate::stubs::*;

async fn app_with_storage(s3: &S3Server, stub: Option<&ProcessingStub>) -> TestApp {
    spawn_app_with(|env| {
        s3.configure(env);
        env.insert("DIRECT_UPLOAD_MAX_BYTES".into(), "2048".into());
        if let Some(stub) = stub {
            env.insert("PROCESSING_SERVICE_URL".into(), stub.url.clone());
            env.insert("PROCESSING_SERVICE_API_KEY".into(), "proc-secret".into());
        }
    })
    .await
}

/// PUTs `bytes` to a presigned part URL with `content_type`; returns the ETag.
async fn put_part(url: &str, bytes: Vec<u8>, content_type: &str) -> String {
    let res = reqwest::Client::new().put(url).header("Content-Type", content_type).body(bytes).send().await.unwrap();
    assert!(res.status().is_success(), "part upload: {} {}", res.status(), res.text().await.unwrap_or_default());
    res.headers().get("etag").unwrap().to_str().unwrap().to_string()
}

#[actix_web::test]
async fn multipart_upload_round_trip_returns_the_uploaded_bytes_through_the_read_url() {
    let s3 = S3Server::start().await;
    let mut stub = ProcessingStub::start();
    let app = app_with_storage(&s3, Some(&stub)).await;
    let creator = app.create_user(Role::Creator).await;

    let body = json!({"name": "My upload", "extension": "MP4", "parts": 2, "nsfw": false, "uuid_ignored": 1});
    let (status, created) =
        call(&app, Method::POST, "/api/v1/dream/create-multipart-upload", &creator, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let urls = created["data"]["urls"].as_array().unwrap();
    assert_eq!(urls.len(), 2);
    let upload_id = created["data"]["uploadId"].as_str().unwrap().to_string();
    let dream = &created["data"]["dream"];
    let uuid = dream["uuid"].as_str().unwrap().to_string();
    assert_eq!(dream["status"], "none");
    assert_eq!(dream["name"], "My upload");
    assert!(dream.get("video").is_none(), "video key omitted while NULL");
    assert!(dream["user"].get("email").is_none());
    for url in urls {
        let url = url.as_str().unwrap();
        assert!(!url.to_ascii_lowercase().contains("content-type"), "content type bound into {url}");
        assert!(url.contains("X-Amz-SignedHeaders=host"), "only host signed: {url}");
    }

    // The SDK sends the bare extension as Content-Type, the web UI the MIME type.
    let part1: Vec<u8> = (0..MIN_PART_SIZE + 100).map(|i| (i % 251) as u8).collect();
    let part2: Vec<u8> = b"tail of the video".to_vec();
    let etag1 = put_part(urls[0].as_str().unwrap(), part1.clone(), "mp4").await;
    let etag2 = put_part(urls[1].as_str().unwrap(), part2.clone(), "video/mp4").await;

    // Parts out of order, one ETag with its quotes stripped (as the web UI sends them).
    let parts = json!([{"ETag": etag2, "PartNumber": 2}, {"ETag": etag1.trim_matches('"'), "PartNumber": 1}]);
    let body = json!({"type": "dream", "extension": "mp4", "uploadId": upload_id, "parts": parts, "name": "Renamed"});
    let path = format!("/api/v1/dream/{uuid}/complete-multipart-upload");
    let (status, completed) = call(&app, Method::POST, &path, &creator, Some(body)).await;
    assert_eq!(status, 201, "{completed}");
    let dream = &completed["data"]["dream"];
    assert_eq!(dream["status"], "queue");
    assert_eq!(dream["name"], "Renamed");
    let read_url = dream["original_video"].as_str().expect("original_video for a browser-like owner");
    assert!(read_url.starts_with("http://127.0.0.1:"), "{read_url}");
    assert!(read_url.contains(&format!("/{uuid}/{uuid}.mp4")), "{read_url}");

    let fetched = reqwest::get(read_url).await.unwrap();
    assert_eq!(fetched.status(), 200);
    let mut want = part1;
    want.extend_from_slice(&part2);
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), want);

    let call = stub.next_call().await;
    assert_eq!(call.body, json!({"dream_uuid": uuid, "extension": "mp4"}));
    assert_eq!(call.authorization.as_deref(), Some("Api-Key proc-secret"));
    assert_eq!(s3.open_uploads().await, 0);
}

#[actix_web::test]
async fn processed_video_thumbnail_and_filmstrip_uploads_use_the_owner_keys() {
    let s3 = S3Server::start().await;
    let app = app_with_storage(&s3, None).await;
    let owner = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = insert_dream(&app, &owner, "processing", false, false).await;
    for (body, suffix) in [
        (
            json!({"type": "dream", "extension": "mp4", "parts": 1, "processed": true}),
            format!("{uuid}/{uuid}_processed.mp4"),
        ),
        (json!({"type": "thumbnail", "extension": "PNG", "parts": 1}), format!("{uuid}/thumbnails/{uuid}.png")),
        (
            json!({"type": "filmstrip", "extension": "jpg", "parts": 1, "frameNumber": 3}),
            format!("{uuid}/filmstrip/frame-3.jpg"),
        ),
    ] {
        // An admin acting on someone else's dream writes under the owner's prefix.
        let path = format!("/api/v1/dream/{uuid}/create-multipart-upload");
        let (status, created) = call(&app, Method::POST, &path, &admin, Some(body.clone())).await;
        assert_eq!(status, 201, "{created}");
        let url = created["data"]["urls"][0].as_str().unwrap();
        assert!(url.contains(&format!("/{}/{suffix}", owner.uuid)), "{url}");
        let etag = put_part(url, b"image-bytes".to_vec(), "application/octet-stream").await;
        let mut complete = body.clone();
        complete["uploadId"] = created["data"]["uploadId"].clone();
        complete["parts"] = json!([{"ETag": etag, "PartNumber": 1}]);
        let path = format!("/api/v1/dream/{uuid}/complete-multipart-upload");
        let (status, done) = call(&app, Method::POST, &path, &admin, Some(complete)).await;
        assert_eq!(status, 201, "{done}");
    }
    let (_, got) = call(&app, Method::GET, &format!("/api/v1/dream/{uuid}"), &owner, None).await;
    let video = got["data"]["dream"]["video"].as_str().unwrap();
    assert_eq!(reqwest::get(video).await.unwrap().bytes().await.unwrap().as_ref(), b"image-bytes");
    assert!(got["data"]["dream"]["thumbnail"].as_str().unwrap().contains("/thumbnails/"));
}

#[actix_web::test]
async fn thumbnail_form_upload_stores_the_image_or_clears_it() {
    let s3 = S3Server::start().await;
    let app = app_with_storage(&s3, None).await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let uuid = insert_dream(&app, &owner, "processed", false, false).await;
    let path = format!("/api/v1/dream/{uuid}/thumbnail");
    let send = |user: &TestUser, name: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        app.client
            .put(app.url(&path))
            .header("Authorization", format!("Api-Key {}", user.api_key))
            .multipart(form)
            .send()
    };
    let res = send(&owner, "Pic.PNG", b"png-bytes".to_vec()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let url = body["data"]["dream"]["thumbnail"].as_str().unwrap();
    assert!(url.contains(&format!("/{}/{uuid}/{uuid}.png", owner.uuid)), "{url}");
    assert_eq!(reqwest::get(url).await.unwrap().bytes().await.unwrap().as_ref(), b"png-bytes");

    let res = send(&owner, "movie.exe", b"x".to_vec()).await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().starts_with("File type not allowed. Allowed extensions: jpg, jpeg, png"));
    let res = send(&owner, "big.jpg", vec![0; 4096]).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"success": false, "message": "File too large"}));
    let res = send(&other, "pic.png", b"x".to_vec()).await.unwrap();
    assert_eq!(res.status(), 403);

    // No file: the thumbnail is cleared.
    let (status, body) = call(&app, Method::PUT, &path, &owner, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["dream"]["thumbnail"], Value::Null);
}

#[actix_web::test]
async fn abort_cleans_up_the_upload_and_soft_deletes_a_new_dream_but_not_a_replacement() {
    let s3 = S3Server::start().await;
    let app = app_with_storage(&s3, None).await;
    let creator = app.create_user(Role::Creator).await;
    let body = json!({"name": "n", "extension": "mov", "parts": 1});
    let (_, created) = call(&app, Method::POST, "/api/v1/dream/create-multipart-upload", &creator, Some(body)).await;
    let uuid = created["data"]["dream"]["uuid"].as_str().unwrap().to_string();
    let upload_id = created["data"]["uploadId"].as_str().unwrap().to_string();
    assert_eq!(s3.open_uploads().await, 1);
    let path = format!("/api/v1/dream/{uuid}/abort-multipart-upload");
    let (status, body) =
        call(&app, Method::POST, &path, &creator, Some(json!({"extension": "mov", "uploadId": upload_id}))).await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(s3.open_uploads().await, 0, "no dangling multipart upload");
    let (status, _) = call(&app, Method::GET, &format!("/api/v1/dream/{uuid}"), &creator, None).await;
    assert_eq!(status, 404);
    assert_eq!(
        count(&app, "dream", &format!("uuid = '{uuid}' AND status = 'failed' AND deleted_at IS NOT NULL")).await,
        1
    );

    // A replacement upload of a processed dream: only the storage upload goes.
    let done = insert_dream(&app, &creator, "processed", false, false).await;
    let body = json!({"uuid": done.to_string(), "extension": "mp4", "parts": 1});
    let (status, created) =
        call(&app, Method::POST, "/api/v1/dream/create-multipart-upload", &creator, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let upload_id = created["data"]["uploadId"].as_str().unwrap().to_string();
    let path = format!("/api/v1/dream/{done}/abort-multipart-upload");
    let (status, _) =
        call(&app, Method::POST, &path, &creator, Some(json!({"extension": "mp4", "uploadId": upload_id}))).await;
    assert_eq!(status, 200);
    let (status, got) = call(&app, Method::GET, &format!("/api/v1/dream/{done}"), &creator, None).await;
    assert_eq!(status, 200);
    assert_eq!(got["data"]["dream"]["status"], "processed");
}

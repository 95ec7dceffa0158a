//! Dream catalogue: shapes and number formats, visibility, whitelisted updates, the
//! delete cascade, votes under concurrency, pagination and bad input.

use futures_util::future::join_all;
use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::*;
use crate::helpers::*;

/// `GET /api/v1/dream/:uuid` as `user`, the raw body.
async fn dream_text(app: &TestApp, uuid: &uuid::Uuid, user: &TestUser) -> String {
    app.client
        .get(app.url(&format!("/api/v1/dream/{uuid}")))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[actix_web::test]
async fn dream_shape_uses_string_bigints_js_numbers_and_public_users() {
    // Presigning is local computation: storage settings suffice, no server is contacted.
    let app = spawn_app_with(|env| {
        env.insert("S3_ENDPOINT".into(), "http://storage.internal:9000".into());
        env.insert("S3_PUBLIC_ENDPOINT".into(), "https://media.example.com".into());
        env.insert("S3_ACCESS_KEY_ID".into(), "AKIDEXAMPLE".into());
        env.insert("S3_SECRET_ACCESS_KEY".into(), "secret".into());
        env.insert("S3_BUCKET".into(), "dreams".into());
        env.insert("S3_FORCE_PATH_STYLE".into(), "true".into());
        env.insert("READ_URL_TTL_SECS".into(), "600".into());
    })
    .await;
    let owner = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = insert_dream(&app, &owner, "processing", false, false).await;
    let path = format!("/api/v1/dream/{uuid}/status/processed");
    let body = json!({"activityLevel": 1, "processedVideoFPS": 29.97, "processedVideoFrames": 300,
                      "processedVideoSize": 10737418240i64, "filmstrip": [0, 10], "md5": "abc"});
    let (status, res) = call(&app, Method::POST, &path, &admin, Some(body)).await;
    assert_eq!(status, 200, "{res}");

    let raw = dream_text(&app, &uuid, &owner).await;
    assert!(raw.contains("\"activityLevel\":1,"), "integral activityLevel without .0: {raw}");
    let v: Value = serde_json::from_str(&raw).unwrap();
    let d = &v["data"]["dream"];
    assert_eq!(d["processedVideoSize"], "10737418240");
    assert_eq!(d["processedVideoFPS"], "29.97");
    assert_eq!(d["processedVideoFrames"], 300);
    assert_eq!(d["status"], "processed");
    assert_eq!(d["md5"], "abc");
    assert_eq!(d["frontendUrl"], format!("https://alpha.infinidream.ai/dream/{uuid}"));
    let ts = d["created_at"].as_str().unwrap();
    assert!(ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{ts}");
    assert!(d["processed_at"].is_string());
    assert_eq!(d["filmstrip"][1]["frameNumber"], 10);
    assert!(d["filmstrip"][1]["url"]
        .as_str()
        .unwrap()
        .contains(&format!("{}/{uuid}/filmstrip/frame-10.jpg", owner.uuid)));
    assert!(d["video"].as_str().unwrap().contains("k/v.mp4"), "media keys become read URLs");
    let video = d["video"].as_str().unwrap();
    assert!(video.starts_with("https://media.example.com/dreams/k/v.mp4?"), "public endpoint: {video}");
    // Signed for READ_URL_TTL_SECS (600) plus the tenth it may be reused for (60): valid
    // at least 600 s whenever it is served.
    assert!(video.contains("X-Amz-Signature") && video.contains("X-Amz-Expires=660"), "{video}");
    let again: Value = serde_json::from_str(&dream_text(&app, &uuid, &owner).await).unwrap();
    assert_eq!(again["data"]["dream"]["video"].as_str(), Some(video), "a recent read URL is reused");
    assert!(d["user"].get("email").is_none());
    assert_eq!(d["user"]["quota"], "10737418240");
    assert!(d.get("featureRank").is_none(), "featureRank only for admins");
    assert!(d.get("original_video").is_none(), "no browser-like User-Agent");
    assert_eq!(d["playlistItems"], json!([]));
    assert_eq!(d["reports"], json!([]));
    let (_, as_admin) = call(&app, Method::GET, &format!("/api/v1/dream/{uuid}"), &admin, None).await;
    assert_eq!(as_admin["data"]["dream"]["featureRank"], 0);
    assert!(as_admin["data"]["dream"].get("original_video").is_some());
}

#[actix_web::test]
async fn hidden_and_nsfw_dreams_never_leak_to_other_users() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let viewer = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let public = insert_dream(&app, &owner, "processed", false, false).await;
    let hidden = insert_dream(&app, &owner, "processed", true, false).await;
    let nsfw = insert_dream(&app, &owner, "processed", false, true).await;
    insert_dream(&app, &owner, "queue", false, false).await;

    let uuids = |v: &Value| -> Vec<String> {
        v["data"]["dreams"].as_array().unwrap().iter().map(|d| d["uuid"].as_str().unwrap().to_string()).collect()
    };
    let (_, v) = call(&app, Method::GET, "/api/v1/dream", &viewer, None).await;
    assert_eq!(uuids(&v), vec![public.to_string()]);
    assert_eq!(v["data"]["count"], 1);
    assert!(v["data"]["dreams"][0].get("filmstrip").is_none());
    let (_, v) = call(&app, Method::GET, "/api/v1/dream", &owner, None).await;
    assert_eq!(v["data"]["count"], 3);
    let (_, v) = call(&app, Method::GET, "/api/v1/dream?status=queue", &admin, None).await;
    assert_eq!(v["data"]["count"], 1);
    let (_, v) = call(&app, Method::GET, &format!("/api/v1/dream?userUUID={}", viewer.uuid), &admin, None).await;
    assert_eq!(v["data"]["count"], 0);
    let (_, v) = call(&app, Method::GET, "/api/v1/dream/my-dreams", &owner, None).await;
    assert_eq!(v["data"]["count"], 4);

    let (status, _) = call(&app, Method::GET, &format!("/api/v1/dream/{hidden}"), &viewer, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, Method::GET, &format!("/api/v1/dream/{nsfw}"), &viewer, None).await;
    assert_eq!(status, 200, "detail does not check nsfw");
    let (status, _) = call(&app, Method::PUT, &format!("/api/v1/dream/{hidden}/upvote"), &viewer, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, Method::GET, &format!("/api/v1/dream/{hidden}"), &owner, None).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn update_writes_only_the_whitelist_and_admin_fields_for_admins() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let other = app.create_user(Role::Creator).await;
    let admin = app.create_user(Role::Admin).await;
    let uuid = insert_dream(&app, &owner, "processed", false, false).await;
    let path = format!("/api/v1/dream/{uuid}");

    let body = json!({"name": "New", "activityLevel": "0.5", "description": "", "sourceUrl": "https://x.y",
                      "nsfw": "TRUE", "ccbyLicense": true, "featureRank": 9, "displayedOwner": other.id,
                      "upvotes": 1000, "status": "failed", "video": "evil"});
    let (status, v) = call(&app, Method::PUT, &path, &owner, Some(body)).await;
    assert_eq!(status, 200, "{v}");
    let d = &v["data"]["dream"];
    assert_eq!(
        (d["name"].as_str(), d["activityLevel"].as_f64(), d["nsfw"].as_bool()),
        (Some("New"), Some(0.5), Some(true))
    );
    assert_eq!(d["description"], "");
    assert_eq!(d["upvotes"], 0);
    assert_eq!(d["status"], "processed");
    assert_eq!(d["displayedOwner"], Value::Null, "displayedOwner ignored for owners");
    assert_eq!(count(&app, "dream", &format!("uuid = '{uuid}' AND feature_rank = 0 AND video = 'k/v.mp4'")).await, 1);

    let (status, v) = call(&app, Method::PUT, &path, &owner, Some(json!({"hidden": true}))).await;
    assert_eq!((status, v["message"].as_str().unwrap()), (400, "\"body.hidden\" is not allowed"));
    let (status, v) =
        call(&app, Method::PUT, &path, &owner, Some(json!({"startKeyframe": uuid::Uuid::new_v4()}))).await;
    assert_eq!((status, v), (404, json!({"success": false, "message": "Start keyframe not found"})));
    let (status, v) =
        call(&app, Method::PUT, &path, &owner, Some(json!({"activityLevel": "x", "sourceUrl": "nope"}))).await;
    assert_eq!(status, 400);
    assert_eq!(v["data"].as_array().unwrap().len(), 2, "every violation reported: {v}");
    let (status, _) = call(&app, Method::PUT, &path, &other, Some(json!({"name": "x"}))).await;
    assert_eq!(status, 403);

    let (status, v) = call(
        &app,
        Method::PUT,
        &path,
        &admin,
        Some(json!({"featureRank": 5, "hidden": true, "displayedOwner": other.id})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["data"]["dream"]["featureRank"], 5);
    assert_eq!(v["data"]["dream"]["displayedOwner"]["uuid"], other.uuid.to_string());
    let (status, _) = call(&app, Method::PUT, &path, &admin, Some(json!({"displayedOwner": 999999}))).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn delete_soft_deletes_the_dream_its_items_feed_item_and_votes_in_one_go() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let voter = app.create_user(Role::User).await;
    let uuid = insert_dream(&app, &owner, "processed", false, false).await;
    let other = insert_dream(&app, &owner, "processed", false, false).await;
    let client = db(&app).await;
    client
        .batch_execute(&format!(
            "INSERT INTO playlist (user_id, name, updated_at) VALUES ({0}, 'p', now() - interval '1 day'); \
             INSERT INTO playlist_item (playlist_id, type, dream_item_id, sort_order) \
               SELECT p.id, 'dream', d.id, 0 FROM playlist p, dream d WHERE d.uuid = '{uuid}'; \
             INSERT INTO playlist_item (playlist_id, type, dream_item_id, sort_order) \
               SELECT p.id, 'dream', d.id, 1 FROM playlist p, dream d WHERE d.uuid = '{other}'; \
             INSERT INTO feed_item (user_id, type, dream_item_id) SELECT {0}, 'dream', id FROM dream WHERE uuid = '{uuid}';",
            owner.id
        ))
        .await
        .unwrap();
    call(&app, Method::PUT, &format!("/api/v1/dream/{uuid}/upvote"), &voter, None).await;
    let (status, _) = call(&app, Method::DELETE, &format!("/api/v1/dream/{uuid}"), &voter, None).await;
    assert_eq!(status, 403);
    let (status, v) = call(&app, Method::DELETE, &format!("/api/v1/dream/{uuid}"), &owner, None).await;
    assert_eq!((status, v), (200, json!({"success": true})));
    let (status, _) = call(&app, Method::GET, &format!("/api/v1/dream/{uuid}"), &owner, None).await;
    assert_eq!(status, 404);
    assert_eq!(count(&app, "playlist_item", "deleted_at IS NULL").await, 1);
    assert_eq!(count(&app, "playlist_item", "deleted_at IS NULL AND sort_order = 0").await, 1, "renumbered");
    assert_eq!(count(&app, "feed_item", "deleted_at IS NULL").await, 0);
    assert_eq!(count(&app, "vote", "deleted_at IS NULL").await, 0);
    assert_eq!(count(&app, "playlist", "updated_at > now() - interval '1 minute'").await, 1, "bumped");
}

#[actix_web::test]
async fn parallel_votes_keep_the_counters_consistent() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let uuid = insert_dream(&app, &owner, "processed", false, false).await;
    let mut voters = Vec::new();
    for _ in 0..12 {
        voters.push(app.create_user(Role::User).await);
    }
    // Leaked so the vote futures can borrow them for 'static (test only).
    let voters: &'static [TestUser] = Vec::leak(voters);
    let app = &app;
    let vote = |u: &'static TestUser, kind: &'static str| async move {
        call(app, Method::PUT, &format!("/api/v1/dream/{uuid}/{kind}"), u, None).await
    };
    // Everyone upvotes twice at once (repeats must not double count)...
    let results = join_all(voters.iter().chain(voters.iter()).map(|u| vote(u, "upvote"))).await;
    assert!(results.iter().all(|(s, _)| *s == 200));
    // ...then half switch to downvote while the other half unvote, all at once.
    let results =
        join_all(voters.iter().enumerate().map(|(i, u)| vote(u, if i % 2 == 0 { "downvote" } else { "unvote" }))).await;
    assert!(results.iter().all(|(s, _)| *s == 200));
    let (_, v) = call(app, Method::GET, &format!("/api/v1/dream/{uuid}"), &owner, None).await;
    assert_eq!((v["data"]["dream"]["upvotes"].as_i64(), v["data"]["dream"]["downvotes"].as_i64()), (Some(0), Some(6)));
    assert_eq!(count(app, "vote", "deleted_at IS NULL").await, 12, "one row per voter");
    // The response carries the post-update counts.
    let (_, v) = vote(&voters[0], "upvote").await;
    assert_eq!((v["data"]["dream"]["upvotes"].as_i64(), v["data"]["dream"]["downvotes"].as_i64()), (Some(1), Some(5)));
    let (_, v) = call(app, Method::GET, &format!("/api/v1/dream/{uuid}/vote"), &voters[0], None).await;
    assert_eq!(v["data"]["vote"]["vote"], "upvote");
    let (_, v) = call(app, Method::GET, &format!("/api/v1/dream/{uuid}/vote"), &owner, None).await;
    assert_eq!(v["data"]["vote"], Value::Null);
}

#[actix_web::test]
async fn pagination_and_bad_uuids_get_defaults_or_documented_400s() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    for _ in 0..3 {
        insert_dream(&app, &owner, "processed", false, false).await;
    }
    let len = |v: &Value| v["data"]["dreams"].as_array().unwrap().len();
    let (_, v) = call(&app, Method::GET, "/api/v1/dream?take=2&skip=0", &owner, None).await;
    assert_eq!((len(&v), v["data"]["count"].as_i64()), (2, Some(3)));
    let (_, v) = call(&app, Method::GET, "/api/v1/dream?take=-5&skip=-3", &owner, None).await;
    assert_eq!(len(&v), 3);
    let (_, v) = call(&app, Method::GET, "/api/v1/dream?take=99999999999&skip=2", &owner, None).await;
    assert_eq!(len(&v), 1);
    let (_, v) = call(&app, Method::GET, "/api/v1/dream/my-dreams?take=abc&skip=xyz", &owner, None).await;
    assert_eq!(len(&v), 3);
    let (status, v) = call(&app, Method::GET, "/api/v1/dream?take=abc&status=weird", &owner, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        v["message"],
        "\"query.status\" must be one of [none, queue, processing, failed, processed]. \"query.take\" must be a number"
    );
    for path in ["/api/v1/dream/123", "/api/v1/dream/123/vote", "/api/v1/dream/zz/upvote"] {
        let method = if path.ends_with("upvote") { Method::PUT } else { Method::GET };
        let (status, v) = call(&app, method, path, &owner, None).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(v["data"], json!([{"field": "params, uuid", "message": "\"params.uuid\" must be a valid GUID"}]));
    }
    let braced = format!("{{{}}}", uuid::Uuid::new_v4().simple().to_string().to_uppercase());
    let (status, _) = call(&app, Method::GET, &format!("/api/v1/dream/{braced}"), &owner, None).await;
    assert_eq!(status, 404, "accepted spelling, unknown dream");
    let (status, v) = call(&app, Method::PATCH, "/api/v1/dream/my-dreams", &owner, None).await;
    assert_eq!((status, v), (404, json!({"success": false, "message": "Not found."})));
}

#[actix_web::test]
async fn the_current_dream_set_by_a_socket_is_served_in_the_full_dream_shape() {
    let app = crate::helpers::spawn_app().await;
    let user = app.create_user(infinidream_actors::Role::User).await;
    let res = app.get_as("/api/v2/auth/dream/current", &user).await;
    assert_eq!(crate::helpers::json(res).await["data"]["dream"], serde_json::Value::Null);

    let db = crate::fixtures::db(&app).await;
    let dream = crate::fixtures::insert_dream(&db, user.id, Some("Now Playing"), false, "processed").await;
    let (mut ws, _) = crate::rawsock::RawWs::remote_control(app.port, &user.api_key).await;
    ws.send(&format!(
        "42/remote-control,1[\"new_remote_control_event\",{{\"event\":\"playing\",\"uuid\":\"{}\"}}]",
        dream.uuid
    ))
    .await;
    ws.text_until(|f| f.starts_with("43/remote-control,1")).await;

    let body = crate::helpers::json(app.get_as("/api/v2/auth/dream/current", &user).await).await;
    let d = &body["data"]["dream"];
    assert_eq!(d["uuid"], dream.uuid.to_string());
    assert_eq!(d["name"], "Now Playing");
    assert_eq!(d["user"]["uuid"], user.uuid.to_string());
    assert!(d["user"].get("email").is_none(), "nested users never carry an email");
    assert!(d.get("startKeyframe").is_some() && d.get("frontendUrl").is_some(), "{d}");
    let me = crate::helpers::json(app.get_as("/api/v1/user/me", &user).await).await;
    assert_eq!(me["data"]["user"]["currentDream"]["uuid"], dream.uuid.to_string(), "FullUser carries the Dream");
    assert_eq!(me["data"]["user"]["currentDream"]["name"], "Now Playing");

    crate::fixtures::delete_dream(&db, dream.id).await;
    let body = crate::helpers::json(app.get_as("/api/v2/auth/dream/current", &user).await).await;
    assert_eq!(body["data"]["dream"], serde_json::Value::Null, "a deleted current dream reads as null");
    let me = crate::helpers::json(app.get_as("/api/v1/user/me", &user).await).await;
    assert_eq!(me["data"]["user"]["currentDream"], serde_json::Value::Null);
}

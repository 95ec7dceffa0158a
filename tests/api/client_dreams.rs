//! Desktop client API: hello, quota, dislikes and dream metadata (`rest-api.md` §6),
//! checked for the exact JSON kinds the desktop parses (`clients.md` §2.1).

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client_support::*;
use crate::fixtures::{set_current_playlist, set_quota};
use crate::helpers::*;

#[actix_web::test]
async fn client_hello_reports_integers_and_the_current_playlist_uuid() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let db = db(&app).await;
    let (status, body) = get(&app, "/api/v1/client/hello", &user).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["quota"], json!(10_737_418_240i64), "quota is a JSON integer here");
    assert_eq!(body["data"]["currentPlaylistUUID"], "");
    assert_eq!(body["data"]["dislikesCount"], 0);

    let p = playlist(&db, user.id, false, false).await;
    set_current_playlist(&db, user.id, Some(p.id)).await;
    set_quota(&db, user.id, 42).await;
    let d = public_dream(&db, user.id).await;
    downvote(&db, user.id, d.id).await;
    let (_, body) = get(&app, "/api/v1/client/hello", &user).await;
    assert_eq!(body["data"]["quota"].to_string(), "42");
    assert_eq!(body["data"]["currentPlaylistUUID"], p.uuid.to_string());
    assert_eq!(body["data"]["dislikesCount"].to_string(), "1");

    let (status, body) = get(&app, "/api/v1/client/quota", &user).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"success": true, "data": {"quota": 42}}));
}

/// Hellos that arrive while two statements run wait for one shared statement, and every
/// reader still gets its own user's answer (or "not found" for a user that does not
/// exist). A lock on `users` holds the first two statements so that the others
/// deterministically arrive while they run.
#[actix_web::test]
async fn concurrent_hellos_share_one_statement_and_each_gets_its_own_answer() {
    let app = spawn_client_app().await;
    let db = db(&app).await;
    let mut users = Vec::new();
    for quota in [101i64, 102, 103] {
        let user = app.create_user(Role::User).await;
        set_quota(&db, user.id, quota).await;
        users.push((user.id, quota));
    }
    let p = playlist(&db, users[1].0, false, false).await;
    set_current_playlist(&db, users[1].0, Some(p.id)).await;
    let d = public_dream(&db, users[2].0).await;
    downvote(&db, users[2].0, d.id).await;
    let missing = i32::MAX;

    let client = app.state.actors.client.clone();
    let before = client.hello_counts();
    db.batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE").await.unwrap();
    const READS: usize = 40;
    let readers: Vec<_> = (0..READS)
        .map(|i| {
            let id = if i == 17 { missing } else { users[i % 3].0 };
            let client = client.clone();
            actix_web::rt::spawn(async move { (id, client.hello(id).await) })
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while client.hello_counts().reads - before.reads < READS as u64 {
        assert!(std::time::Instant::now() < deadline, "the reads did not all reach the client actor");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Every read has arrived; the first two started statements, which wait on the lock.
    assert_eq!(client.hello_counts().statements - before.statements, 2);
    db.batch_execute("COMMIT").await.unwrap();
    for reader in readers {
        let (id, answer) = reader.await.unwrap();
        if id == missing {
            assert!(matches!(answer, Err(infinidream_actors::DomainError::NotFound)), "{answer:?}");
            continue;
        }
        let hello = answer.unwrap();
        let quota = users.iter().find(|(u, _)| *u == id).unwrap().1;
        assert_eq!(hello.quota, quota, "user {id}");
        assert_eq!(hello.current_playlist, (id == users[1].0).then_some(p.uuid), "user {id}");
        assert_eq!(hello.dislikes_count, i64::from(id == users[2].0), "user {id}");
    }
    let after = client.hello_counts();
    assert_eq!(after.statements - before.statements, 3, "the 38 later reads shared one statement");

    // Over HTTP, and reported in /metrics.
    let (status, body) = get(&app, "/api/v1/client/hello", &app.create_user(Role::User).await).await;
    assert_eq!(status, 200, "{body}");
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let reads = format!("infinidream_client_hello_total{{by=\"read\"}} {}", after.reads + 1);
    assert!(text.contains(&reads), "{reads} not in /metrics");
    app.shutdown().await;
}

#[actix_web::test]
async fn client_dislikes_list_live_downvoted_dreams_on_both_routes() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let db = db(&app).await;
    let kept = public_dream(&db, other.id).await;
    let deleted = public_dream(&db, other.id).await;
    let upvoted = public_dream(&db, other.id).await;
    downvote(&db, user.id, kept.id).await;
    downvote(&db, user.id, deleted.id).await;
    db.execute("INSERT INTO vote (user_id, dream_id, vote) VALUES ($1, $2, 'upvote')", &[&user.id, &upvoted.id])
        .await
        .unwrap();
    db.execute("UPDATE dream SET deleted_at = now() WHERE id = $1", &[&deleted.id]).await.unwrap();
    for path in ["/api/v1/client/user/dislikes", "/api/v1/user/me/dislikes", "/api/v1/user/me/dislikes/"] {
        let (status, body) = get(&app, path, &user).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["data"]["dislikes"], json!([kept.uuid.to_string()]), "{path}");
    }
    let (_, body) = get(&app, "/api/v1/client/user/dislikes", &other).await;
    assert_eq!(body["data"]["dislikes"], json!([]));
}

fn assert_client_dream_kinds(d: &Value) {
    assert_eq!(d["size"], "1000", "size is a string");
    assert_eq!(d["fps"], "29.97", "fps is a string");
    assert_eq!(d["frames"].to_string(), "300");
    assert!(d["timestamp"].is_i64() && d["video_timestamp"].is_i64(), "{d}");
    assert!(!d["timestamp"].to_string().contains('.'));
    assert_eq!(d["md5"], "abc");
    assert_eq!(d["activityLevel"].to_string(), "1");
    assert!(d["upvotes"].is_i64() && d["downvotes"].is_i64());
    assert_eq!(d["status"], "processed");
    assert_eq!(d["nsfw"], false);
    assert_eq!(d["artist"], "Test");
    let thumb = d["thumbnail"].as_str().unwrap();
    assert!(thumb.starts_with("https://media.example.com/dreams/k/t.jpg?"), "thumbnail is a read URL: {thumb}");
    assert!(d["frontendUrl"].as_str().unwrap().ends_with(&format!("/dream/{}", d["uuid"].as_str().unwrap())));
}

#[actix_web::test]
async fn client_dreams_come_back_in_request_order_with_exact_kinds() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let db = db(&app).await;
    let a = public_dream(&db, user.id).await;
    let b = public_dream(&db, user.id).await;
    let unprocessed =
        dream(&db, user.id, DreamSpec { status: "queue", video: None, size: None, ..Default::default() }).await;
    let unknown = uuid::Uuid::new_v4();
    // Request order, unknown and invalid items skipped, any GUID spelling accepted.
    let q = format!("{}, not-a-uuid,{unknown},{},{}", b.uuid, a.uuid.simple(), unprocessed.uuid);
    let (status, body) = get(&app, &format!("/api/v1/client/dream?uuids={}", urlencode(&q)), &user).await;
    assert_eq!(status, 200, "{body}");
    let list = &body["data"]["dreams"];
    assert_eq!(uuids(list), vec![b.uuid.to_string(), a.uuid.to_string(), unprocessed.uuid.to_string()]);
    assert_client_dream_kinds(&list[0]);
    let u = &list[2];
    assert!(u["size"].is_null() && u["video_timestamp"].is_null() && u["status"] == "queue", "{u}");

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/client/dream",
        &user,
        Some(json!({"uuids": [a.uuid.to_string(), b.uuid.to_string(), unknown.to_string()], "extra": {"x": 1}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(uuids(&body["data"]["dreams"]), vec![a.uuid.to_string(), b.uuid.to_string()]);
    assert_client_dream_kinds(&body["data"]["dreams"][1]);
}

#[actix_web::test]
async fn client_dreams_hide_other_users_hidden_and_nsfw_dreams() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let db = db(&app).await;
    let hidden = dream(&db, other.id, DreamSpec { hidden: true, ..Default::default() }).await;
    let nsfw = dream(&db, other.id, DreamSpec { nsfw: true, ..Default::default() }).await;
    let own_hidden = dream(&db, user.id, DreamSpec { hidden: true, ..Default::default() }).await;
    let list = [hidden.uuid, nsfw.uuid, own_hidden.uuid].map(|u| u.to_string());
    let path = format!("/api/v1/client/dream?uuids={}", list.join(","));
    let (_, body) = get(&app, &path, &user).await;
    assert_eq!(uuids(&body["data"]["dreams"]), vec![own_hidden.uuid.to_string()]);
    let (_, body) = call(&app, Method::POST, "/api/v1/client/dream", &user, Some(json!({"uuids": list}))).await;
    assert_eq!(uuids(&body["data"]["dreams"]), vec![own_hidden.uuid.to_string()]);
    // nsfw-enabled users see nsfw dreams, still not hidden ones; admins see everything.
    app.set_nsfw(&user, true).await;
    let (_, body) = get(&app, &path, &user).await;
    assert_eq!(uuids(&body["data"]["dreams"]), vec![nsfw.uuid.to_string(), own_hidden.uuid.to_string()]);
    let (_, body) = get(&app, &path, &admin).await;
    assert_eq!(body["data"]["dreams"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn client_dreams_bad_input_gets_the_validation_envelope() {
    let app = spawn_client_app().await;
    let user = app.create_user(Role::User).await;
    let (status, body) = get(&app, "/api/v1/client/dream", &user).await;
    assert_400(status, &body, "\"query.uuids\" is required");
    assert_eq!(body["data"][0]["field"], "query, uuids");
    let (status, body) = get(&app, "/api/v1/client/dream?uuids=", &user).await;
    assert_400(status, &body, "\"query.uuids\" is not allowed to be empty");
    // Only junk: nothing to look up, still a 200 with an empty list.
    let (status, body) = get(&app, "/api/v1/client/dream?uuids=x,,y", &user).await;
    assert_eq!((status, body["data"]["dreams"].clone()), (200, json!([])));

    let post = |body: Value| call(&app, Method::POST, "/api/v1/client/dream", &user, Some(body));
    let (status, body) = post(json!({})).await;
    assert_400(status, &body, "\"body.uuids\" is required");
    let (status, body) = post(json!({"uuids": "a,b"})).await;
    assert_400(status, &body, "\"body.uuids\" must be an array");
    let (status, body) = post(json!({"uuids": ["nope", 7, uuid::Uuid::new_v4().to_string()]})).await;
    assert_400(status, &body, "\"body.uuids[0]\" must be a valid GUID. \"body.uuids[1]\" must be a string");
    assert_eq!(body["data"][1]["field"], "body, uuids, 1");
    let res = app
        .client
        .post(app.url("/api/v1/client/dream"))
        .header("Authorization", format!("Api-Key {}", user.api_key))
        .header("Content-Type", "application/json")
        .body("{\"uuids\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["message"], "Invalid JSON body.");
    // Unauthenticated calls get the 401 envelope.
    let res = app.client.get(app.url("/api/v1/client/hello")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(json(res).await["success"], false);
    // Wrong method on a client route: the JSON 404.
    let (status, body) = call(&app, Method::DELETE, "/api/v1/client/hello", &user, None).await;
    assert_eq!((status, body["message"].clone()), (404, json!("Not found.")));
}

fn urlencode(s: &str) -> String {
    s.replace(' ', "%20").replace(',', "%2C")
}

//! Parallel edits as the electric-sheep scripts make them (ten concurrent adds and
//! removes, then a reorder), parallel opposite nestings, and the thumbnail form upload
//! against the real local S3 server.

use futures_util::future::join_all;
use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::playlist_support::*;
use crate::stubs::S3Server;

#[actix_web::test]
async fn playlist_ten_parallel_adds_then_a_reorder_end_with_distinct_orders_and_every_item() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let p = playlist(&app, &owner, "sheep").await;
    let mut dreams = Vec::new();
    for _ in 0..10 {
        dreams.push(insert_dream(&app, &owner, "processed", false, false).await.to_string());
    }
    let results = join_all(dreams.iter().map(|d| add(&app, &owner, &p, "dream", d))).await;
    let mut ids = Vec::new();
    for (status, res) in &results {
        assert_eq!(*status, 201, "every parallel add succeeds: {res}");
        ids.push(res["data"]["playlistItem"]["id"].as_i64().unwrap());
    }
    let mut got: Vec<i32> = orders(&app, p.id).await.iter().map(|o| o.1).collect();
    got.sort_unstable();
    assert_eq!(got, (0..10).collect::<Vec<_>>(), "the row lock gives parallel adds distinct orders");

    // Remove three and add three more, all at once, then reorder as a script does.
    let mut more = Vec::new();
    for _ in 0..3 {
        more.push(insert_dream(&app, &owner, "processed", false, false).await.to_string());
    }
    let paths: Vec<String> = ids[..3].iter().map(|id| p.path(&format!("/remove-item/{id}"))).collect();
    let removals = join_all(paths.iter().map(|path| call(&app, Method::DELETE, path, &owner, None)));
    let adds = join_all(more.iter().map(|d| add(&app, &owner, &p, "dream", d)));
    let (removed, added) = futures_util::join!(removals, adds);
    for (status, res) in removed {
        assert_eq!(status, 200, "{res}");
    }
    for (status, res) in added {
        assert_eq!(status, 201, "{res}");
        ids.push(res["data"]["playlistItem"]["id"].as_i64().unwrap());
    }
    let live: Vec<i64> = ids[3..].to_vec();
    let mut current: Vec<i32> = orders(&app, p.id).await.iter().map(|o| o.1).collect();
    current.sort_unstable();
    assert_eq!(current, (0..10).collect::<Vec<_>>(), "renumbering and appends never collide");

    let order: Vec<Value> = live.iter().rev().enumerate().map(|(i, id)| json!({"id": id, "order": i})).collect();
    let (status, res) = call(&app, Method::PUT, &p.path("/order"), &owner, Some(json!({"order": order}))).await;
    assert_eq!(status, 200, "{res}");
    let (_, res) = call(&app, Method::GET, &p.path("/items?take=100"), &owner, None).await;
    let listed: Vec<i64> = res["data"]["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = live.iter().rev().copied().collect();
    assert_eq!(listed, expected, "all items present in the new order");
    let orders: Vec<i64> =
        res["data"]["items"].as_array().unwrap().iter().map(|i| i["order"].as_i64().unwrap()).collect();
    assert_eq!(orders, (0..10).collect::<Vec<i64>>());
}

#[actix_web::test]
async fn playlist_parallel_opposite_nestings_never_form_a_cycle() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    for _ in 0..5 {
        let a = playlist(&app, &owner, "a").await;
        let b = playlist(&app, &owner, "b").await;
        let (ab, ba) =
            futures_util::join!(add(&app, &owner, &a, "playlist", &b.uuid), add(&app, &owner, &b, "playlist", &a.uuid));
        let mut statuses = [ab.0, ba.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 403], "exactly one of A→B and B→A wins");
    }
}

#[actix_web::test]
async fn playlist_thumbnail_upload_stores_under_the_owner_prefix_in_s3_or_clears_it() {
    let s3 = S3Server::start().await;
    let app = spawn_app_with(|env| {
        s3.configure(env);
        env.insert("DIRECT_UPLOAD_MAX_BYTES".into(), "2048".into());
    })
    .await;
    let owner = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let p = playlist(&app, &owner, "art").await;
    let path = p.path("/thumbnail");
    let send = |user: &TestUser, name: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        app.client
            .put(app.url(&path))
            .header("Authorization", format!("Api-Key {}", user.api_key))
            .multipart(form)
            .send()
    };
    let before = age(&app, p.id).await;
    let res = send(&admin, "Cover.PNG", b"png-bytes".to_vec()).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let url = body["data"]["playlist"]["thumbnail"].as_str().unwrap();
    assert!(
        url.contains(&format!("/{}/pl-{}/thumbnail.png", owner.uuid, p.id)),
        "owner's prefix, not the admin's: {url}"
    );
    assert_eq!(reqwest::get(url).await.unwrap().bytes().await.unwrap().as_ref(), b"png-bytes");
    assert_eq!(body["data"]["playlist"]["items"], json!([]));
    assert!(updated_at(&app, p.id).await > before);

    let res = send(&owner, "cover.exe", b"x".to_vec()).await.unwrap();
    assert_eq!(res.status(), 400);
    let msg = json(res).await["message"].as_str().unwrap().to_string();
    assert!(msg.starts_with("File type not allowed. Allowed extensions: "), "{msg}");
    let res = send(&owner, "big.jpg", vec![0; 4096]).await.unwrap();
    assert_eq!(json(res).await, json!({"success": false, "message": "File too large"}));
    assert_eq!(send(&other, "pic.png", b"x".to_vec()).await.unwrap().status(), 403);
    let key: Option<String> =
        db(&app).await.query_one("SELECT thumbnail FROM playlist WHERE id = $1", &[&p.id]).await.unwrap().get(0);
    assert_eq!(key, Some(format!("{}/pl-{}/thumbnail.png", owner.uuid, p.id)), "refused uploads changed nothing");

    let (status, body) = call(&app, Method::PUT, &path, &owner, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["playlist"]["thumbnail"], Value::Null, "no file clears it");
}

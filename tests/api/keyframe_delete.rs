//! Deleting a keyframe (`rest-api.md` §11): one transaction soft-deletes the keyframe
//! and its playlist links, renumbers and bumps the affected playlists, and clears the
//! dreams' start/end references; only the owner or an admin may do it.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::json;

use crate::dream_fixtures::call;
use crate::feed_support::*;
use crate::helpers::*;

#[actix_web::test]
async fn keyframe_delete_cascades_to_links_playlist_order_and_dream_references() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let stranger = app.create_user(Role::User).await;
    let db = db(&app).await;
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let (_, res) = call(&app, Method::POST, "/api/v1/keyframe", &owner, Some(json!({"name": name}))).await;
        let uuid: uuid::Uuid = res["data"]["keyframe"]["uuid"].as_str().unwrap().parse().unwrap();
        ids.push((uuid, keyframe_id(&db, uuid).await));
    }
    let (doomed_uuid, doomed) = ids[0];
    let p1 = plain_playlist(&db, owner.id, "p1", false).await;
    let p2 = plain_playlist(&db, owner.id, "p2", false).await;
    let untouched = plain_playlist(&db, owner.id, "p3", false).await;
    link_keyframe(&db, p1.id, doomed, 0).await;
    link_keyframe(&db, p1.id, ids[1].1, 1).await;
    link_keyframe(&db, p1.id, ids[2].1, 2).await;
    link_keyframe(&db, p2.id, ids[2].1, 0).await;
    link_keyframe(&db, p2.id, doomed, 1).await;
    link_keyframe(&db, untouched.id, ids[1].1, 0).await;
    let dream = feed_dream(&db, owner.id, "d", false, false, 1).await;
    set_keyframes(&db, dream.id, Some(doomed), Some(doomed)).await;
    let other = feed_dream(&db, owner.id, "e", false, false, 1).await;
    set_keyframes(&db, other.id, Some(ids[1].1), Some(doomed)).await;

    let updated = || {
        let db = &db;
        let ids = vec![p1.id, p2.id, untouched.id];
        async move {
            db.query("SELECT updated_at FROM playlist WHERE id = ANY($1) ORDER BY id", &[&ids])
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<_, chrono::DateTime<chrono::Utc>>(0))
                .collect::<Vec<_>>()
        }
    };
    let before = updated().await;
    let path = format!("/api/v1/keyframe/{doomed_uuid}");
    let (status, res) = call(&app, Method::DELETE, &path, &stranger, None).await;
    assert_eq!((status, res["message"].as_str()), (403, Some("Action not allowed.")));
    let (status, res) = call(&app, Method::DELETE, &path, &owner, Some(json!({"ignored": true}))).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res, json!({"success": true}));

    let live = |p: i32| {
        let db = &db;
        async move {
            db.query(
                "SELECT keyframe_id, sort_order FROM playlist_keyframe WHERE playlist_id = $1 AND deleted_at IS NULL \
                 ORDER BY sort_order",
                &[&p],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<_, i32>(0), r.get::<_, i32>(1)))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(live(p1.id).await, vec![(ids[1].1, 0), (ids[2].1, 1)]);
    assert_eq!(live(p2.id).await, vec![(ids[2].1, 0)]);
    let deleted: i64 = db
        .query_one(
            "SELECT count(*) FROM playlist_keyframe WHERE keyframe_id = $1 AND deleted_at IS NOT NULL",
            &[&doomed],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(deleted, 2, "links are soft-deleted, not removed");
    let after = updated().await;
    let bumped: Vec<bool> = before.iter().zip(&after).map(|(b, a)| a > b).collect();
    assert_eq!(bumped, vec![true, true, false], "affected playlists bumped, others untouched");
    let refs: Vec<(Option<i32>, Option<i32>)> = db
        .query(
            "SELECT start_keyframe_id, end_keyframe_id FROM dream WHERE id = ANY($1) ORDER BY id",
            &[&vec![dream.id, other.id]],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(refs, vec![(None, None), (Some(ids[1].1), None)]);

    let (status, _) = call(&app, Method::GET, &path, &owner, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, Method::DELETE, &path, &owner, None).await;
    assert_eq!(status, 404, "already deleted");
    let (_, dream_res) = call(&app, Method::GET, &format!("/api/v1/dream/{}", dream.uuid), &owner, None).await;
    assert_eq!(dream_res["data"]["dream"]["startKeyframe"], serde_json::Value::Null);
}

#[actix_web::test]
async fn keyframe_delete_by_an_admin_is_allowed() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let (_, res) = call(&app, Method::POST, "/api/v1/keyframe", &owner, Some(json!({"name": "k"}))).await;
    let path = format!("/api/v1/keyframe/{}", res["data"]["keyframe"]["uuid"].as_str().unwrap());
    let (status, _) = call(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!(status, 200);
    let (_, list) = call(&app, Method::GET, "/api/v1/keyframe", &owner, None).await;
    assert_eq!(list["data"]["count"], 0);
}

#[actix_web::test]
async fn keyframe_parallel_deletes_leave_every_playlist_numbered_without_gaps() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let db = db(&app).await;
    let p1 = plain_playlist(&db, owner.id, "p1", false).await;
    let p2 = plain_playlist(&db, owner.id, "p2", false).await;
    let mut uuids = Vec::new();
    for i in 0..8 {
        let (_, res) =
            call(&app, Method::POST, "/api/v1/keyframe", &owner, Some(json!({"name": format!("k{i}")}))).await;
        let uuid: uuid::Uuid = res["data"]["keyframe"]["uuid"].as_str().unwrap().parse().unwrap();
        let id = keyframe_id(&db, uuid).await;
        link_keyframe(&db, p1.id, id, i).await;
        link_keyframe(&db, p2.id, id, 7 - i).await;
        uuids.push(uuid);
    }
    let deletes = uuids.iter().step_by(2).map(|u| {
        let path = format!("/api/v1/keyframe/{u}");
        let (app, owner) = (&app, &owner);
        async move { call(app, Method::DELETE, &path, owner, None).await.0 }
    });
    let statuses = futures_util::future::join_all(deletes).await;
    assert_eq!(statuses, vec![200; 4]);
    for p in [p1.id, p2.id] {
        let orders: Vec<i32> = db
            .query(
                "SELECT sort_order FROM playlist_keyframe WHERE playlist_id = $1 AND deleted_at IS NULL ORDER BY sort_order",
                &[&p],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(orders, vec![0, 1, 2, 3], "playlist {p}");
    }
}

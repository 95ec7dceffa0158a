//! `/feed/grouped` (`rest-api.md` §12): virtual playlists built from one page of the
//! feed: a visible playlist with at least four of the page's dreams groups them, three
//! do not, larger candidates go first, ties go to the playlist seen first, and `count`
//! stays the ungrouped total.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::Value;

use crate::dream_fixtures::call;
use crate::feed_support::*;
use crate::helpers::*;

fn dream_names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
}

fn item_names(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i["dreamItem"]["name"].as_str().unwrap().to_string()).collect()
}

#[actix_web::test]
async fn feed_grouped_builds_virtual_playlists_from_visible_playlists_with_four_dreams() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::Creator).await;
    let viewer = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let db = db(&app).await;
    let mut d = Vec::new();
    for i in 1..=9 {
        d.push(feed_dream(&db, owner.id, &format!("d{i}"), false, false, i).await);
    }
    // d1's feed user is a displayed owner (the admin).
    db.execute("UPDATE feed_item SET user_id = $1 WHERE dream_item_id = $2", &[&admin.id, &d[0].id]).await.unwrap();
    let unnamed = db
        .query_one("INSERT INTO playlist (user_id, name) VALUES ($1, NULL) RETURNING id, uuid", &[&owner.id])
        .await
        .unwrap();
    let (a_id, a_uuid): (i32, uuid::Uuid) = (unnamed.get(0), unnamed.get(1));
    let b = plain_playlist(&db, owner.id, "B", false).await;
    let c = plain_playlist(&db, owner.id, "C-hidden", true).await;
    for (order, i) in [7, 5, 3, 1].iter().enumerate() {
        add_dream(&db, a_id, d[i - 1].id, order as i32).await;
    }
    for (order, i) in [2, 4, 6].iter().enumerate() {
        add_dream(&db, b.id, d[i - 1].id, order as i32).await;
    }
    for (order, i) in [2, 4, 6, 8, 9].iter().enumerate() {
        add_dream(&db, c.id, d[i - 1].id, order as i32).await;
    }

    let (status, res) = call(&app, Method::GET, "/api/v1/feed/grouped", &viewer, None).await;
    assert_eq!(status, 200, "{res}");
    let data = &res["data"];
    assert_eq!(data["count"], 9, "the ungrouped total");
    let virtuals = data["virtualPlaylists"].as_array().unwrap();
    assert_eq!(virtuals.len(), 1, "B has only three dreams, C is hidden from the viewer: {virtuals:?}");
    let a = &virtuals[0];
    assert_eq!(a["id"], a_id);
    assert_eq!(a["uuid"], a_uuid.to_string());
    assert_eq!(a["name"], a_uuid.to_string(), "an unnamed playlist is named by its uuid");
    assert_eq!(dream_names(&a["dreams"]), vec!["d1", "d3", "d5", "d7"], "newest first");
    assert_eq!(a["user"]["id"], admin.id, "the feed user of the first collected dream");
    assert_eq!(a["displayedOwner"], a["user"]);
    assert!(a["user"].get("email").is_none());
    assert_eq!(a["dreams"][0]["user"]["id"], admin.id, "each dream carries its feed user");
    assert_eq!(a["dreams"][1]["user"]["id"], owner.id);
    assert_eq!(a["created_at"], a["dreams"][0]["created_at"]);
    assert_eq!(item_names(&data["feedItems"]), vec!["d2", "d4", "d6", "d8", "d9"]);

    // The admin sees C: five dreams, processed first; A then still has its four.
    let (_, res) = call(&app, Method::GET, "/api/v1/feed/grouped", &admin, None).await;
    let virtuals = res["data"]["virtualPlaylists"].as_array().unwrap();
    let ids: Vec<i64> = virtuals.iter().map(|v| v["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![i64::from(c.id), i64::from(a_id)]);
    assert_eq!(dream_names(&virtuals[0]["dreams"]), vec!["d2", "d4", "d6", "d8", "d9"]);
    assert_eq!(res["data"]["feedItems"], serde_json::json!([]));
    assert_eq!(res["data"]["count"], 9);

    // Grouping works on the requested page only.
    let (_, res) = call(&app, Method::GET, "/api/v1/feed/grouped?take=4", &viewer, None).await;
    assert_eq!(res["data"]["virtualPlaylists"], serde_json::json!([]));
    assert_eq!(item_names(&res["data"]["feedItems"]), vec!["d1", "d2", "d3", "d4"]);
    assert_eq!(res["data"]["count"], 9);
}

#[actix_web::test]
async fn feed_grouped_ties_go_to_the_playlist_seen_first_and_dreams_are_used_once() {
    let app = spawn_app().await;
    let owner = app.create_user(Role::User).await;
    let db = db(&app).await;
    let mut d = Vec::new();
    for i in 1..=5 {
        d.push(feed_dream(&db, owner.id, &format!("x{i}"), false, false, i).await);
    }
    let later = plain_playlist(&db, owner.id, "later", false).await;
    let first = plain_playlist(&db, owner.id, "first", false).await;
    // `first`'s items are inserted before `later`'s, so x1 names `first` first.
    for (order, dream) in d[..4].iter().enumerate() {
        add_dream(&db, first.id, dream.id, order as i32).await;
    }
    for (order, dream) in d[..4].iter().enumerate() {
        add_dream(&db, later.id, dream.id, order as i32).await;
    }
    add_dream(&db, later.id, d[4].id, 4).await;
    let (_, res) = call(&app, Method::GET, "/api/v1/feed/grouped?type=dream", &owner, None).await;
    let virtuals = res["data"]["virtualPlaylists"].as_array().unwrap();
    // `later` has five dreams and goes first; `first` is then left with none.
    assert_eq!(virtuals.len(), 1, "{virtuals:?}");
    assert_eq!(virtuals[0]["name"], "later");

    db.execute(
        "UPDATE playlist_item SET deleted_at = now() WHERE playlist_id = $1 AND dream_item_id = $2",
        &[&later.id, &d[4].id],
    )
    .await
    .unwrap();
    let (_, res) = call(&app, Method::GET, "/api/v1/feed/grouped", &owner, None).await;
    let virtuals = res["data"]["virtualPlaylists"].as_array().unwrap();
    assert_eq!(virtuals.len(), 1, "a dream is assigned to one virtual playlist only: {virtuals:?}");
    assert_eq!(virtuals[0]["name"], "first", "equal counts: the playlist seen first wins");
    assert_eq!(item_names(&res["data"]["feedItems"]), vec!["x5"]);
}

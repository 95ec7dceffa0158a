//! `GET /api/v1/user/:uuid`, `GET /api/v1/user` and `GET /api/v1/user/:uuid/votes`:
//! what each caller sees of a user, the verified-user list and the votes listing.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::{json, Value};

use crate::dream_fixtures::{call, db, insert_dream};
use crate::helpers::*;

async fn anonymous(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[actix_web::test]
async fn users_email_and_signup_invite_are_shown_only_to_self_and_admins() {
    let app = spawn_app().await;
    let target = app.create_user(Role::User).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let client = db(&app).await;
    let invite: i32 = client
        .query_one("INSERT INTO invite (code, size, signup_role_id) VALUES ('ABCD', 3, 2) RETURNING id", &[])
        .await
        .unwrap()
        .get(0);
    client.execute("UPDATE users SET signup_invite_id = $1 WHERE id = $2", &[&invite, &target.id]).await.unwrap();
    let path = format!("/api/v1/user/{}", target.uuid);

    for (who, sees) in [(&target, true), (&admin, true), (&other, false)] {
        let (status, body) = call(&app, Method::GET, &path, who, None).await;
        assert_eq!(status, 200, "{body}");
        let user = body["data"]["user"].as_object().unwrap();
        assert_eq!(user["uuid"], json!(target.uuid));
        assert_eq!(user["role"]["name"], "user-group");
        assert_eq!(user["quota"], "10737418240", "quota is a string");
        assert!(user.contains_key("currentDream") && user.contains_key("currentPlaylist"));
        assert_eq!(user.contains_key("email"), sees, "email for {sees}: {body}");
        assert_eq!(user.contains_key("signupInvite"), sees);
        assert!(!user.contains_key("password_hash") && !user.contains_key("last_client_version"));
        if sees {
            assert_eq!(user["email"], json!(target.email));
            assert_eq!(user["signupInvite"]["code"], "ABCD");
        }
    }
}

#[actix_web::test]
async fn users_profile_hides_current_dream_and_playlist_the_caller_cannot_see() {
    let app = spawn_app().await;
    let target = app.create_user(Role::Creator).await;
    let other = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let dream = insert_dream(&app, &target, "processed", true, false).await;
    let client = db(&app).await;
    let playlist: (i32, uuid::Uuid) = {
        let row = client
            .query_one(
                "INSERT INTO playlist (user_id, name, hidden) VALUES ($1, 'mine', true) RETURNING id, uuid",
                &[&target.id],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    client
        .execute(
            "UPDATE users SET current_dream_id = (SELECT id FROM dream WHERE uuid = $1), current_playlist_id = $2 \
             WHERE id = $3",
            &[&dream, &playlist.0, &target.id],
        )
        .await
        .unwrap();
    let path = format!("/api/v1/user/{}", target.uuid);
    let (_, seen_by_other) = call(&app, Method::GET, &path, &other, None).await;
    assert_eq!(seen_by_other["data"]["user"]["currentDream"], Value::Null);
    assert_eq!(seen_by_other["data"]["user"]["currentPlaylist"], Value::Null);
    for who in [&target, &admin] {
        let (_, body) = call(&app, Method::GET, &path, who, None).await;
        let user = &body["data"]["user"];
        assert_eq!(user["currentDream"]["uuid"], json!(dream));
        assert_eq!(user["currentDream"]["user"]["uuid"], json!(target.uuid));
        assert!(user["currentDream"]["user"].get("email").is_none(), "nested users never carry email");
        assert_eq!(user["currentPlaylist"]["uuid"], json!(playlist.1));
        assert_eq!(user["currentPlaylist"]["user"]["uuid"], json!(target.uuid));
        assert!(user["currentPlaylist"].get("displayedOwner").is_some());
    }
    let (_, by_admin) = call(&app, Method::GET, &path, &admin, None).await;
    assert_eq!(by_admin["data"]["user"]["currentPlaylist"]["featureRank"], 0);
    let (_, by_owner) = call(&app, Method::GET, &path, &target, None).await;
    assert!(by_owner["data"]["user"]["currentPlaylist"].get("featureRank").is_none(), "featureRank is admin-only");
}

#[actix_web::test]
async fn users_get_answers_400_404_and_401() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let (status, body) = call(&app, Method::GET, "/api/v1/user/not-a-uuid", &user, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "\"params.uuid\" must be a valid GUID");
    assert_eq!(body["data"][0]["field"], "params, uuid");
    let missing = uuid::Uuid::new_v4();
    let (status, body) = call(&app, Method::GET, &format!("/api/v1/user/{missing}"), &user, None).await;
    assert_eq!((status, body), (404, json!({"success": false, "message": "Not found."})));
    let gone = app.create_user(Role::User).await;
    db(&app).await.execute("UPDATE users SET deleted_at = now() WHERE id = $1", &[&gone.id]).await.unwrap();
    assert_eq!(call(&app, Method::GET, &format!("/api/v1/user/{}", gone.uuid), &user, None).await.0, 404, "deleted");
    // The uuid of another kind of entity names no user.
    let dream = insert_dream(&app, &user, "processed", false, false).await;
    for path in [format!("/api/v1/user/{dream}"), format!("/api/v1/user/{dream}/votes")] {
        assert_eq!(call(&app, Method::GET, &path, &user, None).await.0, 404, "{path}");
    }
    // Non-canonical uuid forms are accepted.
    let braced = format!("/api/v1/user/{{{}}}", user.uuid.to_string().to_uppercase());
    let (status, _) = call(&app, Method::GET, &braced, &user, None).await;
    assert_eq!(status, 200);
    for path in
        [format!("/api/v1/user/{}", user.uuid), "/api/v1/user".into(), format!("/api/v1/user/{}/votes", user.uuid)]
    {
        let (status, body) = anonymous(&app, &path).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["message"], "Invalid credentials provided.");
    }
}

#[actix_web::test]
async fn users_list_shows_verified_users_with_role_filter_search_and_count() {
    let app = spawn_app().await;
    let caller = app.create_user(Role::User).await;
    let creator = app.create_user(Role::Creator).await;
    let hidden = app.create_user(Role::Creator).await;
    let client = db(&app).await;
    client.execute("UPDATE users SET verified = false WHERE id = $1", &[&hidden.id]).await.unwrap();
    client.execute("UPDATE users SET name = 'Zoë 100%_x' WHERE id = $1", &[&creator.id]).await.unwrap();

    let (status, body) = call(&app, Method::GET, "/api/v1/user?take=500", &caller, None).await;
    assert_eq!(status, 200);
    let uuids: Vec<&str> =
        body["data"]["users"].as_array().unwrap().iter().map(|u| u["uuid"].as_str().unwrap()).collect();
    assert_eq!(body["data"]["count"], 2);
    assert!(!uuids.contains(&hidden.uuid.to_string().as_str()), "unverified users are not listed");
    assert_eq!(uuids[0], creator.uuid.to_string(), "newest first");
    assert!(body["data"]["users"][0].get("email").is_none(), "PublicUser only");

    let (_, body) = call(&app, Method::GET, "/api/v1/user?role=creator-group", &caller, None).await;
    assert_eq!(body["data"]["count"], 1);
    assert_eq!(body["data"]["users"][0]["uuid"], json!(creator.uuid));
    let (_, body) = call(&app, Method::GET, "/api/v1/user?search=zo%C3%AB", &caller, None).await;
    assert_eq!(body["data"]["count"], 1, "case-insensitive, Unicode search");
    let (_, body) =
        call(&app, Method::GET, "/api/v1/user?search=%27%3B%20DROP%20TABLE%20users%3B--", &caller, None).await;
    assert_eq!(body["data"]["count"], 0, "SQL-ish search is just text");
    let (_, body) = call(&app, Method::GET, "/api/v1/user?search=&take=1&skip=1", &caller, None).await;
    assert_eq!(body["data"]["count"], 2);
    assert_eq!(body["data"]["users"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn users_list_rejects_bad_queries_with_400() {
    let app = spawn_app().await;
    let caller = app.create_user(Role::User).await;
    let cases = [
        ("role=superuser", "\"query.role\" must be one of [admin-group, user-group, creator-group]"),
        ("take=abc", "\"query.take\" must be a number"),
        ("skip=x", "\"query.skip\" must be a number"),
        ("search=a%00b", "\"query.search\" must not contain null characters"),
    ];
    for (q, message) in cases {
        let (status, body) = call(&app, Method::GET, &format!("/api/v1/user?{q}"), &caller, None).await;
        assert_eq!(status, 400, "{q}: {body}");
        assert_eq!(body["message"], message);
        assert_eq!(body["success"], false);
    }
    let (status, body) = call(&app, Method::GET, "/api/v1/user?take=99999999999", &caller, None).await;
    assert_eq!(status, 200, "huge pages are capped: {body}");
}

async fn vote(app: &TestApp, user: &TestUser, dream: uuid::Uuid, kind: &str) {
    db(app)
        .await
        .execute(
            "INSERT INTO vote (user_id, dream_id, vote) SELECT $1, id, $3::text::vote_type FROM dream WHERE uuid = $2",
            &[&user.id, &dream, &kind],
        )
        .await
        .unwrap();
}

#[actix_web::test]
async fn users_votes_list_only_dreams_listable_for_the_caller() {
    let app = spawn_app().await;
    let voter = app.create_user(Role::User).await;
    let owner = app.create_user(Role::Creator).await;
    let viewer = app.create_user(Role::User).await;
    let admin = app.create_user(Role::Admin).await;
    let public = insert_dream(&app, &owner, "processed", false, false).await;
    let hidden = insert_dream(&app, &owner, "processed", true, false).await;
    let nsfw = insert_dream(&app, &owner, "processed", false, true).await;
    let down = insert_dream(&app, &owner, "processed", false, false).await;
    vote(&app, &voter, public, "upvote").await;
    vote(&app, &voter, hidden, "upvote").await;
    vote(&app, &voter, nsfw, "upvote").await;
    vote(&app, &voter, down, "downvote").await;
    let path = format!("/api/v1/user/{}/votes", voter.uuid);

    let (status, body) = call(&app, Method::GET, &path, &viewer, None).await;
    assert_eq!(status, 200, "{body}");
    let uuids = |b: &Value| -> Vec<String> {
        b["data"]["dreams"].as_array().unwrap().iter().map(|d| d["uuid"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(body["data"]["count"], 2);
    assert_eq!(uuids(&body), vec![down.to_string(), public.to_string()], "newest vote first, hidden/nsfw filtered");
    assert!(body["data"]["dreams"][0]["user"].get("email").is_none());

    let (_, body) = call(&app, Method::GET, &format!("{path}?type=upvote"), &viewer, None).await;
    assert_eq!(uuids(&body), vec![public.to_string()]);
    let (_, body) = call(&app, Method::GET, &path, &admin, None).await;
    assert_eq!(body["data"]["count"], 4, "admins see everything");
    let (_, body) = call(&app, Method::GET, &path, &owner, None).await;
    assert_eq!(body["data"]["count"], 4, "the dreams' owner is privileged");
    app.set_nsfw(&viewer, true).await;
    let (_, body) = call(&app, Method::GET, &path, &viewer, None).await;
    assert_eq!(body["data"]["count"], 3, "nsfw viewers see nsfw dreams, not hidden ones");
    let (_, body) = call(&app, Method::GET, &format!("{path}?take=1&skip=1"), &admin, None).await;
    assert_eq!(body["data"]["dreams"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"]["count"], 4);
}

#[actix_web::test]
async fn users_votes_reject_bad_input_and_unknown_users() {
    let app = spawn_app().await;
    let user = app.create_user(Role::User).await;
    let path = format!("/api/v1/user/{}/votes", user.uuid);
    let (status, body) = call(&app, Method::GET, &format!("{path}?type=love"), &user, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "\"query.type\" must be one of [none, upvote, downvote]");
    let (status, body) = call(&app, Method::GET, &format!("{path}?take=ten"), &user, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["data"][0]["field"], "query, take");
    let (status, _) = call(&app, Method::GET, "/api/v1/user/123/votes", &user, None).await;
    assert_eq!(status, 400);
    let (status, _) =
        call(&app, Method::GET, &format!("/api/v1/user/{}/votes", uuid::Uuid::new_v4()), &user, None).await;
    assert_eq!(status, 404);
    let (status, body) = call(&app, Method::GET, &path, &user, None).await;
    assert_eq!((status, &body["data"]["count"]), (200, &json!(0)));
}

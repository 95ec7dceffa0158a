//! `/api/v1/feature`: public read, admin toggle by name.

use infinidream_actors::Role;
use reqwest::Method;
use serde_json::json;

use crate::dream_fixtures::call;
use crate::helpers::*;

#[actix_web::test]
async fn feature_list_is_public_and_admins_toggle_by_name() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let res = app.client.get(app.url("/api/v1/feature")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let features = body["data"]["features"].as_array().unwrap();
    assert_eq!(features.len(), 1);
    assert_eq!(features[0]["name"], "SIGNUP_WITH_CODE");
    assert_eq!(features[0]["isActive"], false);
    assert!(features[0]["created_at"].as_str().unwrap().ends_with('Z'));

    let body = json!({"name": "SIGNUP_WITH_CODE", "isActive": "true"});
    let (status, res) = call(&app, Method::PUT, "/api/v1/feature", &admin, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["data"]["feature"]["isActive"], true);
    assert_eq!(res["data"]["feature"]["name"], "SIGNUP_WITH_CODE");
    let res = app.client.get(app.url("/api/v1/feature/")).send().await.unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["data"]["features"][0]["isActive"], true);
}

#[actix_web::test]
async fn feature_update_refuses_non_admins_unknown_names_and_bad_bodies() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let user = app.create_user(Role::Creator).await;
    let body = json!({"name": "SIGNUP_WITH_CODE", "isActive": true});
    let (status, res) = call(&app, Method::PUT, "/api/v1/feature", &user, Some(body.clone())).await;
    assert_eq!((status, res), (403, json!({"success": false, "message": "Action not allowed."})));
    let res = app.client.put(app.url("/api/v1/feature")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 401);
    for name in ["NOPE", "' OR 1=1 --", "ÜNICODE🙂"] {
        let (status, res) =
            call(&app, Method::PUT, "/api/v1/feature", &admin, Some(json!({"name": name, "isActive": true}))).await;
        assert_eq!((status, res), (404, json!({"success": false, "message": "Not found."})), "{name}");
    }
    let cases = [
        (json!({}), "\"body.name\" is required. \"body.isActive\" is required"),
        (json!({"name": "SIGNUP_WITH_CODE", "isActive": "yes"}), "\"body.isActive\" must be a boolean"),
        (json!({"name": 1, "isActive": true}), "\"body.name\" must be a string"),
        (
            json!({"name": "x".repeat(501), "isActive": true}),
            "\"body.name\" length must be less than or equal to 500 characters long",
        ),
        (json!({"name": "\u{0}", "isActive": true}), "\"body.name\" must not contain null characters"),
    ];
    for (body, message) in cases {
        let (status, res) = call(&app, Method::PUT, "/api/v1/feature", &admin, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(res["message"], message, "{body}");
    }
    let (_, res) = call(&app, Method::GET, "/api/v1/feature", &admin, None).await;
    assert_eq!(res["data"]["features"][0]["isActive"], false, "nothing changed");
}

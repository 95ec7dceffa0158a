//! The playlist routes are in the OpenAPI document (the document as a whole is validated
//! and checked against the served routes by `openapi.rs`).

use serde_json::Value;

use crate::helpers::*;

const PLAYLIST_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/playlist"),
    ("post", "/api/v1/playlist"),
    ("get", "/api/v1/playlist/{uuid}"),
    ("put", "/api/v1/playlist/{uuid}"),
    ("delete", "/api/v1/playlist/{uuid}"),
    ("get", "/api/v1/playlist/{uuid}/items"),
    ("get", "/api/v1/playlist/{uuid}/keyframes"),
    ("get", "/api/v1/playlist/{uuid}/references"),
    ("put", "/api/v1/playlist/{uuid}/thumbnail"),
    ("put", "/api/v1/playlist/{uuid}/order"),
    ("put", "/api/v1/playlist/{uuid}/add-item"),
    ("delete", "/api/v1/playlist/{uuid}/remove-item/{itemId}"),
    ("post", "/api/v1/playlist/{uuid}/keyframe"),
    ("delete", "/api/v1/playlist/{uuid}/keyframe/{playlistKeyframeId}"),
    ("get", "/api/v1/user/me/playlist"),
    ("get", "/api/v2/auth/playlist/current"),
];

#[actix_web::test]
async fn playlist_routes_and_shapes_are_documented() {
    let app = spawn_app().await;
    let doc: Value =
        app.client.get(app.url("/api/v1/api-docs/openapi.json")).send().await.unwrap().json().await.unwrap();
    for (method, path) in PLAYLIST_ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} not documented");
    }
    let schemas = &doc["components"]["schemas"];
    for name in ["Playlist", "PlaylistItem", "PlaylistKeyframe", "SmallUser", "OrderBody", "AddItemBody"] {
        assert!(schemas[name].is_object(), "schema {name} missing");
    }
    assert!(schemas["Playlist"]["properties"]["totalDreamCount"].is_object());
}

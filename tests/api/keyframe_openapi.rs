//! The keyframe and feed routes are in the OpenAPI document with their schemas (the
//! document as a whole is validated by `openapi::openapi_document_lists_every_route_and_validates`).

use serde_json::Value;

use crate::helpers::*;

const SERVED: &[(&str, &str)] = &[
    ("get", "/api/v1/keyframe"),
    ("post", "/api/v1/keyframe"),
    ("get", "/api/v1/keyframe/{uuid}"),
    ("put", "/api/v1/keyframe/{uuid}"),
    ("delete", "/api/v1/keyframe/{uuid}"),
    ("post", "/api/v1/keyframe/{uuid}/image/init"),
    ("post", "/api/v1/keyframe/{uuid}/image/complete"),
    ("delete", "/api/v1/keyframe/{uuid}/image"),
    ("get", "/api/v1/feed"),
    ("get", "/api/v1/feed/ranked"),
    ("get", "/api/v1/feed/my-dreams"),
    ("get", "/api/v1/feed/grouped"),
];

#[actix_web::test]
async fn keyframe_and_feed_routes_are_documented_with_their_shapes() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/api-docs/openapi.json")).send().await.unwrap();
    let doc: Value = res.json().await.unwrap();
    for (method, path) in SERVED {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} not documented");
    }
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in
        [("Keyframe", "dreamsStartingWith"), ("FeedItem", "dreamItem"), ("GroupedFeedData", "virtualPlaylists")]
    {
        assert!(schemas[schema]["properties"][field].is_object(), "{schema}.{field}");
    }
    assert!(schemas["Dream"].is_object(), "the main document's schemas are kept");
}

//! The OpenAPI document: served, valid (checked with `openapi-spec-validator` from PyPI,
//! installed by `.ci/openapi.sh`), and in step with the routes the server serves.

use infinidream_actors::Role;
use serde_json::Value;

use crate::helpers::*;

/// Every REST route the server serves (method, path). Socket.IO is not REST.
const SERVED: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/api/v1"),
    ("get", "/api/v1/health"),
    ("get", "/metrics"),
    ("get", "/api/v1/user/me"),
    ("get", "/api/v1/auth/user"),
    ("get", "/api/v2/auth/user"),
    ("get", "/api/v2/auth/authenticate"),
    ("post", "/api/v1/client/telemetry"),
    ("get", "/api/v1/client/hello"),
    ("get", "/api/v1/client/quota"),
    ("get", "/api/v1/client/user/dislikes"),
    ("get", "/api/v1/client/dream"),
    ("post", "/api/v1/client/dream"),
    ("get", "/api/v1/client/dream/{uuid}/url"),
    ("get", "/api/v1/client/playlist/default"),
    ("get", "/api/v1/client/playlist/{uuid}"),
    ("get", "/api/v1/user/me/dislikes"),
    ("get", "/api/v1/playlist/default"),
    ("get", "/api/v1/user/roles"),
    ("put", "/api/v1/user/{uuid}/role"),
    ("get", "/api/v1/user/{uuid}/apikey"),
    ("put", "/api/v1/user/{uuid}/apikey"),
    ("delete", "/api/v1/user/{uuid}/apikey"),
    ("post", "/api/v2/auth/magic"),
    ("post", "/api/v2/auth/login"),
    ("post", "/api/v2/auth/refresh"),
    ("get", "/api/v2/auth/logout"),
    ("get", "/api/v2/auth/callback"),
    ("post", "/api/v2/auth/signup"),
    ("post", "/api/v2/auth/create-password-reset"),
    ("post", "/api/v2/auth/reset-password"),
    ("get", "/api/v2/auth/dream/current"),
    ("get", "/api/v2/auth/playlist/current"),
    ("get", "/api/v1/dream"),
    ("get", "/api/v1/dream/my-dreams"),
    ("get", "/api/v1/dream/job"),
    ("post", "/api/v1/dream/create-multipart-upload"),
    ("get", "/api/v1/dream/{uuid}"),
    ("put", "/api/v1/dream/{uuid}"),
    ("delete", "/api/v1/dream/{uuid}"),
    ("get", "/api/v1/dream/{uuid}/vote"),
    ("put", "/api/v1/dream/{uuid}/upvote"),
    ("put", "/api/v1/dream/{uuid}/downvote"),
    ("put", "/api/v1/dream/{uuid}/unvote"),
    ("put", "/api/v1/dream/{uuid}/thumbnail"),
    ("post", "/api/v1/dream/{uuid}/create-multipart-upload"),
    ("post", "/api/v1/dream/{uuid}/refresh-multipart-upload-url"),
    ("post", "/api/v1/dream/{uuid}/complete-multipart-upload"),
    ("post", "/api/v1/dream/{uuid}/abort-multipart-upload"),
    ("post", "/api/v1/dream/{uuid}/process-dream"),
    ("post", "/api/v1/dream/{uuid}/status/processing"),
    ("post", "/api/v1/dream/{uuid}/status/processed"),
    ("post", "/api/v1/dream/{uuid}/status/failed"),
    ("post", "/api/v1/dream/{uuid}/status/progress"),
    ("get", "/api/v1/user"),
    ("get", "/api/v1/user/{uuid}"),
    ("put", "/api/v1/user/{uuid}"),
    ("put", "/api/v1/user/{uuid}/avatar"),
    ("get", "/api/v1/user/{uuid}/votes"),
    ("get", "/api/v1/report/type"),
    ("get", "/api/v1/report"),
    ("post", "/api/v1/report"),
    ("get", "/api/v1/report/{uuid}"),
    ("put", "/api/v1/report/{uuid}"),
    ("delete", "/api/v1/report/{uuid}"),
    ("get", "/api/v1/invite"),
    ("post", "/api/v1/invite"),
    ("put", "/api/v1/invite/{id}/invalidate"),
    ("get", "/api/v1/feature"),
    ("put", "/api/v1/feature"),
];

/// Served routes whose answer to a made-up id, or to a caller without the data (the admin
/// below has no current playlist), is the `Not found.` 404 by design: the probe below
/// cannot tell them from unrouted paths; their own tests cover them.
const NOT_FOUND_BY_DESIGN: &[&str] = &["/api/v1/invite/{id}/invalidate", "/api/v1/user/me/playlist"];

#[actix_web::test]
async fn openapi_document_lists_every_route_and_validates() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin).await;
    let res = app.client.get(app.url("/api/v1/api-docs/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    for (method, path) in SERVED {
        assert!(documented.contains(&(method.to_string(), path.to_string())), "{method} {path} not documented");
    }
    // Every documented operation is routed (a malformed uuid reaches the handler: 400).
    for (method, path) in &documented {
        if NOT_FOUND_BY_DESIGN.contains(&path.as_str()) {
            continue;
        }
        let url = app.url(&path.replace("{uuid}", "not-a-uuid"));
        let req = app
            .client
            .request(method.to_uppercase().parse().unwrap(), url)
            .header("Authorization", format!("Api-Key {}", admin.api_key));
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert!(!(status == 404 && body.contains("Not found.")), "{method} {path} is documented but not served");
    }
    assert!(doc["components"]["schemas"]["Dream"]["properties"]["processedVideoSize"].is_object());

    let file = std::env::temp_dir().join(format!("openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 (run .ci/openapi.sh)");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "openapi-spec-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[actix_web::test]
async fn the_docs_page_and_its_assets_are_served_without_internet() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/api/v1/api-docs")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "no external assets: {html}");
    for asset in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"] {
        let res = app.client.get(app.url(&format!("/api/v1/api-docs/{asset}"))).send().await.unwrap();
        assert_eq!(res.status(), 200, "{asset}");
        let body = res.text().await.unwrap();
        if asset == "swagger-initializer.js" {
            assert!(body.contains("/api/v1/api-docs/openapi.json"), "{body}");
        }
    }
}

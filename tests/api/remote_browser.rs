//! The built-in web remote (`/remote`) in a real browser: headless Debian Chromium driven
//! by playwright-core (`tests/compat/remote_browser.mjs`), two pages of one user served by
//! two server processes sharing one Redis. Screenshots of both pages are kept under
//! `target/ci-artifacts/` (the CI artifact directory; `CI_ARTIFACTS_DIR` overrides it).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::fixtures;
use crate::helpers::*;

#[actix_web::test]
async fn page_served_with_its_own_strict_policy() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/remote")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("/remote/app.js"));
    let js = app.client.get(app.url("/remote/app.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("/remote-control"));
    let missing = app.client.get(app.url("/remote/nope.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(json(missing).await["success"], false);
}

fn add_user(db: &str, email: &str) -> (i32, String) {
    let (code, out, err) = run_cli(db, &["users", "add", "--email", email, "--api-key"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    (v["id"].as_i64().unwrap() as i32, v["apiKey"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn two_pages_on_two_instances_see_each_others_clicks_and_presence() {
    let compat = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/compat"));
    assert!(
        compat.join("node_modules/playwright-core").is_dir(),
        "playwright-core missing: run `bash .ci/compat-deps.sh`"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(PathBuf::from(&chromium).exists(), "{chromium} missing: run `bash .ci/tools.sh`");

    let db = create_database().await;
    let (user_id, key) = add_user(&db, "remote@example.com");
    let (_, other) = add_user(&db, "other@example.com");
    let (pg, conn) = tokio_postgres::connect(&pg_url(&db), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let dream = fixtures::insert_dream(&pg, user_id, Some("Browser Dream"), false, "processed").await;
    fixtures::set_current_dream(&pg, user_id, Some(dream.id)).await;
    let prefix = format!("remote{}:", uuid::Uuid::new_v4().simple());
    let servers: Vec<ChildServer> = (0..2)
        .map(|_| {
            let mut env: HashMap<String, String> = base_env(&db);
            env.insert("REDIS_PREFIX".into(), prefix.clone());
            ChildServer::start(&env, None)
        })
        .collect();
    let artifacts = std::env::var("CI_ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/ci-artifacts")));
    let config = json!({
        "a": servers[0].url(""),
        "b": servers[1].url(""),
        "apiKey": key,
        "otherApiKey": other,
        "dreamName": "Browser Dream",
        "screenshots": artifacts,
    });
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("remote_browser.mjs")
            .arg(config.to_string())
            .current_dir(compat)
            .env("CHROMIUM", chromium)
            .output()
            .expect("node")
    })
    .await
    .unwrap();
    drop(servers);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "browser test failed\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // The page's Like click went through the server's vote path, not just the relay.
    assert_eq!(fixtures::votes(&pg, user_id, dream.id).await, vec!["upvote".to_string()]);
    drop(pg);
    drop_database(db);
    assert!(stdout.contains("all checks passed"), "{stdout}");
    assert!(artifacts.join("remote-page-a.png").is_file(), "screenshot kept");
}

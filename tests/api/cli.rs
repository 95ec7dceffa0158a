//! The operator CLI, run as the real binary.

use crate::helpers::*;
use serde_json::Value;

#[actix_web::test]
async fn users_add_prints_one_json_object_and_the_key_works() {
    let db = create_database().await;
    let (code, out, err) =
        run_cli(&db, &["users", "add", "--email", "a@b.c", "--role", "admin", "--api-key", "--name", "Ada"]);
    assert_eq!(code, 0, "stderr: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one JSON object on stdout: {out}");
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert!(v["id"].is_i64());
    assert_eq!(v["email"], "a@b.c");
    assert_eq!(v["role"], "admin");
    assert!(uuid::Uuid::parse_str(v["uuid"].as_str().unwrap()).is_ok());
    let key = v["apiKey"].as_str().unwrap().to_string();

    let env = base_env(&db);
    let server = ChildServer::start(&env, Some(db.clone()));
    let res = reqwest::Client::new()
        .get(server.url("/api/v1/user/me"))
        .header("Authorization", format!("Api-Key {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["user"]["email"], "a@b.c");
    assert_eq!(body["data"]["user"]["name"], "Ada");
    assert_eq!(body["data"]["user"]["role"]["name"], "admin-group");
}

#[actix_web::test]
async fn users_add_without_api_key_prints_null_and_defaults_to_user_role() {
    let db = create_database().await;
    let (code, out, _) = run_cli(&db, &["users", "add", "--email", "plain@example.com"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["apiKey"], Value::Null);
    assert_eq!(v["role"], "user");
    drop_database(db);
}

#[actix_web::test]
async fn users_add_rejects_duplicates_bad_roles_and_bad_emails() {
    let db = create_database().await;
    assert_eq!(run_cli(&db, &["users", "add", "--email", "dup@example.com"]).0, 0);
    let (code, out, err) = run_cli(&db, &["users", "add", "--email", "DUP@example.com"]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("User already exists."), "{err}");

    let (code, out, err) = run_cli(&db, &["users", "add", "--email", "x@example.com", "--role", "root"]);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("unknown role"), "{err}");

    let (code, _, err) = run_cli(&db, &["users", "add", "--email", "not-an-email"]);
    assert_ne!(code, 0);
    assert!(err.contains("invalid email"), "{err}");
    drop_database(db);
}

#[actix_web::test]
async fn apikeys_add_replaces_the_key_by_uuid_or_email() {
    let db = create_database().await;
    let (_, out, _) = run_cli(&db, &["users", "add", "--email", "k@example.com", "--api-key"]);
    let user: Value = serde_json::from_str(out.trim()).unwrap();
    let (code, out, err) = run_cli(&db, &["apikeys", "add", "--user", user["uuid"].as_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let first: Value = serde_json::from_str(out.trim()).unwrap();
    assert_ne!(first["apiKey"], user["apiKey"]);
    let (code, out, _) = run_cli(&db, &["apikeys", "add", "--user", "k@example.com"]);
    assert_eq!(code, 0);
    let second: Value = serde_json::from_str(out.trim()).unwrap();
    assert_ne!(second["apiKey"], first["apiKey"]);
    let (code, _, err) = run_cli(&db, &["apikeys", "add", "--user", "nobody@example.com"]);
    assert_ne!(code, 0);
    assert!(err.contains("no user"));
    drop_database(db);
}

#[actix_web::test]
async fn migrate_status_lists_applied_and_pending() {
    let admin_db = format!("infini_test_fresh_{}", uuid::Uuid::new_v4().simple());
    let (client, conn) = tokio_postgres::connect(PG_ADMIN_URL, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&format!("CREATE DATABASE {admin_db}")).await.unwrap();

    let (code, out, err) = run_cli(&admin_db, &["migrate", "--status"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["applied"].as_array().unwrap().len(), 0);
    assert!(v["pending"].as_array().unwrap().len() >= 2);

    let (code, out, _) = run_cli(&admin_db, &["migrate"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["applied"].as_array().unwrap().len() >= 2);

    let (_, out, _) = run_cli(&admin_db, &["migrate", "--status"]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["pending"].as_array().unwrap().len(), 0);
    drop_database(admin_db);
}

//! The operator files are exercised for real: the Procfile's commands migrate an empty
//! database and serve; the compose file and HAProxy configuration describe three instances
//! behind a round-robin balancer without affinity, each with an environment the server
//! accepts; the media backup scripts pass their end-to-end run against local S3.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use infinidream_server::config::Settings;

use crate::helpers::{base_env, binary, create_empty_database, drop_database, pg_url};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn check_compose() -> serde_json::Value {
    let out =
        Command::new("python3").arg(format!("{ROOT}/deploy/check-compose.py")).arg(ROOT).output().expect("python3");
    assert!(out.status.success(), "compose check failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("compose check prints JSON")
}

#[test]
fn compose_describes_three_instances_behind_a_balancer_the_server_accepts() {
    let haproxy = Command::new("haproxy")
        .args(["-c", "-f", &format!("{ROOT}/deploy/haproxy.cfg")])
        .output()
        .expect("haproxy (apt-get install haproxy)");
    assert!(haproxy.status.success(), "haproxy -c: {}", String::from_utf8_lossy(&haproxy.stderr));

    let checked = check_compose();
    let apps = checked["apps"].as_object().expect("apps");
    assert!(apps.len() >= 3);
    let mut ids = Vec::new();
    for (name, env) in apps {
        let env: HashMap<String, String> = serde_json::from_value(env.clone()).expect("string env");
        let settings = Settings::from_map(&env).unwrap_or_else(|e| panic!("{name}: the server rejects its env: {e}"));
        assert_eq!(settings.instance_id, env["INSTANCE_ID"]);
        ids.push(settings.instance_id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), apps.len(), "instance ids must differ");
}

/// Runs one Procfile process type through `sh -c`, with the built binary on PATH.
fn procfile_command(kind: &str, env: &HashMap<String, String>) -> Command {
    let checked = check_compose();
    let line = checked["procfile"][kind].as_str().unwrap_or_else(|| panic!("Procfile has no {kind}")).to_string();
    let bin_dir = Path::new(binary()).parent().unwrap().to_string_lossy().into_owned();
    let mut cmd = Command::new("sh");
    // `exec`: the process we later kill is the server itself, not a shell around it.
    cmd.arg("-c")
        .arg(format!("exec {line}"))
        .env_clear()
        .envs(env)
        .env("PATH", format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default()));
    cmd
}

#[tokio::test]
async fn procfile_release_migrates_an_empty_database_and_web_serves_it() {
    let db = create_empty_database().await;
    let mut env = base_env(&db);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    env.insert("PORT".into(), port.to_string());

    let release = procfile_command("release", &env).output().expect("run release");
    assert!(release.status.success(), "release phase failed: {}", String::from_utf8_lossy(&release.stderr));
    let (client, conn) = tokio_postgres::connect(&pg_url(&db), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let roles: i64 = client.query_one("SELECT count(*) FROM role", &[]).await.unwrap().get(0);
    assert!(roles >= 3, "migrations (with seeded roles) applied by the release phase");

    let mut web = procfile_command("web", &env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("web");
    let http = reqwest::Client::new();
    let mut status = None;
    for _ in 0..300 {
        if let Ok(res) = http.get(format!("http://127.0.0.1:{port}/api/v1/health")).send().await {
            status = Some(res.status().as_u16());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = web.kill();
    let _ = web.wait();
    drop(client);
    drop_database(db);
    assert_eq!(status, Some(200), "the web process answers health on $PORT");
}

#[test]
fn media_backup_snapshots_list_and_restore_byte_for_byte() {
    let out = Command::new("bash").arg(format!("{ROOT}/deploy/backup/e2e-test.sh")).output().expect("bash");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "backup e2e failed:\n{log}");
    assert!(log.contains("all checks passed"), "{log}");
}

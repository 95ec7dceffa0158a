//! A short run of the load generator against the real server: proves the instrument
//! still works (no figures are asserted; benchmarks live outside the test suite).

use infinidream_actors::Role;

use crate::helpers::*;

#[actix_web::test]
async fn the_load_generator_connects_relays_and_reports() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("loadgen-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut keys = String::new();
    for _ in 0..5 {
        keys.push_str(&app.create_user(Role::User).await.api_key);
        keys.push('\n');
    }
    std::fs::write(dir.join("keys.txt"), keys).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_infinidream-loadgen"))
        .args(["--target", &format!("127.0.0.1:{}", app.port), "--devices", "2", "--rate", "50", "--duration", "2"])
        .arg("--keys-file")
        .arg(dir.join("keys.txt"))
        .arg("--json")
        .arg(dir.join("out.json"))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    assert_eq!(report["sessions"]["connected"], 10, "{report}");
    assert_eq!(report["sessions"]["connect_errors"], 0);
    assert_eq!(report["relay"]["sent"], 100);
    assert_eq!(report["relay"]["received"], report["relay"]["expected"], "{report}");
    assert!(report["relay"]["latency_us"]["samples"].as_u64().unwrap() > 0);
    let _ = std::fs::remove_dir_all(dir);
}

/// Reconnect mode: the generator's devices come back by themselves after the instance
/// they were on is restarted on the same port, and the report says how many and when.
#[actix_web::test]
async fn the_load_generator_reconnects_after_an_instance_restart() {
    let db = create_database().await;
    let dir = std::env::temp_dir().join(format!("loadgen-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut keys = String::new();
    for i in 0..3 {
        let (code, out, err) = run_cli(&db, &["users", "add", "--email", &format!("re{i}@example.com"), "--api-key"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        keys.push_str(v["apiKey"].as_str().unwrap());
        keys.push('\n');
    }
    std::fs::write(dir.join("keys.txt"), keys).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut env = base_env(&db);
    env.insert("PORT".into(), port.to_string());
    let mut server = ChildServer::start(&env, None);
    let gen = tokio::process::Command::new(env!("CARGO_BIN_EXE_infinidream-loadgen"))
        .args(["--target", &format!("127.0.0.1:{port}"), "--devices", "2", "--reconnect-wait", "30"])
        .args(["--reconnect-delay-ms", "100", "--keys-file"])
        .arg(dir.join("keys.txt"))
        .arg("--json")
        .arg(dir.join("out.json"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let c = &client;
    let sessions = move || async move {
        let body = c.get(server_url(port, "/metrics")).send().await.ok()?.text().await.ok()?;
        body.lines().find_map(|l| l.strip_prefix("infinidream_sessions ")?.parse::<f64>().ok())
    };
    for _ in 0..200 {
        if sessions().await == Some(6.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sessions().await, Some(6.0), "the generator's 6 sessions connected");
    assert!(server.terminate().success());
    let restarted = ChildServer::start(&env, None);
    let out = tokio::time::timeout(std::time::Duration::from_secs(40), gen.wait_with_output()).await.unwrap().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    let r = &report["reconnect"];
    assert_eq!(r["all_back"], true, "{report}");
    assert_eq!(r["drops"], 6, "{report}");
    assert_eq!(r["reconnected"], 6, "{report}");
    assert!(r["seconds_first_drop_to_all_back"].as_f64().unwrap() >= 0.0);
    drop(restarted);
    drop_database(db);
    let _ = std::fs::remove_dir_all(dir);
}

fn server_url(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

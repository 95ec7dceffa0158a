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
    assert_eq!(report["sessions"]["connected"], 10, "{report} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report["sessions"]["connect_errors"], 0, "{report} {}", String::from_utf8_lossy(&out.stderr));
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
    let mut gen = tokio::process::Command::new(env!("CARGO_BIN_EXE_infinidream-loadgen"))
        .args(["--target", &format!("127.0.0.1:{port}"), "--devices", "2", "--reconnect-wait", "30"])
        .args(["--reconnect-delay-ms", "100", "--connect-timeout", "10", "--keys-file"])
        .arg(dir.join("keys.txt"))
        .arg("--json")
        .arg(dir.join("out.json"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The generator reports the end of its connect phase on stderr: every device has had
    // its first `client_presence` (or gave up). Only then is the instance restarted.
    let stderr = gen.stderr.take().unwrap();
    let (line_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    let log = actix_web::rt::spawn(async move {
        use tokio::io::AsyncBufReadExt;
        let mut all = String::new();
        let mut reader = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            let _ = line_tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let (connected, seen) = tokio::time::timeout(std::time::Duration::from_secs(25), async {
        let mut seen = String::new();
        while let Some(line) = lines.recv().await {
            if line.starts_with("connected ") {
                return (line, seen);
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        (String::from("the generator ended before its connect phase did"), seen)
    })
    .await
    .expect("the generator's connect phase ends within 25 s");
    assert!(connected.starts_with("connected 6/6 "), "{connected}\n{seen}");
    assert!(server.terminate().success());
    let restarted = ChildServer::start(&env, None);
    let status = tokio::time::timeout(std::time::Duration::from_secs(40), gen.wait()).await.unwrap().unwrap();
    let stderr = log.await.unwrap();
    assert!(status.success(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    let why = format!("{report}\ngenerator: {stderr}");
    eprintln!("{why}");
    // Every device's first session counts as its initial connect, even when an attempt
    // before it failed; only the sessions the restart ended count as drops and reconnects.
    assert_eq!(report["sessions"]["connected"], 6, "{why}");
    assert_eq!(report["sessions"]["late_connects"], 0, "{why}");
    let r = &report["reconnect"];
    assert_eq!(r["all_back"], true, "{why}");
    assert_eq!(r["drops"], 6, "{why}");
    assert_eq!(r["reconnected"], 6, "{why}");
    assert!(r["seconds_first_drop_to_all_back"].as_f64().unwrap() >= 0.0);
    drop(restarted);
    drop_database(db);
    let _ = std::fs::remove_dir_all(dir);
}

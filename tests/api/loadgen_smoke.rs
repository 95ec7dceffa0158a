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

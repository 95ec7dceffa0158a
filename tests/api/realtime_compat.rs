//! Compatibility suite: the real server driven by real third-party Socket.IO clients —
//! the JS `socket.io-client` 4.8.x (`tests/compat/scenarios.mjs`) and `python-socketio`
//! (`tests/compat/scenarios.py`), installed by `.ci/compat-deps.sh`.
//!
//! Each test starts the server in-process, seeds the rows a scenario needs, runs one or more
//! scenarios as child processes with a JSON config (URL, API keys, uuids) and asserts they
//! exit 0; a failing scenario's output is printed. Database effects are checked here after
//! the scenario (spec: realtime.md §6–§10, clients.md §1.3, §2.2).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use infinidream_actors::{Role, UserId};
use infinidream_server::auth::session;
use serde_json::{json, Value};
use tokio_postgres::Client;

use crate::fixtures::{self, Seeded};
use crate::helpers::*;

const INTERACTIVE_QUOTA: i64 = 1_073_741_824;
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(90);

fn compat_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/compat"))
}

/// Runs `program args…` and panics with its output unless it exits 0 within the timeout.
async fn run_child(label: &str, program: &str, args: &[String]) -> String {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .current_dir(compat_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child =
        cmd.spawn().unwrap_or_else(|e| panic!("{label}: cannot start {program}: {e} (run `bash .ci/compat-deps.sh`)"));
    let out = match tokio::time::timeout(SCENARIO_TIMEOUT, child.wait_with_output()).await {
        Ok(out) => out.expect("wait for scenario"),
        Err(_) => panic!("{label}: scenario did not finish within {SCENARIO_TIMEOUT:?}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        panic!("{label} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}", out.status);
    }
    println!("{label}: ok\n{stdout}");
    stdout
}

/// Runs a scenario of the JS `socket.io-client` runner.
async fn run_js(scenario: &str, config: &Value) -> String {
    let dir = compat_dir();
    assert!(
        dir.join("node_modules/socket.io-client").is_dir(),
        "tests/compat/node_modules is missing: run `bash .ci/compat-deps.sh`"
    );
    let script = dir.join("scenarios.mjs").to_string_lossy().into_owned();
    run_child(&format!("js:{scenario}"), "node", &[script, scenario.to_string(), config.to_string()]).await
}

/// Runs a scenario of the `python-socketio` runner (in `tests/compat/.venv`).
async fn run_py(scenario: &str, config: &Value) -> String {
    let dir = compat_dir();
    let python = dir.join(".venv/bin/python");
    assert!(python.is_file(), "tests/compat/.venv is missing: run `bash .ci/compat-deps.sh`");
    let script = dir.join("scenarios.py").to_string_lossy().into_owned();
    run_child(&format!("py:{scenario}"), &python.to_string_lossy(), &[script, scenario.to_string(), config.to_string()])
        .await
}

/// Everything a scenario may need: two users (A, B), an admin, and A's and B's content.
struct World {
    app: TestApp,
    db: Client,
    a: TestUser,
    b: TestUser,
    admin: TestUser,
    /// A's dream named "Dream One", status `processed`.
    dream1: Seeded,
    /// A's dream named "Dream Two", status `processed`.
    dream2: Seeded,
    /// A's unnamed dream.
    unnamed: Seeded,
    /// A's dream with status `processing` (dream-room hydration).
    processing: Seeded,
    /// B's hidden dream (invisible to A).
    b_hidden: Seeded,
    /// B's visible dream named "B Public".
    b_visible: Seeded,
    /// A's playlist named "Playlist One".
    playlist: Seeded,
    /// B's hidden playlist (invisible to A).
    b_hidden_playlist: Seeded,
    /// A's soft-deleted dream.
    deleted: Seeded,
}

impl World {
    async fn new() -> World {
        let app = spawn_app().await;
        let a = app.create_user(Role::User).await;
        let b = app.create_user(Role::User).await;
        let admin = app.create_user(Role::Admin).await;
        let db = fixtures::db(&app).await;
        let dream1 = fixtures::insert_dream(&db, a.id, Some("Dream One"), false, "processed").await;
        let dream2 = fixtures::insert_dream(&db, a.id, Some("Dream Two"), false, "processed").await;
        let unnamed = fixtures::insert_dream(&db, a.id, None, false, "processed").await;
        let processing = fixtures::insert_dream(&db, a.id, Some("Rendering"), false, "processing").await;
        let b_hidden = fixtures::insert_dream(&db, b.id, Some("B Hidden"), true, "processed").await;
        let b_visible = fixtures::insert_dream(&db, b.id, Some("B Public"), false, "processed").await;
        let playlist = fixtures::insert_playlist(&db, a.id, Some("Playlist One"), false).await;
        let b_hidden_playlist = fixtures::insert_playlist(&db, b.id, Some("B Secret"), true).await;
        let deleted = fixtures::insert_dream(&db, a.id, Some("Gone"), false, "processed").await;
        fixtures::delete_dream(&db, deleted.id).await;
        World {
            app,
            db,
            a,
            b,
            admin,
            dream1,
            dream2,
            unnamed,
            processing,
            b_hidden,
            b_visible,
            playlist,
            b_hidden_playlist,
            deleted,
        }
    }

    /// The JSON config handed to every scenario.
    fn config(&self) -> Value {
        json!({
            "url": format!("http://127.0.0.1:{}", self.app.port),
            "apiKey": self.a.api_key,
            "otherApiKey": self.b.api_key,
            "adminApiKey": self.admin.api_key,
            "dream1": {"uuid": self.dream1.uuid.to_string(), "name": "Dream One"},
            "dream2": {"uuid": self.dream2.uuid.to_string(), "name": "Dream Two"},
            "unnamedDream": {"uuid": self.unnamed.uuid.to_string()},
            "processingDream": {"uuid": self.processing.uuid.to_string(), "status": "IN_PROGRESS"},
            "otherHiddenDream": {"uuid": self.b_hidden.uuid.to_string(), "name": "B Hidden", "status": "COMPLETED"},
            "otherVisibleDream": {"uuid": self.b_visible.uuid.to_string(), "name": "B Public", "status": "COMPLETED"},
            "playlist": {"uuid": self.playlist.uuid.to_string(), "name": "Playlist One"},
            "otherHiddenPlaylist": {"uuid": self.b_hidden_playlist.uuid.to_string(), "name": "B Secret"},
            "deletedDream": {"uuid": self.deleted.uuid.to_string()},
            "interactiveQuota": INTERACTIVE_QUOTA,
        })
    }
}

// ---------------------------------------------------------------------------------------
// socket.io-client (JS)
// ---------------------------------------------------------------------------------------

/// §4 (CONNECT payload `{apiKey}`), §6.1, §10: websocket-only like the web UI; presence
/// counts 1 then 2 with `hasWebPlayer` always present; `web_client_status` flips it.
#[actix_web::test]
async fn js_connect_with_auth_payload_websocket_only() {
    let w = World::new().await;
    run_js("connect_auth_payload", &w.config()).await;
}

/// §4 (handshake header `Authorization: Api-Key …`) over websocket and over polling.
#[actix_web::test]
async fn js_connect_with_api_key_header() {
    let w = World::new().await;
    run_js("connect_header", &w.config()).await;
}

/// §4: session tokens — the desktop's `Cookie: wos-session=…` on the upgrade, `Bearer`, and
/// `{token}` payloads; a revoked session is refused.
#[actix_web::test]
async fn js_connect_with_session_token() {
    let w = World::new().await;
    let user = w.app.state.actors.users.auth_user_by_id(UserId(w.a.id)).await.unwrap().expect("user A");
    let issue = || session::issue(&w.app.state, &user, Some("native macOS".into()), None);
    let token = issue().await.expect("issue session");
    let revoked = issue().await.expect("issue second session");
    session::revoke_by_token(&w.app.state, &revoked).await.expect("revoke");
    let mut cfg = w.config();
    cfg["sessionToken"] = json!(token);
    cfg["revokedSessionToken"] = json!(revoked);
    run_js("session_token", &cfg).await;
}

/// §3.2, §3.5: `/` and `/remote-control` multiplexed on one Engine.IO session; leaving and
/// re-joining a namespace keeps the session.
#[actix_web::test]
async fn js_namespaces_multiplexed_on_one_session() {
    let w = World::new().await;
    run_js("multiplex", &w.config()).await;
}

/// §2.5–§2.6: default transports (polling first, then upgrade) end on websocket and keep
/// working; a polling-only socket relays with a websocket one.
#[actix_web::test]
async fn js_connect_polling_then_upgrade() {
    let w = World::new().await;
    run_js("connect_polling_upgrade", &w.config()).await;
}

/// §7.1, §5: echo to the sender and relay to the user's other device; another user's
/// device receives nothing.
#[actix_web::test]
async fn js_relay_echo_and_isolation() {
    let w = World::new().await;
    run_js("relay_echo", &w.config()).await;
}

/// §7.1.3, §7.1.5: all 34 control values, with their database effects.
#[actix_web::test]
async fn js_every_control_value() {
    let w = World::new().await;
    // Below the interactive quota: play_playlist must raise it to 1 GiB.
    fixtures::set_quota(&w.db, w.a.id, 1000).await;
    let reports_before = fixtures::report_count(&w.db).await;
    run_js("all_controls", &w.config()).await;

    let st = fixtures::user_state(&w.db, w.a.id).await;
    // The scenario ends on `playing` dream1 and `play_playlist` playlist.
    assert_eq!(st.current_dream_id, Some(w.dream1.id), "playing persists the current dream");
    assert_eq!(st.current_playlist_id, Some(w.playlist.id), "play_playlist persists the current playlist");
    assert_eq!(st.quota, INTERACTIVE_QUOTA, "play_playlist fills the quota to 1 GiB");

    // like dream2 (twice: the repeat changes nothing).
    assert_eq!(fixtures::votes(&w.db, w.a.id, w.dream2.id).await, vec!["upvote"]);
    assert_eq!(fixtures::dream_counters(&w.db, w.dream2.id).await, (1, 0));
    // dislike the unnamed dream.
    assert_eq!(fixtures::votes(&w.db, w.a.id, w.unnamed.id).await, vec!["downvote"]);
    assert_eq!(fixtures::dream_counters(&w.db, w.unnamed.id).await, (0, 1));
    // like_current_dream then dislike_current_dream on dream1 (current): one row, switched.
    assert_eq!(fixtures::votes(&w.db, w.a.id, w.dream1.id).await, vec!["downvote"]);
    assert_eq!(fixtures::dream_counters(&w.db, w.dream1.id).await, (0, 1));
    // B's content untouched.
    assert_eq!(fixtures::dream_counters(&w.db, w.b_visible.id).await, (0, 0));

    // report dream2: exactly one Native report by A.
    let reports = fixtures::reports_for(&w.db, w.dream2.id).await;
    assert_eq!(reports.len(), 1, "one report per report event: {reports:?}");
    let r = &reports[0];
    assert_eq!(r.type_id, 7, "socket reports use type 7 (Native)");
    assert_eq!(r.reported_by_id, w.a.id);
    assert_eq!(r.comments.as_deref(), Some("Report generated from native client."));
    assert!(r.reported_at.is_some(), "reportedAt set");
    assert!(!r.processed);
    assert_eq!(fixtures::report_count(&w.db).await, reports_before + 1);

    // reset_playlist clears the current playlist.
    run_js("reset_playlist", &w.config()).await;
    let st = fixtures::user_state(&w.db, w.a.id).await;
    assert_eq!(st.current_playlist_id, None, "reset_playlist clears the current playlist");
    assert_eq!(st.current_dream_id, Some(w.dream1.id), "reset_playlist keeps the current dream");
}

/// §7.1.5: a user whose quota is already above 1 GiB keeps it, and `quota_update` says so.
#[actix_web::test]
async fn js_play_playlist_keeps_a_larger_quota() {
    let w = World::new().await;
    let before = fixtures::user_state(&w.db, w.a.id).await.quota;
    assert!(before > INTERACTIVE_QUOTA, "the default quota is 10 GiB");
    let mut cfg = w.config();
    cfg["expectedQuota"] = json!(before);
    run_js("play_playlist_quota", &cfg).await;
    let st = fixtures::user_state(&w.db, w.a.id).await;
    assert_eq!(st.quota, before);
    assert_eq!(st.current_playlist_id, Some(w.playlist.id));
}

/// §7.1.2, §7.1.5: validation and not-found replies go to the sender only, and leave no
/// database write behind.
#[actix_web::test]
async fn js_validation_and_not_found_replies() {
    let w = World::new().await;
    fixtures::set_quota(&w.db, w.a.id, 1000).await;
    run_js("validation", &w.config()).await;
    let st = fixtures::user_state(&w.db, w.a.id).await;
    assert_eq!(st.current_dream_id, None, "failed lookups persist nothing");
    assert_eq!(st.current_playlist_id, None, "failed playlist lookups persist nothing");
    assert_eq!(st.quota, 1000, "no quota fill on a failed play_playlist");
    assert_eq!(fixtures::vote_count(&w.db).await, 0, "no vote rows");
    assert_eq!(fixtures::report_count(&w.db).await, 0, "no report rows");
}

/// §7.1.5, §7.6: an admin may use and watch another user's hidden content.
#[actix_web::test]
async fn js_admin_sees_hidden_content() {
    let w = World::new().await;
    run_js("admin_visibility", &w.config()).await;
    let st = fixtures::user_state(&w.db, w.admin.id).await;
    assert_eq!(st.current_dream_id, Some(w.b_hidden.id), "admin's playing persisted the hidden dream");
    assert_eq!(st.current_playlist_id, Some(w.b_hidden_playlist.id));
    assert_eq!(fixtures::user_state(&w.db, w.b.id).await.current_dream_id, None, "the owner is untouched");
}

/// §3.1, §7.1.2: relayed values keep their JSON type and use JavaScript number form.
#[actix_web::test]
async fn js_number_and_string_forms() {
    let w = World::new().await;
    run_js("number_forms", &w.config()).await;
}

/// §3.4, §7.8: acks are answered with the event's result.
#[actix_web::test]
async fn js_acks() {
    let w = World::new().await;
    run_js("acks", &w.config()).await;
}

/// §7.1.4: the desktop's automatic `next` (queued before connect) is dropped once;
/// `isWebClientEvent:true` is not.
#[actix_web::test]
async fn js_early_next_rule() {
    let w = World::new().await;
    run_js("early_next", &w.config()).await;
}

/// §7.5, §6.1 step 4: state_sync relayed to the room and replayed to a new socket.
#[actix_web::test]
async fn js_state_sync_and_replay() {
    let w = World::new().await;
    run_js("state_sync", &w.config()).await;
}

/// §7.6, §9: dream rooms are authorised and hydrate the joining socket.
#[actix_web::test]
async fn js_dream_rooms() {
    let w = World::new().await;
    run_js("dream_rooms", &w.config()).await;
}

/// §7.2, §7.3: `ping` and `goodbye` fan out to the other devices and write
/// `last_client_ping_at`.
#[actix_web::test]
async fn js_ping_and_goodbye() {
    let w = World::new().await;
    assert!(fixtures::user_state(&w.db, w.a.id).await.last_client_ping_at.is_none());
    run_js("ping", &w.config()).await;
    let st = fixtures::user_state(&w.db, w.a.id).await;
    let at = st.last_client_ping_at.expect("ping sets last_client_ping_at");
    assert!((chrono::Utc::now() - at).num_seconds().abs() < 60, "last_client_ping_at is now: {at}");
    assert_eq!(st.last_client_version.as_deref(), Some("0.8.1"), "last_client_version = handshake version");
    assert!(fixtures::user_state(&w.db, w.b.id).await.last_client_ping_at.is_none(), "B untouched");

    run_js("goodbye", &w.config()).await;
    let st = fixtures::user_state(&w.db, w.a.id).await;
    assert_eq!(st.last_client_ping_at, None, "goodbye clears last_client_ping_at");
}

/// §3.2, §3.3, §4: bad credentials → `UNAUTHORIZED`; unknown namespace → `Invalid namespace`.
#[actix_web::test]
async fn js_bad_credentials() {
    let w = World::new().await;
    run_js("bad_credentials", &w.config()).await;
}

/// §6.2, §10: a device leaving updates the presence of the remaining ones.
#[actix_web::test]
async fn js_disconnect_updates_presence() {
    let w = World::new().await;
    run_js("disconnect_presence", &w.config()).await;
}

// ---------------------------------------------------------------------------------------
// python-socketio
// ---------------------------------------------------------------------------------------

/// python-socketio: connect with `{apiKey}` (websocket) and with the header (polling then
/// upgrade); presence counts.
#[actix_web::test]
async fn py_connect_and_presence() {
    let w = World::new().await;
    run_py("connect_presence", &w.config()).await;
}

/// python-socketio: echo to the sender, relay to the other device, isolation.
#[actix_web::test]
async fn py_relay_echo_and_isolation() {
    let w = World::new().await;
    run_py("relay_echo", &w.config()).await;
}

/// python-socketio: `Validation error` and `Error` replies; Python floats (`240.0`) are
/// relayed as integers.
#[actix_web::test]
async fn py_validation_and_number_forms() {
    let w = World::new().await;
    run_py("validation", &w.config()).await;
}

/// python-socketio: bad credentials are refused with `UNAUTHORIZED`.
#[actix_web::test]
async fn py_bad_credentials() {
    let w = World::new().await;
    run_py("bad_credentials", &w.config()).await;
}

//! Test harness: every test gets the real server, its own PostgreSQL database and its
//! own Redis key prefix.
//!
//! Databases are created from a migrated template (`infini_tmpl_<hash of migrations>`),
//! made once per machine under an advisory lock, so a test pays for a file copy instead
//! of running migrations. Each test database is dropped (`WITH (FORCE)`) when its
//! `TestApp` or `ChildServer` is dropped.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use infinidream_actors::domain::users::NewUser;
use infinidream_actors::{Role, UserId};
use infinidream_server::config::Settings;
use infinidream_server::startup::{Application, ShutdownHandle};
use infinidream_server::state::AppState;
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

pub fn pg_url(db: &str) -> String {
    format!("postgres://postgres@127.0.0.1:5432/{db}")
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// Name of the migrated template for the current migrations.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    let mut entries: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        hasher.update(p.file_name().unwrap().to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&p).expect("read migration"));
    }
    format!("infini_tmpl_{}", &hex::encode(hasher.finalize())[..16])
}

async fn admin_client() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(PG_ADMIN_URL, NoTls).await.expect("connect to postgres");
    tokio::spawn(conn);
    client
}

/// Creates a fresh, migrated database and returns its name.
pub async fn create_database() -> String {
    let template = template_name();
    let admin = admin_client().await;
    admin.execute("SELECT pg_advisory_lock(4242)", &[]).await.unwrap();
    let exists = admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template]).await.unwrap().is_some();
    if !exists {
        let building = format!("{template}_building");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).await.unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {building}")).await.unwrap();
        infinidream_server::migrate::run(&pg_url(&building)).await.expect("migrate template");
        admin.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}")).await.unwrap();
    }
    admin.execute("SELECT pg_advisory_unlock(4242)", &[]).await.unwrap();
    let name = unique("infini_test");
    admin.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await.unwrap();
    name
}

/// Creates an empty database (no migrations applied) and returns its name.
pub async fn create_empty_database() -> String {
    let name = unique("infini_empty");
    admin_client().await.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    name
}

/// Drops a test database from a plain thread (usable from `Drop`).
pub fn drop_database(name: String) {
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let admin = admin_client().await;
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        });
    })
    .join();
}

/// The environment a test server runs with.
pub fn base_env(db: &str) -> HashMap<String, String> {
    let mut env = HashMap::new();
    env.insert("DATABASE_URL".into(), pg_url(db));
    env.insert("REDIS_URL".into(), REDIS_URL.into());
    env.insert("REDIS_PREFIX".into(), format!("{}:", unique("t")));
    env.insert("HOST".into(), "127.0.0.1".into());
    env.insert("PORT".into(), "0".into());
    env.insert("WORKERS".into(), "1".into());
    env.insert("APP_ENV".into(), "test".into());
    // Shared by every test server so instances verify each other's session tokens.
    env.insert("SESSION_SECRET".into(), "test-session-secret-shared-by-all-test-servers".into());
    env.insert("FRONTEND_URL".into(), "https://alpha.infinidream.ai".into());
    env.insert("DATABASE_POOL_SIZE".into(), "4".into());
    env.insert("REDIS_POOL_SIZE".into(), "2".into());
    env
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db_name: String,
    pub state: AppState,
    pub client: reqwest::Client,
    shutdown: ShutdownHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop_database(self.db_name.clone());
    }
}

/// Starts the real `Application` in this test's actix system.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like `spawn_app`, with a hook to change the environment first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    let db_name = create_database().await;
    let mut env = base_env(&db_name);
    configure(&mut env);
    let settings = Settings::from_map(&env).expect("settings");
    let app = Application::build(settings).await.expect("build app");
    let port = app.port();
    let state = app.state().clone();
    let shutdown = app.handle();
    actix_web::rt::spawn(app.run_until_stopped(false));
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db_name,
        state,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        shutdown,
    }
}

pub struct TestUser {
    pub id: i32,
    pub uuid: uuid::Uuid,
    pub email: String,
    pub api_key: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sets the user's nsfw preference the way a user does (`PUT /api/v1/user/:uuid`), so
    /// the next request with their key sees it (the instance's key cache is invalidated
    /// by the write).
    pub async fn set_nsfw(&self, user: &TestUser, nsfw: bool) {
        let res = self
            .client
            .put(self.url(&format!("/api/v1/user/{}", user.uuid)))
            .header("Authorization", format!("Api-Key {}", user.api_key))
            .json(&serde_json::json!({ "nsfw": nsfw }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    }

    /// Creates a user with an API key through the users domain.
    pub async fn create_user(&self, role: Role) -> TestUser {
        let email = format!("{}@example.com", unique("user"));
        let users = &self.state.actors.users;
        let created = users
            .create(NewUser {
                email: email.clone(),
                name: Some("Test".into()),
                last_name: None,
                role,
                password_hash: None,
                verified: true,
            })
            .await
            .unwrap();
        let api_key = users.create_api_key(UserId(created.id)).await.unwrap();
        TestUser { id: created.id, uuid: created.uuid, email, api_key }
    }

    pub async fn get_as(&self, path: &str, user: &TestUser) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("Authorization", format!("Api-Key {}", user.api_key))
            .send()
            .await
            .unwrap()
    }

    pub async fn shutdown(&self) {
        self.shutdown.shutdown().await;
    }
}

/// Reads the JSON body of a response.
pub async fn json(res: reqwest::Response) -> serde_json::Value {
    res.json().await.expect("JSON body")
}

/// The compiled `infinidream` binary run as a child process (multi-instance tests,
/// signals, the CLI).
pub struct ChildServer {
    pub child: Child,
    pub port: u16,
    pub db_name: Option<String>,
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_infinidream")
}

impl ChildServer {
    /// Starts `infinidream serve` with `env` and waits until it logs its bound address.
    pub fn start(env: &HashMap<String, String>, db_name: Option<String>) -> ChildServer {
        let mut child = Command::new(binary())
            .arg("serve")
            .env_clear()
            .envs(env)
            .env("LOG_FORMAT", "json")
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn server binary");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent {
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                        if v["message"] == "listening" {
                            let addr = v["addr"].as_str().unwrap_or_default().to_string();
                            let _ = tx.send(addr);
                            sent = true;
                        }
                    }
                }
                if std::env::var("TEST_SERVER_LOGS").is_ok() {
                    eprintln!("[server] {line}");
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(30)).expect("server did not report its address");
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        ChildServer { child, port, db_name }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// Sends SIGTERM and waits for the exit status (bounded).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("server did not exit within 15 s of SIGTERM");
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(db) = self.db_name.take() {
            drop_database(db);
        }
    }
}

/// Runs the CLI with `args` against `db`, returning (exit code, stdout, stderr).
pub fn run_cli(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary())
        .args(args)
        .env_clear()
        .env("DATABASE_URL", pg_url(db))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run cli");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

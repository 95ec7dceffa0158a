//! Real processes and clients for the fault, isolation and rolling-restart tests:
//!
//! * [`OwnPostgres`]: a dedicated PostgreSQL cluster (`initdb` into a temp dir, trust auth,
//!   fsync off) on a free port, which a test may stop and restart. The shared server on
//!   :5432 is never touched. Each run sits under a `sh` guard that stops it when our end
//!   of its stdin closes, so it cannot outlive a panicking or killed test process.
//! * [`Blackhole`]: a TCP listener that accepts connections and never answers (a hung
//!   dependency), counting the connections it accepted.
//! * [`Device`]: a `/remote-control` websocket client whose reader task answers Engine.IO
//!   pings (tests here run longer than the 45 s ping time-out allows for a silent client)
//!   and hands every other frame to the test with its arrival time. `connect` returns once
//!   the socket has joined its user's room (its first `client_presence`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::binary;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits (bounded) until something accepts TCP connections on `port`.
pub fn wait_for_port(port: u16, up: bool) {
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() == up {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("port {port} did not become {}", if up { "reachable" } else { "closed" });
}

fn pg_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL binaries under /usr/lib/postgresql")
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .collect();
    dirs.sort();
    dirs.pop().expect("a PostgreSQL version").join(name)
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

/// `initdb` and `postgres` refuse to run as root: drop to the `postgres` user then.
fn as_pg_user(bin: PathBuf) -> Vec<String> {
    let mut argv = Vec::new();
    if running_as_root() {
        argv.extend(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"].map(String::from));
    }
    argv.push(bin.to_string_lossy().into_owned());
    argv
}

pub struct OwnPostgres {
    pub port: u16,
    dir: PathBuf,
    guard: Option<(Child, ChildStdin)>,
}

impl OwnPostgres {
    /// Creates a cluster and starts it; database `infini` exists when this returns.
    pub fn start() -> OwnPostgres {
        let dir = std::env::temp_dir().join(format!("faults-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("sock")).unwrap();
        if running_as_root() {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().unwrap();
            assert!(status.success(), "chown the PostgreSQL temp dir");
        }
        let mut argv = as_pg_user(pg_bin("initdb"));
        argv.extend(["-D".into(), dir.join("data").to_string_lossy().into_owned()]);
        argv.extend(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"].map(String::from));
        let out = Command::new(&argv[0]).args(&argv[1..]).output().expect("run initdb");
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let mut pg = OwnPostgres { port: free_port(), dir, guard: None };
        pg.resume();
        let url = pg.url("postgres");
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async move {
                // Accepting TCP is not accepting queries ("the database system is starting up").
                for _ in 0..300 {
                    if let Ok((client, conn)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
                        tokio::spawn(conn);
                        client.batch_execute("CREATE DATABASE infini").await.unwrap();
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                panic!("the test's PostgreSQL never accepted connections");
            })
        })
        .join()
        .unwrap();
        pg
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// (Re)starts the server on the same port and data directory; returns once it accepts
    /// TCP connections.
    pub fn resume(&mut self) {
        assert!(self.guard.is_none(), "already running");
        let mut argv = as_pg_user(pg_bin("postgres"));
        argv.extend(["-D".into(), self.dir.join("data").to_string_lossy().into_owned()]);
        argv.extend(["-p".into(), self.port.to_string(), "-k".into(), self.dir.join("sock").to_string_lossy().into()]);
        argv.extend(["-F", "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=40"].map(String::from));
        let quoted: Vec<String> = argv.iter().map(|a| format!("'{a}'")).collect();
        // Fast shutdown (SIGINT) when stdin closes: every client connection is cut.
        let script = format!("{} >/dev/null 2>&1 & pid=$!; read _; kill -INT $pid; wait $pid", quoted.join(" "));
        let mut child = Command::new("sh").arg("-c").arg(script).stdin(Stdio::piped()).spawn().expect("start postgres");
        let stdin = child.stdin.take().unwrap();
        self.guard = Some((child, stdin));
        wait_for_port(self.port, true);
    }

    /// Stops the server (fast shutdown) and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some((mut child, mut stdin)) = self.guard.take() {
            let _ = stdin.write_all(b"\n");
            drop(stdin);
            let _ = child.wait();
        }
    }
}

impl OwnPostgres {
    /// The postmaster and its children (backends, background workers), by pid.
    fn processes(&self) -> Vec<String> {
        let Ok(pidfile) = std::fs::read_to_string(self.dir.join("data/postmaster.pid")) else { return Vec::new() };
        let postmaster = pidfile.lines().next().unwrap().trim().to_string();
        let mut pids = vec![postmaster.clone()];
        for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // `pid (comm) state ppid …`; comm may contain spaces, so split after the `)`.
            let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
            if after.split_whitespace().nth(1) == Some(postmaster.as_str()) {
                pids.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        pids
    }

    fn signal_all(&self, signal: &str) {
        for pid in self.processes() {
            let _ = Command::new("kill").args([signal, &pid]).status();
        }
    }

    /// Freezes every PostgreSQL process (SIGSTOP): sockets stay open, nothing answers —
    /// a hung or partitioned database.
    pub fn freeze(&self) {
        self.signal_all("-STOP");
    }

    /// Lets a frozen server run again (SIGCONT).
    pub fn thaw(&self) {
        self.signal_all("-CONT");
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.thaw();
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs the CLI against `database_url`; returns the JSON it printed.
pub fn cli_json(database_url: &str, args: &[&str]) -> Value {
    let out = Command::new(binary())
        .args(args)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("run cli");
    assert!(out.status.success(), "cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("cli JSON")
}

/// Creates a user with an API key through the CLI: (id, api key).
pub fn cli_user(database_url: &str, email: &str) -> (i32, String) {
    let v = cli_json(database_url, &["users", "add", "--email", email, "--api-key"]);
    (v["id"].as_i64().unwrap() as i32, v["apiKey"].as_str().unwrap().to_string())
}

/// Accepts connections and never answers; `accepted` counts them.
pub struct Blackhole {
    pub port: u16,
    pub accepted: Arc<AtomicUsize>,
}

impl Blackhole {
    pub fn start() -> Blackhole {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().map_while(Result::ok) {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(conn);
            }
        });
        Blackhole { port, accepted }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// What a device's reader task saw.
#[derive(Debug, Clone)]
pub enum Seen {
    Text(String, Instant),
    /// Close frame code (None: ended without one), and when.
    Closed(Option<u16>, Instant),
}

/// A connected `/remote-control` socket (websocket transport, API key in CONNECT).
pub struct Device {
    out: mpsc::UnboundedSender<Message>,
    pub inbox: mpsc::UnboundedReceiver<Seen>,
    pub connected_at: Instant,
}

#[derive(Debug)]
pub enum ConnectError {
    /// Refused before the websocket opened (e.g. 503 while draining, connection refused).
    Refused(String),
    /// The session opened but the namespace CONNECT failed.
    Rejected(String),
}

impl Device {
    pub async fn connect(port: u16, api_key: &str) -> Result<Device, ConnectError> {
        let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
        let (ws, _) = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(url.as_str()))
            .await
            .map_err(|_| ConnectError::Refused("handshake timed out".into()))?
            .map_err(|e| ConnectError::Refused(e.to_string()))?;
        let (mut sink, mut stream) = ws.split();
        let mut next_text = async || -> Result<String, ConnectError> {
            loop {
                match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => return Ok(t.to_string()),
                    Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                    other => return Err(ConnectError::Rejected(format!("{other:?}"))),
                }
            }
        };
        let open = next_text().await?;
        if !open.starts_with('0') {
            return Err(ConnectError::Rejected(open));
        }
        let connect = format!("40/remote-control,{{\"apiKey\":\"{api_key}\"}}");
        sink.send(Message::Text(connect.into())).await.map_err(|e| ConnectError::Rejected(e.to_string()))?;
        let ack = next_text().await?;
        if !ack.starts_with("40/remote-control,") {
            return Err(ConnectError::Rejected(ack));
        }
        // The CONNECT ack precedes the room join; the first `client_presence` follows it.
        // Only from then on does the socket receive its user's events.
        loop {
            let frame = next_text().await?;
            if frame.starts_with("42/remote-control,[\"client_presence\"") {
                break;
            }
        }
        let connected_at = Instant::now();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let (in_tx, inbox) = mpsc::unbounded_channel();
        actix_web::rt::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                let close = matches!(msg, Message::Close(_));
                if sink.send(msg).await.is_err() || close {
                    break;
                }
            }
        });
        let pong = out.clone();
        actix_web::rt::spawn(async move {
            loop {
                let seen = match stream.next().await {
                    Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                        let _ = pong.send(Message::Text("3".into()));
                        continue;
                    }
                    Some(Ok(Message::Text(t))) => Seen::Text(t.to_string(), Instant::now()),
                    Some(Ok(Message::Close(c))) => Seen::Closed(c.map(|c| u16::from(c.code)), Instant::now()),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => Seen::Closed(None, Instant::now()),
                };
                let closed = matches!(seen, Seen::Closed(..));
                if in_tx.send(seen).is_err() || closed {
                    break;
                }
            }
        });
        Ok(Device { out, inbox, connected_at })
    }

    pub fn send(&self, text: &str) {
        let _ = self.out.send(Message::Text(text.into()));
    }

    /// Sends a relay-only remote control carrying `marker` (`status` with `currentTime`).
    pub fn send_marker(&self, marker: u64) {
        self.send(&format!(
            "42/remote-control,[\"new_remote_control_event\",{{\"event\":\"status\",\"currentTime\":{marker}}}]"
        ));
    }

    /// Closes the socket from the client side (the server sees a normal close).
    pub fn close(&self) {
        let _ = self.out.send(Message::Close(None));
    }

    /// Next frame seen within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Seen> {
        tokio::time::timeout(wait, self.inbox.recv()).await.ok().flatten()
    }

    /// Next text frame satisfying `pred` within `wait` (panics on close or time-out).
    pub async fn text_until(&mut self, wait: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + wait;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(Seen::Text(t, _)) if pred(&t) => return t,
                Some(Seen::Text(t, _)) => skipped.push(t),
                other => panic!("expected a matching frame within {wait:?}, got {other:?} after {skipped:?}"),
            }
        }
    }
}

/// The marker of a relayed `status` event (`currentTime`), if `frame` is one.
pub fn marker_of(frame: &str) -> Option<u64> {
    let body = frame.strip_prefix("42/remote-control,")?;
    let v: Value = serde_json::from_str(body).ok()?;
    if v[0] != "new_remote_control_event" || v[1]["event"] != "status" {
        return None;
    }
    v[1]["currentTime"].as_u64()
}

/// `Error` / `Validation error` payload text of a frame, if it is one.
pub fn error_of(frame: &str) -> Option<String> {
    let body = frame.strip_prefix("42/remote-control,")?;
    let v: Value = serde_json::from_str(body).ok()?;
    (v[0] == "Error").then(|| v[1]["error"].as_str().unwrap_or_default().to_string())
}

/// A small deterministic generator (SplitMix64): the seed printed by a test reproduces it.
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> SeededRng {
        SeededRng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The environment of a server process pointed at `database_url`.
pub fn server_env(database_url: &str, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env = crate::helpers::base_env("unused");
    env.insert("DATABASE_URL".into(), database_url.into());
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    env
}

/// Environment of one cluster instance: shared database (on :5432) and Redis prefix.
pub fn instance_env(db: &str, prefix: &str, port: u16, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env = crate::helpers::base_env(db);
    env.insert("PORT".into(), port.to_string());
    env.insert("REDIS_PREFIX".into(), prefix.into());
    env.insert("PRESENCE_LEASE_SECS".into(), "6".into());
    env.insert("INSTANCE_ADVERTISE_ADDR".into(), format!("http://127.0.0.1:{port}"));
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    env
}

/// Creates `n` users with API keys through the CLI, in parallel: (id, key) each.
pub fn cli_users(database_url: &str, n: usize) -> Vec<(i32, String)> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (url, email) = (database_url.to_string(), format!("u{i}-{run}@example.com"));
            std::thread::spawn(move || cli_user(&url, &email))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// Runs a future on its own runtime from synchronous code (setup inside an async test).
pub fn block_on<F: std::future::Future + Send + 'static>(f: F) -> F::Output
where
    F::Output: Send + 'static,
{
    std::thread::spawn(move || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f))
        .join()
        .unwrap()
}

//! `infinidream-loadgen`: drives a server (or the echo floor) with many raw Engine.IO /
//! Socket.IO websocket sessions and measures connect rate, relay latency, throughput,
//! errors and the server's memory and CPU.
//!
//! Bounded by construction: a fixed number of sessions, a fixed phase length, loopback
//! targets only. Typical run (server pinned to core 0, generator to core 1):
//!
//! ```text
//! taskset -c 1 infinidream-loadgen --target 127.0.0.1:8080 --keys-file keys.txt \
//!     --devices 2 --sources 127.0.0.1,127.0.0.2 --rate 2000 --duration 10 --server-pid <pid>
//! ```

mod client;
mod stats;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use tokio::sync::{mpsc, oneshot, Semaphore};

use client::{Device, Metrics};

#[derive(Debug, Parser)]
#[command(name = "infinidream-loadgen", about = "Load generator for the infinidream realtime server")]
struct Args {
    /// Server address(es) host:port; sessions are spread over them round robin.
    #[arg(long, required = true, value_delimiter = ',')]
    target: Vec<SocketAddr>,
    /// File with one API key per line (one line per simulated user).
    #[arg(long)]
    keys_file: Option<String>,
    /// Create this many users with API keys first (needs DATABASE_URL) and write their
    /// keys to --keys-file.
    #[arg(long, default_value_t = 0)]
    create_users: usize,
    /// Use only the first N users of the key file.
    #[arg(long)]
    users: Option<usize>,
    /// Sessions per user (2+ to measure relays between a user's devices; 0 with
    /// --create-users: only create the users).
    #[arg(long, default_value_t = 2)]
    devices: usize,
    /// Local source addresses (127.0.0.x) to spread connections over.
    #[arg(long, value_delimiter = ',', default_value = "127.0.0.1")]
    sources: Vec<IpAddr>,
    /// Connections opened concurrently during the connect phase.
    #[arg(long, default_value_t = 256)]
    connect_concurrency: usize,
    /// Seconds to hold all sessions idle before the relay phase (memory reading).
    #[arg(long, default_value_t = 0)]
    hold: u64,
    /// Events per second in the relay phase (0: no relay phase).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Seconds of relay phase.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Server process to read RSS and CPU from (/proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Echo-floor mode: the target echoes every event to its sender only.
    #[arg(long)]
    echo: bool,
    /// Write the results as JSON here.
    #[arg(long)]
    json: Option<String>,
    /// Runtime worker threads of the generator.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Churn phase (soak): close and reopen this many sessions per second, round robin
    /// over all devices, for --churn-secs seconds, keeping the session count steady.
    #[arg(long, default_value_t = 0)]
    churn: u64,
    /// Length of the churn phase in seconds.
    #[arg(long, default_value_t = 60)]
    churn_secs: u64,
    /// Reconnect phase (instance restart): after the hold, wait up to this many seconds for
    /// the server to drop sessions and for every dropped session to be re-established.
    /// Devices then reconnect on their own whenever the server ends a session.
    #[arg(long, default_value_t = 0)]
    reconnect_wait: u64,
    /// Base reconnect delay in milliseconds (doubled per failed attempt, ±50 % jitter).
    #[arg(long, default_value_t = 500)]
    reconnect_delay_ms: u64,
    /// Bound of one connect attempt in seconds (TCP connect to first `client_presence`;
    /// socket.io-client's default `timeout` is 20 s).
    /// In reconnect mode, a device whose retries span this long without a session is
    /// reported as not connected (and keeps trying).
    #[arg(long, default_value_t = 20)]
    connect_timeout: u64,
}

/// How a device connects: the bound on one attempt and, in reconnect mode, the base of
/// its retry backoff.
#[derive(Clone, Copy)]
struct Connecting {
    /// One attempt (TCP, websocket upgrade, namespace CONNECT, first `client_presence`)
    /// that takes longer than this counts as failed.
    timeout: Duration,
    /// Reconnect mode: retry failed attempts and re-establish sessions the server ends,
    /// with this base delay.
    reconnect: Option<Duration>,
}

/// Starts one device; returns its command sender and whether it connected.
///
/// Without reconnect mode a device makes one attempt. In reconnect mode it behaves like a
/// Socket.IO client: a failed attempt is retried (jittered exponential backoff) until the
/// device connects, and a session the server ends is re-established the same way, until
/// the generator closes the command channel. Accounting: attempts that fail before the
/// device's first session are `connect_errors`; the first session is the device's initial
/// connect, reported through the returned receiver (a device still retrying when its
/// attempts have spanned the connect timeout reports `false` and, should it connect
/// later, counts in `late_connects`); only a session after a drop is `reconnected`.
fn spawn_device(
    dev: Device,
    start: Instant,
    metrics: Arc<Metrics>,
    gate: Arc<Semaphore>,
    how: Connecting,
) -> (mpsc::Sender<()>, oneshot::Receiver<bool>) {
    let (tx, rx) = mpsc::channel(64);
    let (ready_tx, ready_rx) = oneshot::channel();
    tokio::spawn(async move {
        let mut commands = rx;
        let mut first = Some(ready_tx);
        let mut ever_connected = false;
        let mut failures = 0u32;
        let mut first_attempt: Option<Instant> = None;
        loop {
            let permit = gate.clone().acquire_owned().await;
            let began = *first_attempt.get_or_insert_with(Instant::now);
            let (inner_tx, inner_rx) = oneshot::channel();
            let session =
                tokio::spawn(client::run(dev.clone(), start, metrics.clone(), commands, inner_tx, how.timeout));
            let ok = inner_rx.await.unwrap_or(false);
            drop(permit);
            match (ok, ever_connected) {
                (true, false) => {
                    ever_connected = true;
                    if let Some(r) = first.take() {
                        if r.send(true).is_err() {
                            metrics.late_connects.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                (true, true) => {
                    metrics.reconnected.fetch_add(1, Ordering::Relaxed);
                    metrics.last_reconnect_ms.fetch_max(client::epoch_ms(), Ordering::Relaxed);
                }
                (false, false) => {
                    metrics.connect_errors.fetch_add(1, Ordering::Relaxed);
                    if how.reconnect.is_none() || began.elapsed() >= how.timeout {
                        if let Some(r) = first.take() {
                            let _ = r.send(false);
                        }
                    }
                }
                (false, true) => {
                    metrics.reconnect_failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            let Ok((back, ended)) = session.await else { return };
            commands = back;
            let Some(base) = how.reconnect else { return };
            if ended == client::Ended::ByGenerator || commands.is_closed() {
                return;
            }
            if ok {
                metrics.drops.fetch_add(1, Ordering::Relaxed);
                metrics.first_drop_ms.fetch_min(client::epoch_ms(), Ordering::Relaxed);
                failures = 0;
            } else {
                failures = failures.saturating_add(1);
            }
            // Like socket.io-client: delay = base * 2^failures (capped at 5 s), randomized
            // by ±50 % so that a restarted instance is not hit by every client at once.
            let delay = base.saturating_mul(1 << failures.min(6)).min(Duration::from_secs(5));
            let jitter = 0.5 + rand::random::<f64>();
            tokio::time::sleep(delay.mul_f64(jitter)).await;
        }
    });
    (tx, ready_rx)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads.max(1)).enable_all().build()?;
    rt.block_on(run(args))
}

async fn create_users(n: usize, path: &str) -> anyhow::Result<()> {
    use infinidream_actors::domain::users::{store, NewUser};
    let url = std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("--create-users needs DATABASE_URL"))?;
    let pool = infinidream_actors::db::build_pool(&url, 4)?;
    let mut conn = pool.get().await?;
    let mut keys = String::new();
    let run = uuid::Uuid::new_v4().simple().to_string();
    for i in 0..n {
        let new = NewUser {
            email: format!("load-{}-{i}@example.test", &run[..8]),
            name: Some(format!("load {i}")),
            last_name: None,
            role: infinidream_actors::Role::User,
            password_hash: None,
            verified: true,
        };
        let user = store::create_user(&conn, new).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let key = store::create_api_key(&mut conn, infinidream_actors::UserId(user.id))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        keys.push_str(&key);
        keys.push('\n');
    }
    std::fs::write(path, keys)?;
    eprintln!("created {n} users, keys in {path}");
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<()> {
    let keys_path = args.keys_file.clone().unwrap_or_else(|| "loadgen-keys.txt".to_string());
    if args.create_users > 0 {
        create_users(args.create_users, &keys_path).await?;
        if args.devices == 0 {
            return Ok(());
        }
    }
    let mut keys: Vec<String> = if args.echo {
        vec!["echo".to_string(); args.users.unwrap_or(1)]
    } else {
        std::fs::read_to_string(&keys_path)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    if let Some(n) = args.users {
        keys.truncate(n);
    }
    anyhow::ensure!(!keys.is_empty(), "no users: give --keys-file or --create-users");
    let start = Instant::now();
    let metrics = Arc::new(Metrics::new());
    let how = Connecting {
        timeout: Duration::from_secs(args.connect_timeout.max(1)),
        reconnect: (args.reconnect_wait > 0).then(|| Duration::from_millis(args.reconnect_delay_ms)),
    };
    let before = args.server_pid.and_then(stats::read_proc);

    // Connect phase.
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut senders: Vec<Vec<mpsc::Sender<()>>> = Vec::with_capacity(keys.len());
    let mut readies = Vec::new();
    let mut n = 0usize;
    let connect_started = Instant::now();
    let gen_before = stats::read_proc(std::process::id());
    for (u, key) in keys.iter().enumerate() {
        let mut user_senders = Vec::new();
        for d in 0..args.devices.max(1) {
            let dev = Device::new(
                args.target[n % args.target.len()],
                args.sources[n % args.sources.len()],
                key.clone(),
                format!("u{u}d{d}"),
                args.echo,
            );
            n += 1;
            let (tx, ready_rx) = spawn_device(dev, start, metrics.clone(), gate.clone(), how);
            user_senders.push(tx);
            readies.push(ready_rx);
        }
        senders.push(user_senders);
    }
    let mut ok = 0usize;
    for r in readies {
        if r.await.unwrap_or(false) {
            ok += 1;
        }
    }
    let connect_secs = connect_started.elapsed().as_secs_f64();
    let gen_connected = stats::read_proc(std::process::id());
    let connect_rate = ok as f64 / connect_secs.max(1e-9);
    eprintln!("connected {ok}/{n} sessions in {connect_secs:.2} s ({connect_rate:.0}/s)");

    let held_from = args.server_pid.and_then(stats::read_proc);
    if args.hold > 0 {
        tokio::time::sleep(Duration::from_secs(args.hold)).await;
    }
    let idle = args.server_pid.and_then(stats::read_proc);

    // Reconnect phase: an instance restart drops the sessions; wait for all to be back.
    let mut reconnect_result = serde_json::Value::Null;
    if args.reconnect_wait > 0 {
        let deadline = Instant::now() + Duration::from_secs(args.reconnect_wait);
        eprintln!("waiting up to {} s for the server to drop and the clients to reconnect", args.reconnect_wait);
        let all_back = loop {
            let dropped = metrics.drops.load(Ordering::Relaxed) > 0;
            if dropped && metrics.live.load(Ordering::Relaxed) >= ok as i64 {
                break true;
            }
            if Instant::now() >= deadline {
                break false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let first_drop = metrics.first_drop_ms.load(Ordering::Relaxed);
        let last_back = metrics.last_reconnect_ms.load(Ordering::Relaxed);
        reconnect_result = json!({
            "all_back": all_back,
            "drops": metrics.drops.load(Ordering::Relaxed),
            "reconnected": metrics.reconnected.load(Ordering::Relaxed),
            "failed_attempts": metrics.reconnect_failures.load(Ordering::Relaxed),
            "refused_attempts": metrics.refused.load(Ordering::Relaxed),
            "live": metrics.live.load(Ordering::Relaxed),
            "first_drop_epoch_ms": (first_drop != u64::MAX).then_some(first_drop),
            "last_reconnect_epoch_ms": (last_back > 0).then_some(last_back),
            "seconds_first_drop_to_all_back": (all_back && first_drop != u64::MAX)
                .then(|| last_back.saturating_sub(first_drop) as f64 / 1000.0),
            "base_delay_ms": args.reconnect_delay_ms,
        });
        eprintln!("reconnect: {reconnect_result}");
    }

    // Churn phase: replace sessions round robin at a steady rate (soak runs).
    let mut churned = 0u64;
    let mut churn_failed = 0u64;
    if args.churn > 0 {
        let period = Duration::from_secs_f64(1.0 / args.churn as f64);
        let total = args.churn * args.churn_secs;
        let devices = args.devices.max(1);
        let mut next = tokio::time::Instant::now();
        let mut pending = std::collections::VecDeque::new();
        for i in 0..total {
            let slot = (i as usize) % (senders.len() * devices);
            let (u, d) = (slot / devices, slot % devices);
            let dev = Device::new(
                args.target[slot % args.target.len()],
                args.sources[(slot + i as usize) % args.sources.len()],
                keys[u].clone(),
                format!("u{u}d{d}"),
                args.echo,
            );
            // Dropping the old sender closes that session; the new one takes its place.
            let (tx, ready) = spawn_device(dev, start, metrics.clone(), gate.clone(), how);
            senders[u][d] = tx;
            pending.push_back(ready);
            while pending.len() > 1024 {
                if let Some(r) = pending.pop_front() {
                    if !r.await.unwrap_or(false) {
                        churn_failed += 1;
                    }
                }
            }
            churned += 1;
            next += period;
            tokio::time::sleep_until(next).await;
        }
        for r in pending {
            if !r.await.unwrap_or(false) {
                churn_failed += 1;
            }
        }
        eprintln!("churned {churned} sessions ({churn_failed} failed to reconnect)");
    }

    // Relay phase: one event per tick from device 0 of users in turn.
    let mut relay_secs = 0.0;
    if args.rate > 0 {
        let total = args.rate * args.duration;
        let period = Duration::from_secs_f64(1.0 / args.rate as f64);
        let phase = Instant::now();
        let mut next = tokio::time::Instant::now();
        for i in 0..total {
            let user = (i as usize) % senders.len();
            if let Some(tx) = senders[user].first() {
                let _ = tx.try_send(());
            }
            next += period;
            tokio::time::sleep_until(next).await;
        }
        // Let in-flight events arrive.
        tokio::time::sleep(Duration::from_millis(500)).await;
        relay_secs = phase.elapsed().as_secs_f64() - 0.5;
    }
    let after = args.server_pid.and_then(stats::read_proc);
    drop(senders);

    let latencies = std::mem::take(&mut *metrics.latencies_us.lock().await);
    let connect_us = std::mem::take(&mut *metrics.connect_us.lock().await);
    let sent = metrics.sent.load(Ordering::Relaxed);
    let received = metrics.received.load(Ordering::Relaxed);
    let expected = if args.echo { sent } else { sent * (args.devices.max(1) as u64 - 1) };
    let ticks = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    let cpu = |a: Option<stats::ProcReading>, b: Option<stats::ProcReading>, secs: f64| -> Option<f64> {
        Some((b?.cpu_ticks.saturating_sub(a?.cpu_ticks)) as f64 / ticks / secs.max(1e-9) * 100.0)
    };
    let result = json!({
        "mode": if args.echo { "echo-floor" } else { "relay" },
        "sessions": {"requested": n, "connected": ok, "connect_errors": metrics.connect_errors.load(Ordering::Relaxed),
                     "late_connects": metrics.late_connects.load(Ordering::Relaxed),
                     "disconnects": metrics.disconnects.load(Ordering::Relaxed)},
        "churn": {"replaced": churned, "failed": churn_failed},
        "reconnect": reconnect_result,
        "connect": {"seconds": connect_secs, "rate_per_s": connect_rate, "latency_us": stats::percentiles(connect_us),
                    // The generator's own CPU over the connect phase: with the server, the
                    // other bound on the rate (both cores are shared with PostgreSQL and Redis).
                    "generator_cpu_percent": cpu(gen_before, gen_connected, connect_secs),
                    "generator_cpu_us_per_session": gen_before.zip(gen_connected).map(|(a, b)|
                        b.cpu_ticks.saturating_sub(a.cpu_ticks) as f64 / ticks * 1e6 / ok.max(1) as f64)},
        "relay": {"rate_target": args.rate, "seconds": relay_secs, "sent": sent, "received": received, "expected": expected,
                  "throughput_per_s": if relay_secs > 0.0 { received as f64 / relay_secs } else { 0.0 },
                  "latency_us": stats::percentiles(latencies)},
        "server": {"before": before, "idle": idle, "after": after,
                   "rss_per_session_bytes": idle.zip(before).map(|(i, b)| (i.rss_kib.saturating_sub(b.rss_kib) * 1024) as f64 / ok.max(1) as f64),
                   "cpu_percent_hold": (args.hold > 0).then(|| cpu(held_from, idle, args.hold as f64)).flatten(),
                   "cpu_percent_relay": cpu(idle, after, relay_secs)},
    });
    println!("{}", serde_json::to_string_pretty(&result)?);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

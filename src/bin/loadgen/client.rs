//! One simulated device: a raw Engine.IO v4 / Socket.IO v5 websocket client. It answers
//! heartbeats, sends remote-control events when told to, and records the latency of
//! events sent by the user's other device (the send time travels in `currentTime`).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpSocket;
use tokio::sync::{mpsc, Mutex};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

#[derive(Default)]
pub struct Metrics {
    pub connected: AtomicU64,
    /// Failed connect attempts of devices that had not connected yet.
    pub connect_errors: AtomicU64,
    /// Devices whose first session came after the connect phase stopped waiting for them.
    pub late_connects: AtomicU64,
    pub disconnects: AtomicU64,
    pub sent: AtomicU64,
    pub received: AtomicU64,
    pub latencies_us: Mutex<Vec<u64>>,
    pub connect_us: Mutex<Vec<u64>>,
    /// Sessions connected right now (reconnect mode: the wave is over when this is back).
    pub live: AtomicI64,
    /// Sessions the server ended while the generator still wanted them (reconnect mode).
    pub drops: AtomicU64,
    /// Sessions re-established after a drop, and attempts that failed on the way.
    pub reconnected: AtomicU64,
    pub reconnect_failures: AtomicU64,
    /// Attempts (first connects or reconnects) whose TCP connect was refused: no instance
    /// listened on the target, as between an instance's exit and its successor's start.
    pub refused: AtomicU64,
    /// Unix epoch milliseconds of the first drop and of the latest successful reconnect.
    pub first_drop_ms: AtomicU64,
    pub last_reconnect_ms: AtomicU64,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics { first_drop_ms: AtomicU64::new(u64::MAX), ..Metrics::default() }
    }
}

/// Wall clock in Unix milliseconds (compared with timestamps of other processes).
pub fn epoch_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The generator closed it (its command channel closed).
    ByGenerator,
    /// The server closed it, the connection failed, or it was refused.
    ByServer,
}

#[derive(Clone)]
pub struct Device {
    pub target: SocketAddr,
    pub source: IpAddr,
    pub api_key: String,
    /// `u<user>d<device>`: lets receivers skip their own echoes.
    pub tag: String,
    /// Echo floor: the server echoes to the sender only, so the sender measures.
    pub echo_mode: bool,
    /// `"key":"<tag>"` as it appears in this device's own events.
    pub own_key: String,
}

impl Device {
    pub fn new(target: SocketAddr, source: IpAddr, api_key: String, tag: String, echo_mode: bool) -> Device {
        let own_key = format!("\"key\":\"{tag}\"");
        Device { target, source, api_key, tag, echo_mode, own_key }
    }
}

/// Time base shared by all devices (microseconds since the generator started).
pub fn now_us(start: Instant) -> u64 {
    start.elapsed().as_micros() as u64
}

/// Why a websocket could not be opened; `refused` when the TCP connect was refused.
struct OpenError {
    refused: bool,
    message: String,
}

impl From<String> for OpenError {
    fn from(message: String) -> Self {
        OpenError { refused: false, message }
    }
}

async fn open(dev: &Device) -> Result<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>, OpenError> {
    let socket =
        if dev.source.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(|e| e.to_string())?;
    socket.bind(SocketAddr::new(dev.source, 0)).map_err(|e| format!("bind {}: {e}", dev.source))?;
    let stream = socket.connect(dev.target).await.map_err(|e| OpenError {
        refused: e.kind() == std::io::ErrorKind::ConnectionRefused,
        message: e.to_string(),
    })?;
    let _ = stream.set_nodelay(true);
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", dev.target);
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config())).await.map_err(|e| e.to_string())?;
    Ok(ws)
}

/// Small buffers: tungstenite's default read buffer is 128 KiB, and it zero-fills the
/// unused part of it before every read. At thousands of connects or tens of thousands of
/// frames per second that fill (and glibc's mmap and page faults for each buffer) was
/// the largest item of the generator's own CPU, which shares its core with PostgreSQL
/// and Redis and so bounds the measured rates. Every frame here is far below 4 KiB.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

/// Connects, then serves until `commands` closes or the server ends the session. Hands
/// the command channel back (a reconnecting device keeps it) with how the session ended.
/// Connect failures are counted by the caller (first connection or reconnect); an attempt
/// that has not reached its first `client_presence` within `timeout` has failed.
pub async fn run(
    dev: Device,
    start: Instant,
    metrics: Arc<Metrics>,
    mut commands: mpsc::Receiver<()>,
    ready: tokio::sync::oneshot::Sender<bool>,
    timeout: Duration,
) -> (mpsc::Receiver<()>, Ended) {
    let began = Instant::now();
    let give_up = tokio::time::Instant::now() + timeout;
    let mut ws = match tokio::time::timeout_at(give_up, open(&dev)).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            if e.refused {
                metrics.refused.fetch_add(1, Ordering::Relaxed);
            }
            tracing_log(&e.message);
            let _ = ready.send(false);
            return (commands, Ended::ByServer);
        }
        Err(_) => {
            tracing_log("timed out opening the websocket");
            let _ = ready.send(false);
            return (commands, Ended::ByServer);
        }
    };
    let connect = format!("40/remote-control,{{\"apiKey\":\"{}\"}}", dev.api_key);
    let mut ready = Some(ready);
    let mut acked = false;
    let mut ended = Ended::ByServer;
    loop {
        tokio::select! {
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_) | Message::Binary(_))) => continue,
                    _ => break,
                };
                if text.starts_with("0{") {
                    if ws.send(Message::Text(connect.clone().into())).await.is_err() { break; }
                } else if &*text == "2" {
                    if ws.send(Message::Text("3".into())).await.is_err() { break; }
                } else if text.starts_with("40/remote-control,") {
                    acked = true;
                } else if text.starts_with("44/remote-control,") {
                    tracing_log(&text);
                    if let Some(r) = ready.take() { let _ = r.send(false); }
                    return (commands, Ended::ByServer);
                } else if acked && ready.is_some() && text.contains("client_presence") {
                    metrics.connect_us.lock().await.push(began.elapsed().as_micros() as u64);
                    metrics.connected.fetch_add(1, Ordering::Relaxed);
                    metrics.live.fetch_add(1, Ordering::Relaxed);
                    if let Some(r) = ready.take() { let _ = r.send(true); }
                } else if text.contains("new_remote_control_event") {
                    on_event(&text, &dev, start, &metrics).await;
                }
            }
            _ = tokio::time::sleep_until(give_up), if ready.is_some() => {
                tracing_log("timed out before the first client_presence");
                break;
            }
            cmd = commands.recv() => {
                if cmd.is_none() { ended = Ended::ByGenerator; break; }
                let frame = format!(
                    "42/remote-control,[\"new_remote_control_event\",{{\"event\":\"status\",\"key\":\"{}\",\"currentTime\":{}}}]",
                    dev.tag, now_us(start)
                );
                if ws.send(Message::Text(frame.into())).await.is_err() { break; }
                metrics.sent.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    if ready.is_none() {
        metrics.live.fetch_sub(1, Ordering::Relaxed);
        if ended == Ended::ByServer {
            metrics.disconnects.fetch_add(1, Ordering::Relaxed);
        }
    } else if let Some(r) = ready.take() {
        let _ = r.send(false);
    }
    if ended == Ended::ByGenerator {
        let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    }
    (commands, ended)
}

async fn on_event(text: &str, dev: &Device, start: Instant, metrics: &Metrics) {
    let Some(body) = text.strip_prefix("42/remote-control,") else { return };
    // The server echoes every event to its sender too: in relay mode those echoes are
    // skipped before any parsing, so the generator's own load per event stays the same
    // as in echo-floor mode (one parsed frame per event).
    if !dev.echo_mode && body.contains(&dev.own_key) {
        return;
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else { return };
    let Some(p) = v.get(1) else { return };
    let own = p.get("key").and_then(|k| k.as_str()) == Some(dev.tag.as_str());
    if own != dev.echo_mode {
        return;
    }
    if let Some(t) = p.get("currentTime").and_then(|t| t.as_u64()) {
        metrics.received.fetch_add(1, Ordering::Relaxed);
        metrics.latencies_us.lock().await.push(now_us(start).saturating_sub(t));
    }
}

fn tracing_log(e: &str) {
    static LOGGED: AtomicU64 = AtomicU64::new(0);
    if LOGGED.fetch_add(1, Ordering::Relaxed) < 5 {
        eprintln!("connect error: {e}");
    }
}

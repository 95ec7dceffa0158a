//! `Application`: everything between settings and a listening server — migrations,
//! pools, the actor system, the HTTP server — plus graceful shutdown.
//!
//! Tests and `main` both go through [`Application::build`]; binding port 0 gives a free
//! port, reported by [`Application::port`].

use std::net::{TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use infinidream_actors::db::build_pool;
use infinidream_actors::session::heartbeat::HeartbeatWheel;
use infinidream_actors::session::outbox::CloseReason;
use infinidream_actors::session::replay::StateSyncReplay;
use infinidream_actors::session::Realtime;
use infinidream_actors::system::ClusterConfig;
use infinidream_actors::ActorSystem;

use crate::config::Settings;
use crate::http;
use crate::socketio::{self, Engine, OpsNotifier, StateAuthenticator};
use crate::state::{AppState, RedisPool};

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    metrics_server: Option<ServerHandle>,
    server: Server,
    state: AppState,
    engine: Arc<Engine>,
    listening: Arc<TcpListener>,
}

/// Detects a single node or a Redis Cluster behind `REDIS_URL` (logged) and builds the
/// matching command connection.
async fn redis_pool(url: &str, size: u32, prefix: &str) -> anyhow::Result<RedisPool> {
    Ok(RedisPool::connect(url, size, prefix).await?)
}

impl Application {
    /// Must run inside an actix system (`actix_web::rt::System`, `#[actix_web::test]`).
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let settings = Arc::new(settings);
        tracing::info!(instance = %settings.instance_id, version = %settings.app_version, "starting");
        if settings.migrate_on_start {
            crate::migrate::run(&settings.database_url).await?;
        }
        infinidream_actors::db::set_operation_timeout(settings.database_timeout);
        let pool = build_pool(&settings.database_url, settings.database_pool_size)?;
        let redis = match &settings.redis_url {
            Some(url) => Some(redis_pool(url, settings.redis_pool_size, &settings.redis_prefix).await?),
            None => {
                tracing::info!("REDIS_URL is not set: single-instance mode (in-memory bridge and state)");
                None
            }
        };
        let cluster = ClusterConfig {
            redis: settings.redis_url.clone().zip(redis.clone()),
            prefix: settings.redis_prefix.clone(),
            instance_id: settings.instance_id.clone(),
            presence_lease: settings.presence_lease,
        };
        let actors = ActorSystem::start(pool, cluster)?;
        let state = AppState::new(settings.clone(), actors.clone(), redis);
        let realtime = Realtime {
            registry: actors.rooms.clone(),
            remote: actors.remote.clone(),
            kv: actors.kv.clone(),
            wheel: Arc::new(HeartbeatWheel::new()),
            replay: Arc::new(StateSyncReplay::new()),
            auth: Arc::new(StateAuthenticator::new(state.clone())),
            instance_id: settings.instance_id.as_str().into(),
            limits: settings.socket_limits,
            notifier: Arc::new(OpsNotifier::new(
                state.mailer.clone(),
                settings.ops_email.clone(),
                settings.frontend_url.clone(),
            )),
        };
        let engine = Arc::new(Engine::new(realtime, state.clone()));
        engine.spawn_background();

        let listener = listen(settings.host.as_str(), settings.port, settings.listen_backlog)?;
        let port = listener.local_addr()?.port();
        // The shutdown's handle on the listening socket (the same socket, another fd).
        let listening = Arc::new(listener.try_clone()?);
        let data = web::Data::new(state.clone());
        let engine_data = web::Data::new(engine.clone());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(engine_data.clone())
                .configure(socketio::configure)
                // The edge normalises the path before routing (`http/edge.rs`).
                .wrap(from_fn(http::edge::edge))
                .configure(http::configure)
        })
        // Nagle's algorithm would hold a second small frame (the connect's first
        // `client_presence` after its CONNECT answer, an event right after another) until
        // the client acknowledges the first, and clients delay that acknowledgement by up
        // to 40 ms when they have nothing to send. Every frame is written whole already.
        .tcp_nodelay(true)
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(settings.shutdown_timeout.as_secs());
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server = server.run();
        tracing::info!(addr = %format!("{}:{port}", settings.host), "listening");
        let (metrics_port, metrics_server) = match &settings.metrics_addr {
            Some(addr) => {
                let (port, handle) = metrics_listener(addr, state.clone(), engine.clone())?;
                (Some(port), Some(handle))
            }
            None => (None, None),
        };
        Ok(Application { port, metrics_port, metrics_server, server, state, engine, listening })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Port of the internal metrics listener, when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle that can stop the server (tests use it; `main` reacts to signals).
    pub fn handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            server: self.server.handle(),
            metrics: self.metrics_server.clone(),
            state: self.state.clone(),
            engine: self.engine.clone(),
            listening: self.listening.clone(),
        }
    }

    /// Serves until stopped. With `listen_for_signals`, SIGTERM/SIGINT start a graceful
    /// shutdown.
    pub async fn run_until_stopped(self, listen_for_signals: bool) -> std::io::Result<()> {
        if listen_for_signals {
            let handle = self.handle();
            actix_web::rt::spawn(async move {
                wait_for_signal().await;
                handle.shutdown().await;
            });
        }
        self.server.await
    }
}

#[derive(Clone)]
pub struct ShutdownHandle {
    server: ServerHandle,
    metrics: Option<ServerHandle>,
    state: AppState,
    engine: Arc<Engine>,
    listening: Arc<TcpListener>,
}

impl ShutdownHandle {
    /// Graceful shutdown (`realtime.md` §14): enter draining (health 503, new realtime
    /// handshakes refused), wait `DRAIN_DELAY_SECS`, stop accepting connections, close
    /// every realtime session with a reconnect-worthy close (websocket 1001, polling
    /// close packet), wait for them to flush, then let in-flight requests finish. The
    /// whole sequence is bounded by `SHUTDOWN_TIMEOUT_SECS`.
    pub async fn shutdown(&self) {
        tracing::info!("shutdown requested: draining");
        self.state.start_draining();
        let settings = &self.state.settings;
        if !settings.drain_delay.is_zero() {
            tokio::time::sleep(settings.drain_delay).await;
        }
        self.server.pause().await;
        // `pause` returns once the command is queued for actix-server's accept thread. A
        // readiness event of the listener in the batch that thread is handling would
        // still be accepted after it; on a listener already shut down that accept fails
        // and is logged as an error. The thread handles its queue within microseconds.
        tokio::time::sleep(ACCEPT_PAUSE_GRACE).await;
        stop_listening(&self.listening);
        self.engine.unregister().await;
        // Other instances learn that this one's sockets are gone before they close.
        if let Err(e) = self.state.actors.rooms.leave_cluster().await {
            tracing::warn!(error = %e, "presence clean-up skipped");
        }
        let sessions = self.engine.live_sessions();
        self.engine.close_all(CloseReason::Shutdown);
        let deadline = tokio::time::Instant::now() + settings.shutdown_timeout;
        while self.engine.live_sessions() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!(sessions, remaining = self.engine.live_sessions(), "realtime sessions closed");
        while infinidream_actors::domain::in_flight() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.server.stop(true).await;
        if let Some(metrics) = &self.metrics {
            metrics.stop(true).await;
        }
        tracing::info!("stopped");
    }
}

/// `METRICS_ADDR`: a one-worker listener serving only `GET /metrics` (same token rule), so
/// the scrape endpoint can stay on an internal interface.
fn metrics_listener(addr: &str, state: AppState, engine: Arc<Engine>) -> anyhow::Result<(u16, ServerHandle)> {
    let listener = TcpListener::bind(addr).map_err(|e| anyhow::anyhow!("METRICS_ADDR {addr}: {e}"))?;
    let port = listener.local_addr()?.port();
    let (data, engine) = (web::Data::new(state), web::Data::new(engine));
    let internal = web::Data::new(http::metrics::Internal);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(engine.clone())
            .app_data(internal.clone())
            .route("/metrics", web::get().to(http::metrics::metrics))
            .default_service(web::to(http::not_found))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    tracing::info!(addr = %format!("{addr} (port {port})"), "metrics listening");
    Ok((port, handle))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received"),
                    _ = int.recv() => tracing::info!("SIGINT received"),
                }
            }
            _ => {
                tracing::error!("cannot install signal handlers; falling back to ctrl-c");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Binds the HTTP listener with an accept queue of `backlog` connections (capped by the
/// kernel at `net.core.somaxconn`). `TcpListener::bind` would give 128: in a reconnect
/// wave after an instance restart that queue overflows, the kernel drops the SYNs it
/// cannot queue, and every dropped client waits for its SYN retransmission (1 s, then
/// 3 s, 7 s…) before it is even seen. Tries each address `host` resolves to, like `bind`.
/// Time given to actix-server's accept thread to act on a pause before the listening
/// socket is shut down (see [`ShutdownHandle::shutdown`]).
const ACCEPT_PAUSE_GRACE: Duration = Duration::from_millis(50);

/// Takes the listening socket out of the LISTEN state (Linux: `shutdown(SHUT_RD)` on a
/// listener resets the connections queued for `accept` and makes later connects fail with
/// "connection refused"). actix-server's pause only stops accepting: the kernel would go
/// on completing handshakes into the queue, up to its length, and every one of them
/// would be reset when the process exits, after its client had waited for the whole
/// drain. Refused at once, clients back off and retry, and find the next instance.
fn stop_listening(listener: &TcpListener) {
    if let Err(e) = socket2::SockRef::from(listener).shutdown(std::net::Shutdown::Read) {
        tracing::warn!(error = %e, "could not close the listening socket; it closes at exit");
    }
}

pub fn listen(host: &str, port: u16, backlog: u32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        // As `TcpListener::bind` does: a restarted instance can bind at once.
        socket.set_reuse_address(true)?;
        let bound = socket.bind(&addr.into()).and_then(|()| socket.listen(backlog.min(i32::MAX as u32) as i32));
        match bound {
            Ok(()) => return Ok(socket.into()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to bind")))
}

#[cfg(test)]
mod tests {
    use std::net::TcpStream;
    use std::time::Duration;

    /// A burst of connects well beyond `TcpListener::bind`'s queue of 128 is queued by the
    /// kernel (every handshake completes) while nothing accepts yet. With a queue of 128
    /// the 130th SYN is dropped and its connect times out here.
    #[test]
    fn a_connect_burst_beyond_128_is_queued_before_anything_accepts() {
        let listener = super::listen("127.0.0.1", 0, 1024).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut held = Vec::new();
        for i in 0..600 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
                Ok(c) => held.push(c),
                Err(e) => panic!("connect {i} was not queued: {e}"),
            }
        }
        assert_eq!(held.len(), 600);
    }

    #[test]
    fn an_address_that_cannot_be_bound_is_an_error() {
        let taken = super::listen("127.0.0.1", 0, 16).unwrap();
        let port = taken.local_addr().unwrap().port();
        assert!(super::listen("127.0.0.1", port, 16).is_err());
        assert!(super::listen("no-such-host.invalid", 0, 16).is_err());
    }
}

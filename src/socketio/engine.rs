//! Request routing for `/socket.io/` and the instance-wide realtime state: the map of
//! long-polling sessions (websocket sessions need no map: their task owns them), the
//! heartbeat ticker and the sweeper of closed polling sessions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use infinidream_actors::ids::random_id;
use infinidream_actors::session::outbox::CloseReason;
use infinidream_actors::session::shared::SessionShared;
use infinidream_actors::session::{Handshake, Realtime};

use super::errors::EioError;
use super::forward;
use super::polling::{self, PollingSession};
use super::ws;
use crate::auth::SESSION_COOKIE;
use crate::http::client_info;
use crate::state::AppState;

/// How often closed long-polling sessions are removed from the map.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

pub struct Engine {
    pub realtime: Realtime,
    pub state: AppState,
    polling: Mutex<HashMap<String, Arc<PollingSession>>>,
    /// For forwarding polling requests to their owner instance.
    http: reqwest::Client,
    /// Live Engine.IO sessions (each `SessionShared` decrements it when dropped).
    live: Arc<AtomicUsize>,
}

impl Engine {
    pub fn new(realtime: Realtime, state: AppState) -> Engine {
        Engine {
            realtime,
            state,
            polling: Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
            live: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// 20 characters: this instance's id, then 12 random ones (§2.2).
    pub fn new_sid(&self) -> String {
        [&*self.realtime.instance_id, &random_id(12)].concat()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<PollingSession>>> {
        self.polling.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn insert_polling(&self, sid: String, session: Arc<PollingSession>) {
        self.map().insert(sid, session);
    }

    pub fn polling_session(&self, sid: &str) -> Option<Arc<PollingSession>> {
        self.map().get(sid).cloned()
    }

    /// Removing the last reference to a session's handle stops its actor.
    pub fn remove_polling(&self, sid: &str) {
        self.map().remove(sid);
    }

    /// Drops closed polling sessions that no pending GET will collect.
    pub fn sweep(&self) {
        self.map().retain(|_, s| !s.handle.shared.outbox.is_closing() || s.is_upgrading_or_upgraded());
    }

    /// Live sessions on this instance (websocket and polling).
    pub fn live_sessions(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// Shared state of a new session, counted for admission control.
    pub fn new_session(&self) -> Arc<SessionShared> {
        Arc::new(SessionShared::counted(self.new_sid(), self.live.clone()))
    }

    /// New handshakes are refused early and cheaply while draining or full; sessions
    /// already open are unaffected. Clients retry with their reconnect backoff.
    fn admission(&self) -> Option<HttpResponse> {
        if self.state.is_draining() {
            crate::http::metrics::REFUSED_DRAINING.fetch_add(1, Ordering::Relaxed);
            return Some(HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "1")).finish());
        }
        if self.live_sessions() >= self.state.settings.max_connections {
            crate::http::metrics::REFUSED_FULL.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(limit = self.state.settings.max_connections, "connection refused: instance full");
            return Some(HttpResponse::ServiceUnavailable().insert_header((header::RETRY_AFTER, "5")).finish());
        }
        None
    }

    /// Closes every session (shutdown): websockets get close frame 1001, pending polling
    /// GETs get the close packet `1`.
    pub fn close_all(&self, reason: CloseReason) {
        self.realtime.wheel.close_all(reason);
    }

    /// True when `sid` was issued by this instance.
    fn owns(&self, sid: &str) -> bool {
        sid.starts_with(&*self.realtime.instance_id)
    }

    /// Removes this instance's registry entry (shutdown).
    pub async fn unregister(&self) {
        if self.state.settings.instance_advertise_addr.is_some() {
            let _ = self.realtime.kv.del(&forward::registry_key(&self.realtime.instance_id)).await;
        }
    }

    /// Spawns the heartbeat ticker, the `state_sync` replay task, the polling sweeper and the instance registry
    /// refresher on the current arbiter.
    pub fn spawn_background(self: &Arc<Self>) {
        actix_web::rt::spawn(self.realtime.wheel.clone().run());
        actix_web::rt::spawn(self.realtime.replay.clone().run(self.realtime.kv.clone()));
        if let (Some(addr), true) = (self.state.settings.instance_advertise_addr.clone(), self.state.redis.is_some()) {
            let (kv, id, started) = (self.realtime.kv.clone(), self.realtime.instance_id.clone(), forward::now_ms());
            actix_web::rt::spawn(async move {
                let mut tick = tokio::time::interval(forward::REGISTRY_REFRESH);
                loop {
                    tick.tick().await;
                    forward::advertise(&kv, &id, &addr, started).await;
                }
            });
        }
        let me = Arc::downgrade(self);
        actix_web::rt::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            loop {
                tick.tick().await;
                match me.upgrade() {
                    Some(engine) => engine.sweep(),
                    None => break,
                }
            }
        });
    }
}

fn handshake_info(req: &HttpRequest) -> Handshake {
    let (client_type, client_version) = client_info(req.headers());
    Handshake {
        authorization: req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string),
        session_cookie: req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()),
        client_type,
        client_version,
    }
}

fn is_websocket_upgrade(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Every `/socket.io/` request.
pub async fn entry(req: HttpRequest, body: web::Payload, engine: web::Data<Arc<Engine>>) -> HttpResponse {
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let upgrade = is_websocket_upgrade(&req);
    let transport = query.get("transport").map(String::as_str);
    if !matches!(transport, Some("websocket" | "polling")) {
        return EioError::TransportUnknown.json();
    }
    if query.get("EIO").map(String::as_str) != Some("4") {
        return EioError::UnsupportedProtocolVersion.json();
    }
    let sid = query.get("sid");
    match (transport, sid) {
        (Some("websocket"), None) => {
            if !upgrade {
                return EioError::BadRequest.json();
            }
            if let Some(refused) = engine.admission() {
                return refused;
            }
            ws::fresh(&req, body, &engine, handshake_info(&req))
        }
        (Some("websocket"), Some(sid)) if !engine.owns(sid) => EioError::SessionIdUnknown.upgrade(),
        (Some("websocket"), Some(sid)) => {
            let Some(session) = engine.polling_session(sid).filter(|_| upgrade) else {
                return EioError::SessionIdUnknown.upgrade();
            };
            ws::upgrade(&req, body, Arc::clone(&engine), session)
        }
        (Some("polling"), None) => {
            if req.method() != Method::GET {
                return EioError::BadHandshakeMethod.json();
            }
            if let Some(refused) = engine.admission() {
                return refused;
            }
            polling::handshake(&engine, handshake_info(&req))
        }
        (_, Some(sid)) if !engine.owns(sid) => {
            let owner = sid.get(..8).unwrap_or_default();
            forward::forward(&req, body, &engine.realtime.kv, &engine.realtime.instance_id, owner, &engine.http).await
        }
        (_, Some(sid)) => {
            let Some(session) = engine.polling_session(sid) else {
                return EioError::SessionIdUnknown.json();
            };
            match *req.method() {
                Method::GET => polling::get(&engine, session).await,
                Method::POST => polling::post(&engine, session, body).await,
                _ => EioError::BadRequest.json(),
            }
        }
        _ => EioError::TransportUnknown.json(),
    }
}

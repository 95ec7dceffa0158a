//! Client sessions: one [`SessionActor`](actor::SessionActor) per Engine.IO connection.
//!
//! A websocket session reads its socket itself: the transport hands the actor the
//! stream of websocket messages ([`SessionHandle::start_reading`]), and the actor handles
//! each text frame, holding its event processing until the packet is handled, before it
//! polls the next — no task between the socket and the actor. The polling transport (and
//! a polling session upgraded to websocket) feeds every inbound Engine.IO packet through
//! [`SessionHandle::inbound`] and awaits it. Either way a socket's events are handled one
//! at a time in arrival order and a flooding client is slowed by its own back-pressure.
//! Everything the session emits goes into its [`outbox::Outbox`], which the transport
//! drains.
//!
//! Sessions are temporary: never restarted (the client reconnects). A reading session
//! stops when its stream ends (the transport ends the stream when the outbox closes); a
//! fed session stops when the transport drops its handle. Its `stopping` hook leaves
//! every room, whatever ended the connection (client close, heartbeat, protocol error,
//! shutdown). Mailbox: 64 (the transport has at most one packet in flight).

mod actor;
mod events;
pub mod heartbeat;
pub mod outbox;
pub mod replay;
pub mod shared;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Addr, AsyncContext};
use bytestring::ByteString;
use futures_util::Stream;

use crate::domain::remote::RemoteHandle;
use crate::domain::users::AuthUser;
use crate::kv::Kv;
use crate::room::RoomRegistryHandle;
use heartbeat::HeartbeatWheel;
use shared::SessionShared;

/// Credentials and client identification taken from the Engine.IO handshake request.
#[derive(Clone, Default)]
pub struct Handshake {
    /// Raw `Authorization` header value.
    pub authorization: Option<String>,
    /// Value of the `wos-session` cookie.
    pub session_cookie: Option<String>,
    pub client_type: String,
    pub client_version: String,
}

impl std::fmt::Debug for Handshake {
    // Credentials are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handshake")
            .field("client_type", &self.client_type)
            .field("client_version", &self.client_version)
            .finish_non_exhaustive()
    }
}

/// Why a socket credential did not authenticate its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credential, or a credential that is wrong, expired or revoked: CONNECT_ERROR
    /// `UNAUTHORIZED` (`realtime.md` §3.3).
    Rejected,
    /// The credential could not be checked (database unavailable or timed out, internal
    /// error). Answering `UNAUTHORIZED` would send the web UI to re-authenticate for a
    /// server fault; the session is closed with 1013 instead and the client reconnects
    /// with its backoff.
    Unavailable,
}

pub type AuthFuture = Pin<Box<dyn Future<Output = Result<AuthUser, AuthFailure>> + Send>>;

/// Verifies socket credentials (`realtime.md` §4). Implemented by the server crate,
/// which knows API keys, session tokens and external JWTs.
pub trait SocketAuthenticator: Send + Sync + 'static {
    /// `connect_auth` is the CONNECT packet's payload object, if any.
    fn authenticate(&self, handshake: &Handshake, connect_auth: Option<&serde_json::Value>) -> AuthFuture;
}

/// Side effects of socket events that leave the actor system (email). Implemented by the
/// server crate; calls must not block (send in the background, log failures).
pub trait Notifier: Send + Sync + 'static {
    /// A user reported a dream from a socket (`report` control).
    fn dream_reported(&self, reporter: &AuthUser, dream: &crate::domain::remote::DreamRef);
}

/// Abuse limits of one socket (`issue #9`); every value configurable.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Sustained events per second per socket (token-bucket refill rate).
    pub event_rate: f64,
    /// Events a socket may send in a burst (bucket size).
    pub event_burst: f64,
    /// Consecutive refused events after which the session is closed (1008).
    pub abuse_disconnect_after: u32,
    /// `/remote-control` sockets one user may hold on one instance.
    pub max_sockets_per_user: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { event_rate: 50.0, event_burst: 100.0, abuse_disconnect_after: 200, max_sockets_per_user: 50 }
    }
}

/// Everything a session needs from the rest of the instance. Cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    pub registry: RoomRegistryHandle,
    pub remote: RemoteHandle,
    pub kv: Kv,
    pub wheel: Arc<HeartbeatWheel>,
    /// The instance's `state_sync` replay queue (its task is spawned by the server).
    pub replay: Arc<replay::StateSyncReplay>,
    pub auth: Arc<dyn SocketAuthenticator>,
    pub instance_id: Arc<str>,
    pub limits: Limits,
    pub notifier: Arc<dyn Notifier>,
}

/// One websocket message as the transport read it (this crate knows no websocket
/// library).
#[derive(Debug)]
pub enum WsIn {
    /// A text frame: one Engine.IO packet, read at `arrived`.
    Text(ByteString, Instant),
    /// A websocket ping, answered through the outbox.
    Ping(bytes::Bytes),
    /// A frame with nothing to do (pong).
    Ignore,
    /// The client closed, or sent something the session is closed for.
    Close(outbox::CloseReason),
}

/// The transport's handle on its session.
pub struct SessionHandle {
    addr: Addr<actor::SessionActor>,
    pub shared: Arc<SessionShared>,
}

impl SessionHandle {
    /// Starts a session on the current arbiter and registers it with the heartbeat wheel.
    pub fn start(rt: Realtime, shared: Arc<SessionShared>, handshake: Handshake) -> SessionHandle {
        rt.wheel.register(&shared);
        let addr = actor::SessionActor::new(rt, shared.clone(), handshake).start();
        SessionHandle { addr, shared }
    }

    /// Starts a session on the current arbiter that reads `stream` itself and stops when
    /// it ends (see the module doc). The stream must end once the outbox is closing.
    pub fn start_reading<S>(rt: Realtime, shared: Arc<SessionShared>, handshake: Handshake, stream: S)
    where
        S: Stream<Item = WsIn> + 'static,
    {
        rt.wheel.register(&shared);
        actor::SessionActor::create(move |ctx| {
            ctx.add_stream(stream);
            actor::SessionActor::new(rt, shared, handshake)
        });
    }

    /// Hands one inbound Engine.IO packet (text) to the session and waits until it has
    /// been handled. `arrived` is when the transport read it (early-`next` rule).
    pub async fn inbound(&self, packet: ByteString, arrived: Instant) {
        if self.addr.send(actor::Inbound { packet, arrived }).await.is_err() {
            self.shared.outbox.close(outbox::CloseReason::Protocol);
        }
    }
}

/// Engine.IO message frame (`4` + Socket.IO packet) for an event.
pub fn event_frame(nsp: &str, name: &str, args: &[serde_json::Value]) -> ByteString {
    crate::metrics::count_out(name);
    crate::protocol::engineio::message(&crate::protocol::socketio::encode_event(nsp, name, args))
}

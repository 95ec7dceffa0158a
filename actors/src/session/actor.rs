//! The session actor: decodes inbound packets, runs namespace CONNECT/DISCONNECT with
//! authentication, and dispatches events (see `events.rs`).

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use actix::fut::{self, ActorFuture, ActorFutureExt};
use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Message, ResponseActFuture, Running, StreamHandler};
use bytestring::ByteString;
use serde_json::Value;
use uuid::Uuid;

use super::outbox::CloseReason;
use super::shared::SessionShared;
use super::{AuthFailure, Handshake, Realtime, WsIn};
use crate::domain::users::AuthUser;
use crate::ids::random_id;
use crate::protocol::engineio::{self, EioPacket};
use crate::protocol::socketio::{self, SioType};
use crate::room::{Member, RoomHandle, SocketId};

pub const NSP: &str = "/remote-control";
const MAILBOX: usize = 64;

pub type Fut = Pin<Box<dyn ActorFuture<SessionActor, Output = ()>>>;

pub fn done() -> Fut {
    Box::pin(fut::ready(()))
}

/// The `/remote-control` socket of this session, once CONNECT succeeded.
pub struct RcSocket {
    pub id: SocketId,
    pub user: AuthUser,
    pub room: RoomHandle,
    pub ack_at: Instant,
    pub next_dropped: bool,
    pub dreams: HashSet<Uuid>,
    pub pings: u32,
    pub last_ping: Option<Instant>,
    pub bucket: TokenBucket,
    /// Consecutive events refused by the rate limit.
    pub refused: u32,
}

/// Per-socket event rate limit, refilled lazily on use: no timer per socket.
pub struct TokenBucket {
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    pub fn full(burst: f64) -> TokenBucket {
        TokenBucket { tokens: burst, at: Instant::now() }
    }

    /// Takes one token if available.
    pub fn take(&mut self, rate: f64, burst: f64, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * rate;
        self.tokens = (self.tokens + refill).min(burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub struct SessionActor {
    pub(super) rt: Realtime,
    pub(super) shared: Arc<SessionShared>,
    pub(super) handshake: Handshake,
    pub(super) rc: Option<RcSocket>,
    root: Option<SocketId>,
    /// Arrival time of the packet being handled (the transport hands over one packet at a
    /// time and waits for it to be handled), for the relay latency histogram.
    pub(super) arrived: Option<Instant>,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Inbound {
    pub packet: ByteString,
    pub arrived: Instant,
}

impl SessionActor {
    pub fn new(rt: Realtime, shared: Arc<SessionShared>, handshake: Handshake) -> SessionActor {
        SessionActor { rt, shared, handshake, rc: None, root: None, arrived: None }
    }

    pub(super) fn push(&self, frame: ByteString) {
        let _ = self.shared.outbox.push(frame);
    }

    pub(super) fn protocol_error(&self, why: &str) -> Fut {
        tracing::info!(sid = %self.shared.sid, why, "protocol error: closing session");
        crate::metrics::bump(&crate::metrics::PROTOCOL_ERRORS);
        self.shared.outbox.close(CloseReason::Protocol);
        done()
    }

    /// `43/<nsp>,<id>[…]` when the client asked for an ack.
    pub(super) fn ack(&self, nsp: &str, id: Option<u64>, args: &[Value]) {
        if let Some(id) = id {
            self.push(engineio::message(&socketio::encode_ack(nsp, id, args)));
        }
    }

    fn dispatch(&mut self, packet: &str, arrived: Instant) -> Fut {
        match engineio::decode(packet) {
            Ok(EioPacket::Pong(_)) => {
                self.shared.pong_received();
                done()
            }
            Ok(EioPacket::Message(m)) => self.on_message(m, arrived),
            Ok(EioPacket::Close) => {
                self.shared.outbox.close(CloseReason::ClientClosed);
                done()
            }
            Ok(EioPacket::Noop) => done(),
            Ok(EioPacket::Ping(_) | EioPacket::Open(_) | EioPacket::Upgrade) => {
                self.protocol_error("unexpected engine.io packet")
            }
            Err(_) => self.protocol_error("malformed engine.io packet"),
        }
    }

    fn on_message(&mut self, m: &str, arrived: Instant) -> Fut {
        let Ok(p) = socketio::decode(m) else { return self.protocol_error("malformed socket.io packet") };
        let nsp = p.nsp.to_string();
        match p.kind {
            SioType::Connect => self.on_connect(nsp, p.payload),
            SioType::Disconnect => {
                self.on_disconnect(&nsp);
                done()
            }
            SioType::Event => {
                let joined = (nsp == NSP && self.rc.is_some()) || (nsp == "/" && self.root.is_some());
                if !joined {
                    return self.protocol_error("event for a namespace not joined");
                }
                let args = match p.payload {
                    Some(Value::Array(a)) => a,
                    _ => return self.protocol_error("event without arguments"),
                };
                if nsp == "/" {
                    // Root namespace: authenticated, but every event is ignored.
                    self.ack("/", p.ack_id, &[]);
                    return done();
                }
                self.on_event(p.ack_id, args, arrived)
            }
            // The server never requests acks: client ACKs are ignored.
            SioType::Ack => done(),
            SioType::ConnectError | SioType::BinaryEvent | SioType::BinaryAck => {
                self.protocol_error("unsupported socket.io packet type")
            }
        }
    }

    fn on_connect(&mut self, nsp: String, auth: Option<Value>) -> Fut {
        let is_rc = nsp == NSP;
        if !is_rc && nsp != "/" {
            self.push(engineio::message(&socketio::encode_connect_error(&nsp, "Invalid namespace")));
            return done();
        }
        if (is_rc && self.rc.is_some()) || (!is_rc && self.root.is_some()) {
            return self.protocol_error("duplicate CONNECT");
        }
        let verify = self.rt.auth.authenticate(&self.handshake, auth.as_ref());
        Box::pin(fut::wrap_future::<_, Self>(verify).then(move |user, act, _| -> Fut {
            let user = match user {
                Ok(user) => user,
                Err(AuthFailure::Rejected) => {
                    tracing::info!(sid = %act.shared.sid, nsp = %nsp, "socket connect rejected: unauthorized");
                    crate::metrics::bump(&crate::metrics::CONNECTS_UNAUTHORIZED);
                    act.push(engineio::message(&socketio::encode_connect_error(&nsp, "UNAUTHORIZED")));
                    return done();
                }
                Err(AuthFailure::Unavailable) => {
                    tracing::warn!(sid = %act.shared.sid, nsp = %nsp, "socket connect not served: credential could not be checked");
                    crate::metrics::bump(&crate::metrics::CONNECTS_UNAVAILABLE);
                    act.shared.outbox.close(CloseReason::Unavailable);
                    return done();
                }
            };
            if !is_rc {
                let id = SocketId(random_id(20).into());
                act.push(engineio::message(&socketio::encode_connect_ok(&nsp, &id.0)));
                act.shared.mark_joined();
                act.root = Some(id);
                return done();
            }
            let registry = act.rt.registry.clone();
            let (user_id, limit) = (user.id, act.rt.limits.max_sockets_per_user);
            // The user's room, when this join starts it, lives on this session's thread:
            // relays between devices served by the same worker then never cross threads.
            let home = actix::Arbiter::try_current();
            let reserve = async move { registry.join_user(user_id, limit, home).await };
            Box::pin(fut::wrap_future::<_, Self>(reserve).then(move |room, act, _| -> Fut {
                let room = match room {
                    Ok(Some(room)) => room,
                    Ok(None) => {
                        tracing::info!(sid = %act.shared.sid, user = %user.uuid, "socket connect refused: too many sockets");
                        crate::metrics::bump(&crate::metrics::CONNECTS_TOO_MANY);
                        act.push(engineio::message(&socketio::encode_connect_error(NSP, "Too many connections")));
                        return done();
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "room registry unreachable");
                        crate::metrics::bump(&crate::metrics::CONNECTS_UNAVAILABLE);
                        act.shared.outbox.close(CloseReason::Unavailable);
                        return done();
                    }
                };
                crate::metrics::bump(&crate::metrics::CONNECTS_ACCEPTED);
                let id = SocketId(random_id(20).into());
                act.push(engineio::message(&socketio::encode_connect_ok(NSP, &id.0)));
                act.shared.mark_joined();
                let ack_at = Instant::now();
                tracing::info!(
                    target: "analytics", event = "client_start", user_uuid = %user.uuid,
                    client_type = %act.handshake.client_type, client_version = %act.handshake.client_version,
                );
                let member = Member { socket: id.clone(), shared: act.shared.clone(), web_player: false };
                act.rc = Some(RcSocket {
                    id,
                    user,
                    room: room.clone(),
                    ack_at,
                    next_dropped: false,
                    dreams: HashSet::new(),
                    pings: 0,
                    last_ping: None,
                    bucket: TokenBucket::full(act.rt.limits.event_burst),
                    refused: 0,
                });
                act.rt.replay.schedule(user_id, &act.shared, act.shared.rc_epoch());
                Box::pin(fut::wrap_future::<_, Self>(async move { room.add_member(member).await }).map(|res, act, _| {
                    if let Err(e) = res {
                        tracing::error!(error = %e, "room unreachable at connect");
                        crate::metrics::bump(&crate::metrics::CONNECTS_UNAVAILABLE);
                        act.shared.outbox.close(CloseReason::Unavailable);
                    }
                }))
            }))
        }))
    }

    fn on_disconnect(&mut self, nsp: &str) {
        if nsp == NSP {
            self.leave_rc();
        } else if nsp == "/" {
            self.root = None;
        }
    }

    /// Leaves every room of the `/remote-control` socket (idempotent).
    fn leave_rc(&mut self) {
        let Some(rc) = self.rc.take() else { return };
        self.shared.bump_rc_epoch();
        for dream in &rc.dreams {
            self.rt.registry.leave_dream(*dream, rc.id.clone());
        }
        self.rt.registry.leave_user(rc.user.id, rc.id.clone());
        tracing::info!(
            target: "analytics", event = "client_end", user_uuid = %rc.user.uuid,
            duration_s = rc.ack_at.elapsed().as_secs(), pings = rc.pings,
        );
    }
}

impl Actor for SessionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.leave_rc();
        self.root = None;
        if !self.shared.outbox.is_closing() {
            self.shared.outbox.close(CloseReason::ClientClosed);
        }
        Running::Stop
    }
}

impl Handler<Inbound> for SessionActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, msg: Inbound, ctx: &mut Self::Context) -> Self::Result {
        if self.shared.outbox.is_closing() {
            ctx.stop();
            return done();
        }
        let text: &str = &msg.packet;
        self.arrived = Some(msg.arrived);
        self.dispatch(text, msg.arrived)
    }
}

impl StreamHandler<WsIn> for SessionActor {
    fn handle(&mut self, item: WsIn, ctx: &mut Self::Context) {
        if self.shared.outbox.is_closing() {
            ctx.stop();
            return;
        }
        match item {
            WsIn::Text(packet, arrived) => {
                self.arrived = Some(arrived);
                // Nothing else (next frame, timers, mailbox) runs until it is handled.
                let fut = self.dispatch(&packet, arrived);
                ctx.wait(fut);
            }
            WsIn::Ping(payload) => self.shared.outbox.pong(&payload),
            WsIn::Ignore => {}
            WsIn::Close(reason) => {
                self.shared.outbox.close(reason);
                ctx.stop();
            }
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        self.shared.outbox.close(CloseReason::ClientClosed);
        ctx.stop();
    }
}

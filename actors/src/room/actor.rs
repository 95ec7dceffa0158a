//! One user's room on this instance: its local sockets, their web-player flags, fan-out
//! of pre-encoded frames into their outboxes, and the user's presence.
//!
//! Broadcasts from local sessions are delivered locally, then published through the
//! bridge to the room's channel; broadcasts from the bridge are delivered locally only.
//! Presence changes run the presence script (one Redis round trip) while the room holds
//! its mailbox (`ctx.wait`), so a member never sees presence out of order with the
//! frames around it; without Redis, local counts are used.

use actix::fut::{wrap_future, ActorFutureExt};
use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Message, ResponseActFuture};
use bytestring::ByteString;

use super::{Member, Presence, SocketId};
use crate::bridge::BridgeHandle;
use crate::ids::UserId;
use crate::presence::{PresenceOp, PresenceStore};
use crate::session::outbox::PushError;

const MAILBOX: usize = 4096;
pub const NSP: &str = "/remote-control";

pub struct RoomActor {
    user: UserId,
    name: String,
    members: Vec<Member>,
    presence: PresenceStore,
    bridge: BridgeHandle,
    last_presence: Option<Presence>,
}

/// `42/remote-control,["client_presence",{…}]` as an Engine.IO message frame.
/// Written directly (it is sent on every arrival and departure); the test
/// `presence_frame_is_the_generic_encoding` checks it against `encode_event`.
pub fn presence_frame(p: Presence) -> ByteString {
    crate::metrics::count_out("client_presence");
    let mut n = itoa::Buffer::new();
    let web = if p.has_web_player { "true" } else { "false" };
    let parts: [&str; 7] = [
        "42",
        NSP,
        r#",["client_presence",{"connectedDevices":"#,
        n.format(p.connected_devices),
        r#","hasWebPlayer":"#,
        web,
        "}]",
    ];
    parts.concat().into()
}

impl RoomActor {
    pub fn new(user: UserId, presence: PresenceStore, bridge: BridgeHandle) -> RoomActor {
        RoomActor { user, name: user.room(), members: Vec::new(), presence, bridge, last_presence: None }
    }

    fn local_presence(&self) -> Presence {
        Presence { connected_devices: self.members.len(), has_web_player: self.members.iter().any(|m| m.web_player) }
    }

    /// Pushes to every member but those in `except`; a member whose outbox is full is
    /// being closed as a slow consumer by the push itself and misses the frame.
    fn deliver(&self, frame: &ByteString, except: &[&str]) {
        for m in &self.members {
            if except.contains(&&*m.socket.0) {
                continue;
            }
            if let Err(PushError::Full) = m.shared.outbox.push(frame.clone()) {
                tracing::info!(user = %self.user, sid = %m.shared.sid, "slow consumer disconnected");
                crate::metrics::bump(&crate::metrics::SLOW_CONSUMERS);
            }
        }
    }

    fn publish(&self, frame: &ByteString, except: Vec<String>) {
        // Envelopes carry the Socket.IO packet without the Engine.IO `4`.
        if let Some(packet) = frame.strip_prefix('4') {
            self.bridge.publish(std::slice::from_ref(&self.name), except, packet);
        }
    }

    /// Sends presence to every device of the user, here and on other instances.
    fn emit(&mut self, p: Presence) {
        let frame = presence_frame(p);
        self.deliver(&frame, &[]);
        self.publish(&frame, Vec::new());
        self.last_presence = Some(p);
    }

    fn members_op(&self) -> PresenceOp {
        PresenceOp::Upsert(self.members.iter().map(|m| (m.socket.0.to_string(), m.web_player)).collect())
    }

    /// Runs a presence update holding the mailbox, then `then(presence, room)`.
    fn with_presence(
        &mut self,
        op: PresenceOp,
        ctx: &mut Context<Self>,
        then: impl FnOnce(Presence, &mut RoomActor) + 'static,
    ) -> ResponseActFuture<Self, Presence> {
        let store = self.presence.clone();
        let user = self.user;
        let _ = ctx;
        Box::pin(wrap_future::<_, Self>(async move { store.update(user, op).await }).map(move |shared, act, _| {
            let p = shared.unwrap_or_else(|| act.local_presence());
            then(p, act);
            p
        }))
    }
}

impl Actor for RoomActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct AddMember(pub Member);

impl Handler<AddMember> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: AddMember, ctx: &mut Self::Context) {
        self.members.retain(|m| m.socket != msg.0.socket);
        let op = PresenceOp::Upsert(vec![(msg.0.socket.0.to_string(), msg.0.web_player)]);
        self.members.push(msg.0);
        let fut = self.with_presence(op, ctx, |p, act| act.emit(p));
        ctx.wait(fut.map(|_, _, _| ()));
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveMember(pub SocketId);

impl Handler<RemoveMember> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: RemoveMember, ctx: &mut Self::Context) {
        let before = self.members.len();
        self.members.retain(|m| m.socket != msg.0);
        if self.members.len() == before {
            return;
        }
        let fut = self.with_presence(PresenceOp::Remove(vec![msg.0 .0.to_string()]), ctx, |p, act| {
            // Only if the user still has a device somewhere.
            if p.connected_devices > 0 {
                act.emit(p);
            }
        });
        ctx.wait(fut.map(|_, _, _| ()));
    }
}

/// A frame for this room. `publish`: also send it to the other instances.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Broadcast {
    pub frame: ByteString,
    pub except: Option<SocketId>,
    pub publish: bool,
    /// When the event that caused this relay arrived from its socket (relay latency).
    pub arrived: Option<std::time::Instant>,
}

impl Handler<Broadcast> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: Broadcast, _: &mut Self::Context) {
        let except: Vec<&str> = msg.except.iter().map(|s| &*s.0).collect();
        self.deliver(&msg.frame, &except);
        if let Some(arrived) = msg.arrived {
            crate::metrics::RELAY_LATENCY.observe(arrived.elapsed());
        }
        if msg.publish {
            self.publish(&msg.frame, msg.except.map(|s| vec![s.0.to_string()]).unwrap_or_default());
        }
    }
}

/// A frame received from another instance: local delivery only.
#[derive(Message)]
#[rtype(result = "()")]
pub struct FromBridge {
    pub frame: ByteString,
    pub except: Vec<String>,
}

impl Handler<FromBridge> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: FromBridge, _: &mut Self::Context) {
        let except: Vec<&str> = msg.except.iter().map(String::as_str).collect();
        self.deliver(&msg.frame, &except);
    }
}

#[derive(Message)]
#[rtype(result = "Presence")]
pub struct EmitPresence;

impl Handler<EmitPresence> for RoomActor {
    type Result = ResponseActFuture<Self, Presence>;

    fn handle(&mut self, _: EmitPresence, ctx: &mut Self::Context) -> Self::Result {
        self.with_presence(PresenceOp::Count, ctx, |p, act| act.emit(p))
    }
}

#[derive(Message)]
#[rtype(result = "Presence")]
pub struct SetWebPlayer {
    pub socket: SocketId,
    pub active: bool,
}

impl Handler<SetWebPlayer> for RoomActor {
    type Result = ResponseActFuture<Self, Presence>;

    fn handle(&mut self, msg: SetWebPlayer, ctx: &mut Self::Context) -> Self::Result {
        if let Some(m) = self.members.iter_mut().find(|m| m.socket == msg.socket) {
            m.web_player = msg.active;
        }
        let op = PresenceOp::Upsert(vec![(msg.socket.0.to_string(), msg.active)]);
        self.with_presence(op, ctx, |p, act| act.emit(p))
    }
}

/// Periodic lease refresh: re-score local sockets; emit if presence changed (for
/// example because another instance died and its entries expired).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RefreshLease;

impl Handler<RefreshLease> for RoomActor {
    type Result = ();

    fn handle(&mut self, _: RefreshLease, ctx: &mut Self::Context) {
        if !self.presence.is_shared() {
            return;
        }
        let fut = self.with_presence(self.members_op(), ctx, |p, act| {
            if act.last_presence != Some(p) {
                act.emit(p);
            }
        });
        ctx.wait(fut.map(|_, _, _| ()));
    }
}

/// Instance shutdown: remove this instance's entries and tell the user's devices on
/// other instances (local ones are being closed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveCluster;

impl Handler<LeaveCluster> for RoomActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: LeaveCluster, ctx: &mut Self::Context) -> Self::Result {
        let sockets = self.members.iter().map(|m| m.socket.0.to_string()).collect();
        let fut = self.with_presence(PresenceOp::Remove(sockets), ctx, |p, act| {
            if act.presence.is_shared() && p.connected_devices > 0 {
                act.publish(&presence_frame(p), Vec::new());
            }
        });
        Box::pin(fut.map(|_, _, _| ()))
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct StopRoom;

impl Handler<StopRoom> for RoomActor {
    type Result = ();

    fn handle(&mut self, _: StopRoom, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::socketio;

    #[test]
    fn presence_frame_is_the_generic_encoding() {
        for (connected_devices, has_web_player) in [(0, false), (1, true), (2, false), (1234567, true)] {
            let p = Presence { connected_devices, has_web_player };
            let payload = json!({"connectedDevices": connected_devices, "hasWebPlayer": has_web_player});
            let generic = format!("4{}", socketio::encode_event(NSP, "client_presence", &[payload]));
            assert_eq!(&*presence_frame(p), generic.as_str());
        }
    }
}

//! One user's room on this instance: its local sockets, their web-player flags, and
//! fan-out of pre-encoded frames into their outboxes.

use actix::{Actor, Context, Handler, Message};
use bytestring::ByteString;
use serde_json::json;

use super::{Member, Presence, SocketId};
use crate::ids::UserId;
use crate::protocol::socketio;
use crate::session::outbox::PushError;

const MAILBOX: usize = 4096;
pub const NSP: &str = "/remote-control";

pub struct RoomActor {
    user: UserId,
    members: Vec<Member>,
}

impl RoomActor {
    pub fn new(user: UserId) -> RoomActor {
        RoomActor { user, members: Vec::new() }
    }

    fn presence(&self) -> Presence {
        Presence { connected_devices: self.members.len(), has_web_player: self.members.iter().any(|m| m.web_player) }
    }

    /// Pushes to every member but `except`; a member whose outbox is full is being
    /// closed as a slow consumer by the push itself and simply misses the frame.
    fn deliver(&self, frame: &ByteString, except: Option<&SocketId>) {
        for m in &self.members {
            if Some(&m.socket) == except {
                continue;
            }
            if let Err(PushError::Full) = m.shared.outbox.push(frame.clone()) {
                tracing::info!(user = %self.user, sid = %m.shared.sid, "slow consumer disconnected");
            }
        }
    }

    fn emit_presence(&self) -> Presence {
        let p = self.presence();
        let frame = presence_frame(p);
        self.deliver(&frame, None);
        p
    }
}

/// `42/remote-control,["client_presence",{…}]` as an Engine.IO message frame.
pub fn presence_frame(p: Presence) -> ByteString {
    let payload = json!({"connectedDevices": p.connected_devices, "hasWebPlayer": p.has_web_player});
    format!("4{}", socketio::encode_event(NSP, "client_presence", &[payload])).into()
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

    fn handle(&mut self, msg: AddMember, _: &mut Self::Context) {
        self.members.retain(|m| m.socket != msg.0.socket);
        self.members.push(msg.0);
        self.emit_presence();
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct RemoveMember(pub SocketId);

impl Handler<RemoveMember> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: RemoveMember, _: &mut Self::Context) {
        let before = self.members.len();
        self.members.retain(|m| m.socket != msg.0);
        if self.members.len() < before && !self.members.is_empty() {
            self.emit_presence();
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Broadcast {
    pub frame: ByteString,
    pub except: Option<SocketId>,
}

impl Handler<Broadcast> for RoomActor {
    type Result = ();

    fn handle(&mut self, msg: Broadcast, _: &mut Self::Context) {
        self.deliver(&msg.frame, msg.except.as_ref());
    }
}

#[derive(Message)]
#[rtype(result = "Presence")]
pub struct EmitPresence;

impl Handler<EmitPresence> for RoomActor {
    type Result = actix::MessageResult<EmitPresence>;

    fn handle(&mut self, _: EmitPresence, _: &mut Self::Context) -> Self::Result {
        actix::MessageResult(self.emit_presence())
    }
}

#[derive(Message)]
#[rtype(result = "Presence")]
pub struct SetWebPlayer {
    pub socket: SocketId,
    pub active: bool,
}

impl Handler<SetWebPlayer> for RoomActor {
    type Result = actix::MessageResult<SetWebPlayer>;

    fn handle(&mut self, msg: SetWebPlayer, _: &mut Self::Context) -> Self::Result {
        if let Some(m) = self.members.iter_mut().find(|m| m.socket == msg.socket) {
            m.web_player = msg.active;
        }
        actix::MessageResult(self.emit_presence())
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct StopRoom;

impl Handler<StopRoom> for RoomActor {
    type Result = ();

    fn handle(&mut self, _: StopRoom, ctx: &mut Self::Context) {
        use actix::ActorContext;
        ctx.stop();
    }
}

//! The registry of rooms on this instance (see the module doc of `room`).

use std::collections::HashMap;
use std::sync::Arc;

use actix::{Actor, ActorContext, Addr, ArbiterHandle, Context, Handler, Message};
use bytestring::ByteString;
use uuid::Uuid;

use super::actor::{AddMember, Broadcast, RemoveMember, RoomActor, StopRoom};
use super::{Member, SocketId};
use crate::ids::UserId;
use crate::session::shared::SessionShared;

const MAILBOX: usize = 8192;

struct UserRoom {
    addr: Addr<RoomActor>,
    members: usize,
}

struct DreamMember {
    user: UserId,
    shared: Arc<SessionShared>,
}

pub struct RoomRegistry {
    rooms_arbiter: ArbiterHandle,
    users: HashMap<UserId, UserRoom>,
    dreams: HashMap<Uuid, HashMap<SocketId, DreamMember>>,
}

impl RoomRegistry {
    pub fn new(rooms_arbiter: ArbiterHandle) -> RoomRegistry {
        RoomRegistry { rooms_arbiter, users: HashMap::new(), dreams: HashMap::new() }
    }
}

impl Actor for RoomRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

#[derive(Message)]
#[rtype(result = "Addr<RoomActor>")]
pub struct JoinUser {
    pub user: UserId,
    pub member: Member,
}

impl Handler<JoinUser> for RoomRegistry {
    type Result = actix::MessageResult<JoinUser>;

    fn handle(&mut self, msg: JoinUser, _: &mut Self::Context) -> Self::Result {
        let arbiter = self.rooms_arbiter.clone();
        let room = self.users.entry(msg.user).or_insert_with(|| {
            let user = msg.user;
            UserRoom { addr: RoomActor::start_in_arbiter(&arbiter, move |_| RoomActor::new(user)), members: 0 }
        });
        // A room that stopped unexpectedly is replaced (restart by the registry).
        if !room.addr.connected() {
            let user = msg.user;
            room.addr = RoomActor::start_in_arbiter(&arbiter, move |_| RoomActor::new(user));
            room.members = 0;
        }
        room.members += 1;
        room.addr.do_send(AddMember(msg.member));
        actix::MessageResult(room.addr.clone())
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveUser {
    pub user: UserId,
    pub socket: SocketId,
}

impl Handler<LeaveUser> for RoomRegistry {
    type Result = ();

    fn handle(&mut self, msg: LeaveUser, _: &mut Self::Context) {
        let Some(room) = self.users.get_mut(&msg.user) else { return };
        room.addr.do_send(RemoveMember(msg.socket));
        room.members = room.members.saturating_sub(1);
        if room.members == 0 {
            if let Some(room) = self.users.remove(&msg.user) {
                room.addr.do_send(StopRoom);
            }
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct JoinDream {
    pub dream: Uuid,
    pub user: UserId,
    pub socket: SocketId,
    pub shared: Arc<SessionShared>,
}

impl Handler<JoinDream> for RoomRegistry {
    type Result = ();

    fn handle(&mut self, msg: JoinDream, _: &mut Self::Context) {
        self.dreams
            .entry(msg.dream)
            .or_default()
            .insert(msg.socket, DreamMember { user: msg.user, shared: msg.shared });
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveDream {
    pub dream: Uuid,
    pub socket: SocketId,
}

impl Handler<LeaveDream> for RoomRegistry {
    type Result = ();

    fn handle(&mut self, msg: LeaveDream, _: &mut Self::Context) {
        if let Some(members) = self.dreams.get_mut(&msg.dream) {
            members.remove(&msg.socket);
            if members.is_empty() {
                self.dreams.remove(&msg.dream);
            }
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct EmitToUser {
    pub user: UserId,
    pub frame: ByteString,
}

impl Handler<EmitToUser> for RoomRegistry {
    type Result = ();

    fn handle(&mut self, msg: EmitToUser, _: &mut Self::Context) {
        if let Some(room) = self.users.get(&msg.user) {
            room.addr.do_send(Broadcast { frame: msg.frame, except: None });
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct EmitJob {
    pub owner: UserId,
    pub dream: Uuid,
    pub frame: ByteString,
}

impl Handler<EmitJob> for RoomRegistry {
    type Result = ();

    /// Once per socket: every `/remote-control` socket of the owner is in `USER:<owner>`,
    /// so dream-room members of the owner are skipped here and reached through the room.
    fn handle(&mut self, msg: EmitJob, _: &mut Self::Context) {
        if let Some(room) = self.users.get(&msg.owner) {
            room.addr.do_send(Broadcast { frame: msg.frame.clone(), except: None });
        }
        if let Some(members) = self.dreams.get(&msg.dream) {
            for m in members.values().filter(|m| m.user != msg.owner) {
                let _ = m.shared.outbox.push(msg.frame.clone());
            }
        }
    }
}

#[derive(Message)]
#[rtype(result = "(usize, usize)")]
pub struct Stats;

impl Handler<Stats> for RoomRegistry {
    type Result = actix::MessageResult<Stats>;

    fn handle(&mut self, _: Stats, _: &mut Self::Context) -> Self::Result {
        actix::MessageResult((self.users.len(), self.dreams.len()))
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct StopRegistry;

impl Handler<StopRegistry> for RoomRegistry {
    type Result = ();

    fn handle(&mut self, _: StopRegistry, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

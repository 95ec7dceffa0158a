//! The registry of rooms on this instance (see the module doc of `room`): starts and
//! stops user rooms, holds dream rooms, subscribes the bridge to exactly the rooms with
//! local members, routes envelopes from other instances, and drives presence leases.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use actix::fut::wrap_future;
use actix::{
    Actor, ActorContext, Addr, ArbiterHandle, AsyncContext, Context, Handler, Message, ResponseActFuture, StreamHandler,
};
use bytestring::ByteString;
use uuid::Uuid;

use super::actor::{Broadcast, FromBridge, LeaveCluster, RefreshLease, RemoveMember, RoomActor, StopRoom};
use super::SocketId;
use crate::bridge::{BridgeHandle, Envelope};
use crate::ids::UserId;
use crate::presence::PresenceStore;
use crate::session::shared::SessionShared;

const MAILBOX: usize = 8192;
/// Multi-room envelopes remembered for de-duplication (they arrive once per channel).
const DEDUP_WINDOW: usize = 1024;

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
    presence: PresenceStore,
    bridge: BridgeHandle,
    users: HashMap<UserId, UserRoom>,
    dreams: HashMap<Uuid, HashMap<SocketId, DreamMember>>,
    seen: VecDeque<(String, u64)>,
    seen_set: HashSet<(String, u64)>,
    /// The turn of the lease-refresh wheel that runs next.
    refresh_turn: u32,
}

/// Lease refreshes are spread over their period in this many turns: a user room refreshes
/// in the turn `user id mod REFRESH_TURNS`. Refreshing every room at once sent one
/// presence script per room to Redis in a single burst (9 500 at 19 000 sessions), which
/// delayed everything else queued on that connection every period and, on a starved
/// machine, made the whole burst time out together.
const REFRESH_TURNS: u32 = 20;

/// Whether `user`'s room refreshes its lease in `turn`.
fn refreshes_in(user: UserId, turn: u32) -> bool {
    user.0.rem_euclid(REFRESH_TURNS as i32) as u32 == turn
}

impl RoomRegistry {
    pub fn new(rooms_arbiter: ArbiterHandle, presence: PresenceStore, bridge: BridgeHandle) -> RoomRegistry {
        RoomRegistry {
            rooms_arbiter,
            presence,
            bridge,
            users: HashMap::new(),
            dreams: HashMap::new(),
            seen: VecDeque::new(),
            seen_set: HashSet::new(),
            refresh_turn: 0,
        }
    }

    fn start_room(&self, user: UserId, home: Option<&ArbiterHandle>) -> Addr<RoomActor> {
        let (presence, bridge) = (self.presence.clone(), self.bridge.clone());
        self.bridge.subscribe(&user.room());
        // An arbiter that has stopped (its worker is gone) cannot host the room.
        let arbiter = home.filter(|h| h.alive()).unwrap_or(&self.rooms_arbiter);
        RoomActor::start_in_arbiter(arbiter, move |_| RoomActor::new(user, presence, bridge))
    }

    /// True the first time an (origin, seq) is seen.
    fn first_sighting(&mut self, origin: &str, seq: u64) -> bool {
        let key = (origin.to_string(), seq);
        if self.seen_set.contains(&key) {
            return false;
        }
        if self.seen.len() >= DEDUP_WINDOW {
            if let Some(old) = self.seen.pop_front() {
                self.seen_set.remove(&old);
            }
        }
        self.seen.push_back(key.clone());
        self.seen_set.insert(key);
        true
    }

    /// Local delivery of one emission to the union of `rooms`, each socket at most once:
    /// a `DREAM:` member whose user room is also targeted is reached through that room.
    fn deliver_union(&self, rooms: &[String], frame: &ByteString, except: &[String]) {
        let users: Vec<UserId> =
            rooms.iter().filter_map(|r| r.strip_prefix("USER:")?.parse().ok().map(UserId)).collect();
        for user in &users {
            if let Some(room) = self.users.get(user) {
                let msg = FromBridge { frame: frame.clone(), except: except.to_vec() };
                if room.addr.try_send(msg).is_err() {
                    tracing::warn!(user = %user, "room mailbox full: bridged frame dropped");
                }
            }
        }
        for dream in rooms.iter().filter_map(|r| r.strip_prefix("DREAM:")?.parse::<Uuid>().ok()) {
            let Some(members) = self.dreams.get(&dream) else { continue };
            for (socket, m) in members {
                if users.contains(&m.user) || except.iter().any(|e| **e == *socket.0) {
                    continue;
                }
                let _ = m.shared.outbox.push(frame.clone());
            }
        }
    }
}

impl Actor for RoomRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
        if self.presence.is_shared() {
            // Every room once per lease / 3, a twentieth of them per turn.
            ctx.run_interval(self.presence.lease() / 3 / REFRESH_TURNS, |act, _| {
                let turn = act.refresh_turn;
                act.refresh_turn = (turn + 1) % REFRESH_TURNS;
                for (user, room) in &act.users {
                    if refreshes_in(*user, turn) {
                        room.addr.do_send(RefreshLease);
                    }
                }
            });
        }
    }
}

/// Envelopes from other instances arrive as a stream (bounded channel fed by the bridge).
impl StreamHandler<Envelope> for RoomRegistry {
    fn handle(&mut self, env: Envelope, _: &mut Self::Context) {
        if env.ts > 0 {
            let lag = crate::bridge::now_micros().saturating_sub(env.ts);
            crate::metrics::BRIDGE_LAG.observe(std::time::Duration::from_micros(lag));
        }
        if env.rooms.len() > 1 && !self.first_sighting(&env.origin, env.seq) {
            return;
        }
        let frame: ByteString = crate::protocol::engineio::message(&env.packet);
        self.deliver_union(&env.rooms, &frame, &env.except);
    }

    fn finished(&mut self, _: &mut Self::Context) {}
}

/// Reserves a place in `USER:<user>` (the session then adds itself to the room, after
/// its CONNECT ack). `None` when the user already holds `limit` sockets here.
#[derive(Message)]
#[rtype(result = "Option<Addr<RoomActor>>")]
pub struct JoinUser {
    pub user: UserId,
    pub limit: usize,
    /// Where to run the room if this join starts it.
    pub home: Option<ArbiterHandle>,
}

impl Handler<JoinUser> for RoomRegistry {
    type Result = actix::MessageResult<JoinUser>;

    fn handle(&mut self, msg: JoinUser, _: &mut Self::Context) -> Self::Result {
        // First local member, or the room stopped unexpectedly: (re)start it.
        let mut room = match self.users.remove(&msg.user).filter(|r| r.addr.connected()) {
            Some(room) => room,
            None => UserRoom { addr: self.start_room(msg.user, msg.home.as_ref()), members: 0 },
        };
        let admitted = room.members < msg.limit;
        if admitted {
            room.members += 1;
        }
        let addr = room.addr.clone();
        if room.members == 0 {
            room.addr.do_send(StopRoom);
            self.bridge.unsubscribe(&msg.user.room());
        } else {
            self.users.insert(msg.user, room);
        }
        actix::MessageResult(admitted.then_some(addr))
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
                self.bridge.unsubscribe(&msg.user.room());
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
        let members = self.dreams.entry(msg.dream).or_default();
        if members.is_empty() {
            self.bridge.subscribe(&format!("DREAM:{}", msg.dream));
        }
        members.insert(msg.socket, DreamMember { user: msg.user, shared: msg.shared });
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
                self.bridge.unsubscribe(&format!("DREAM:{}", msg.dream));
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
            room.addr.do_send(Broadcast { frame: msg.frame.clone(), except: None, publish: false, arrived: None });
        }
        if let Some(packet) = msg.frame.strip_prefix('4') {
            self.bridge.publish(&[msg.user.room()], Vec::new(), packet);
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

    /// Once per socket in `USER:<owner>` ∪ `DREAM:<dream>`, cluster-wide.
    fn handle(&mut self, msg: EmitJob, _: &mut Self::Context) {
        let rooms = vec![msg.owner.room(), format!("DREAM:{}", msg.dream)];
        if let Some(room) = self.users.get(&msg.owner) {
            room.addr.do_send(Broadcast { frame: msg.frame.clone(), except: None, publish: false, arrived: None });
        }
        if let Some(members) = self.dreams.get(&msg.dream) {
            for m in members.values().filter(|m| m.user != msg.owner) {
                let _ = m.shared.outbox.push(msg.frame.clone());
            }
        }
        if let Some(packet) = msg.frame.strip_prefix('4') {
            self.bridge.publish(&rooms, Vec::new(), packet);
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

/// Shutdown: every room removes this instance's presence entries and tells the other
/// instances; resolves when all have done so.
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveClusterAll;

impl Handler<LeaveClusterAll> for RoomRegistry {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: LeaveClusterAll, _: &mut Self::Context) -> Self::Result {
        let sends: Vec<_> = self.users.values().map(|r| r.addr.send(LeaveCluster)).collect();
        let bridge = self.bridge.clone();
        Box::pin(wrap_future::<_, Self>(async move {
            futures_util::future::join_all(sends).await;
            bridge.flush().await;
        }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_room_refreshes_in_exactly_one_turn_and_the_turns_share_the_rooms() {
        let mut per_turn = [0usize; REFRESH_TURNS as usize];
        for id in -50..10_000 {
            let turns: Vec<u32> = (0..REFRESH_TURNS).filter(|t| refreshes_in(UserId(id), *t)).collect();
            assert_eq!(turns.len(), 1, "user {id}: {turns:?}");
            per_turn[turns[0] as usize] += 1;
        }
        let (least, most) = (per_turn.iter().min().unwrap(), per_turn.iter().max().unwrap());
        assert!(most - least <= 1, "{per_turn:?}");
    }
}

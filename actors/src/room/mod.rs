//! Rooms: `USER:<id>` (one [`RoomActor`] per user with local members) and
//! `DREAM:<uuid>` (sockets watching a dream's processing), both owned by the
//! [`registry::RoomRegistry`].
//!
//! Every join and leave passes through the registry, which counts members per user
//! room: it starts a room on the first join and stops it when the count reaches zero, so
//! a stopping room can never swallow a later join. Sessions keep the room's address for
//! broadcasts (one hop). Rooms push pre-encoded frames straight into members' outboxes
//! and never wait on a client; a full outbox closes that client as a slow consumer.
//!
//! Threads: the registry has its own arbiter; a user room runs on the arbiter of the
//! session that started it (a worker thread), so that a relay between two devices served
//! by the same worker is delivered without a thread switch — on a busy instance those
//! switches, not the relay work, were most of the CPU of a relay.
//!
//! Mailboxes: registry 8192, rooms 4096. Restart policy: a room that stopped
//! unexpectedly is recreated by the registry on the next join; sessions whose broadcast
//! fails re-join (see `session`).

mod actor;
mod registry;

use std::sync::Arc;

use actix::{Actor, Addr, ArbiterHandle, AsyncContext, MailboxError};
use bytestring::ByteString;
use serde::Serialize;
use uuid::Uuid;

use crate::bridge::{BridgeHandle, Envelope};
use crate::ids::UserId;
use crate::presence::PresenceStore;
use crate::session::shared::SessionShared;

pub use actor::RoomActor;
pub use registry::RoomRegistry;

/// Socket.IO socket id (20 base64url characters), unique per namespace connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketId(pub Arc<str>);

/// A local member of a user room.
#[derive(Clone)]
pub struct Member {
    pub socket: SocketId,
    pub shared: Arc<SessionShared>,
    pub web_player: bool,
}

/// `client_presence` payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Presence {
    #[serde(rename = "connectedDevices")]
    pub connected_devices: usize,
    #[serde(rename = "hasWebPlayer")]
    pub has_web_player: bool,
}

/// Address of one user room, held by its member sessions.
#[derive(Clone)]
pub struct RoomHandle {
    addr: Addr<RoomActor>,
}

impl RoomHandle {
    /// Delivers `frame` to every local member except `except` (fan-out without waiting
    /// on clients). Falls back to waiting for mailbox space when the room is saturated.
    /// `arrived` (when the causing event was read from its socket) feeds the relay latency
    /// histogram.
    pub async fn broadcast(
        &self,
        frame: ByteString,
        except: Option<SocketId>,
        arrived: Option<std::time::Instant>,
    ) -> Result<(), MailboxError> {
        let msg = actor::Broadcast { frame, except, publish: true, arrived };
        match self.addr.try_send(msg) {
            Ok(()) => Ok(()),
            Err(actix::dev::SendError::Full(msg)) => self.addr.send(msg).await,
            Err(actix::dev::SendError::Closed(_)) => Err(MailboxError::Closed),
        }
    }

    /// Adds a reserved member; the room then emits presence to all its members (the new
    /// one included).
    pub async fn add_member(&self, member: Member) -> Result<(), MailboxError> {
        self.addr.send(actor::AddMember(member)).await
    }

    /// Recomputes presence and sends it to every member; returns it.
    pub async fn emit_presence(&self) -> Result<Presence, MailboxError> {
        self.addr.send(actor::EmitPresence).await
    }

    /// Sets a member's web-player flag, emits presence and returns it.
    pub async fn set_web_player(&self, socket: SocketId, active: bool) -> Result<Presence, MailboxError> {
        self.addr.send(actor::SetWebPlayer { socket, active }).await
    }
}

/// What the rest of the system holds to reach rooms.
#[derive(Clone)]
pub struct RoomRegistryHandle {
    addr: Addr<RoomRegistry>,
}

impl RoomRegistryHandle {
    /// Starts the registry (and later its rooms) on `arbiter`. `from_bridge` carries the
    /// envelopes the bridge receives from other instances.
    pub fn start(
        arbiter: &ArbiterHandle,
        presence: PresenceStore,
        bridge: BridgeHandle,
        from_bridge: tokio::sync::mpsc::Receiver<Envelope>,
    ) -> RoomRegistryHandle {
        let rooms_arbiter = arbiter.clone();
        let addr = RoomRegistry::start_in_arbiter(arbiter, move |ctx| {
            let stream =
                futures_util::stream::unfold(from_bridge, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
            ctx.add_stream(stream);
            RoomRegistry::new(rooms_arbiter, presence, bridge)
        });
        RoomRegistryHandle { addr }
    }

    /// Shutdown: removes this instance's presence entries and tells the other instances.
    pub async fn leave_cluster(&self) -> Result<(), MailboxError> {
        self.addr.send(registry::LeaveClusterAll).await
    }

    /// Reserves a place in `USER:<user>`; `Ok(None)` when the user already holds `limit`
    /// sockets on this instance. The caller then adds its member with
    /// [`RoomHandle::add_member`]. A room this join starts runs on `home` (the joining
    /// session's arbiter), else on the registry's.
    pub async fn join_user(
        &self,
        user: UserId,
        limit: usize,
        home: Option<ArbiterHandle>,
    ) -> Result<Option<RoomHandle>, MailboxError> {
        let addr = self.addr.send(registry::JoinUser { user, limit, home }).await?;
        Ok(addr.map(|addr| RoomHandle { addr }))
    }

    /// Leaves `USER:<user>` (fire-and-forget: used from `stopping`).
    pub fn leave_user(&self, user: UserId, socket: SocketId) {
        self.addr.do_send(registry::LeaveUser { user, socket });
    }

    pub async fn join_dream(
        &self,
        dream: Uuid,
        user: UserId,
        socket: SocketId,
        shared: Arc<SessionShared>,
    ) -> Result<(), MailboxError> {
        self.addr.send(registry::JoinDream { dream, user, socket, shared }).await
    }

    pub fn leave_dream(&self, dream: Uuid, socket: SocketId) {
        self.addr.do_send(registry::LeaveDream { dream, socket });
    }

    /// Emits `frame` to `USER:<user>` from outside a session (REST-originated events).
    pub async fn emit_to_user(&self, user: UserId, frame: ByteString) -> Result<(), MailboxError> {
        self.addr.send(registry::EmitToUser { user, frame }).await
    }

    /// Emits a job-progress `frame` once per socket to `USER:<owner>` ∪ `DREAM:<dream>`.
    pub async fn emit_job(&self, owner: UserId, dream: Uuid, frame: ByteString) -> Result<(), MailboxError> {
        self.addr.send(registry::EmitJob { owner, dream, frame }).await
    }

    /// (user rooms, dream rooms) currently alive on this instance.
    pub async fn stats(&self) -> Result<(usize, usize), MailboxError> {
        self.addr.send(registry::Stats).await
    }
}

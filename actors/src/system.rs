//! Starts the actor system: domain actors on one arbiter (thread) so database futures
//! never compete with socket I/O on the HTTP workers, the room registry and rooms on
//! another, and the bridge's tasks on the caller's runtime. Sessions are started by the
//! transport on the worker that accepted them.

use std::sync::Arc;

use actix::Arbiter;

use crate::bridge::{BridgeHandle, EnvelopeSink};
use crate::db::PgPool;
use crate::domain::auth::AuthHandle;
use crate::domain::client::ClientHandle;
use crate::domain::dreams::DreamsHandle;
use crate::domain::feed::FeedHandle;
use crate::domain::invites::InvitesHandle;
use crate::domain::keyframes::KeyframesHandle;
use crate::domain::playlists::PlaylistsHandle;
use crate::domain::remote::RemoteHandle;
use crate::domain::reports::ReportsHandle;
use crate::domain::users::UsersHandle;
use crate::kv::{Kv, RedisPool};
use crate::presence::PresenceStore;
use crate::room::RoomRegistryHandle;

/// Envelopes from other instances waiting for the registry; beyond this they are dropped
/// (counted by the bridge as not delivered).
const FROM_BRIDGE_QUEUE: usize = 8192;

/// How the instance shares state with the rest of the cluster.
pub struct ClusterConfig {
    /// `None`: single-instance mode.
    pub redis: Option<(String, RedisPool)>,
    pub prefix: String,
    pub instance_id: String,
    pub presence_lease: std::time::Duration,
}

/// Every long-lived actor handle the edges need. Cheap to clone.
#[derive(Clone)]
pub struct ActorSystem {
    pub users: UsersHandle,
    pub remote: RemoteHandle,
    pub rooms: RoomRegistryHandle,
    pub auth: AuthHandle,
    pub bridge: BridgeHandle,
    pub kv: Kv,
    /// Read-only use outside domain actors: pool status for metrics.
    pub pool: PgPool,
    pub dreams: DreamsHandle,
    pub client: ClientHandle,
    pub reports: ReportsHandle,
    pub invites: InvitesHandle,
    pub keyframes: KeyframesHandle,
    pub feed: FeedHandle,
    pub playlists: PlaylistsHandle,
}

impl ActorSystem {
    /// Must be called inside a running actix system.
    pub fn start(pool: PgPool, cluster: ClusterConfig) -> Result<ActorSystem, redis::RedisError> {
        let domain = Arbiter::new();
        let keys = Arc::new(crate::domain::users::KeyCache::default());
        let users = UsersHandle::start(pool.clone(), &domain.handle(), keys.clone());
        let remote = RemoteHandle::start(pool.clone(), &domain.handle());
        let dreams = DreamsHandle::start(pool.clone(), &domain.handle());
        let playlists = PlaylistsHandle::start(pool.clone(), &domain.handle());
        let auth = AuthHandle::start(pool.clone(), &domain.handle(), keys);
        let client = ClientHandle::start(pool.clone(), &domain.handle());
        let reports = ReportsHandle::start(pool.clone(), &domain.handle());
        let invites = InvitesHandle::start(pool.clone(), &domain.handle());
        let keyframes = KeyframesHandle::start(pool.clone(), &domain.handle());
        let feed = FeedHandle::start(pool.clone(), &domain.handle());
        let (tx, rx) = tokio::sync::mpsc::channel(FROM_BRIDGE_QUEUE);
        let sink: EnvelopeSink = Arc::new(move |env| {
            if tx.try_send(env).is_err() {
                tracing::warn!("registry inbox full: bridged message dropped");
            }
        });
        let (bridge, presence, kv) = match &cluster.redis {
            Some((url, pool)) => (
                BridgeHandle::for_pool(url, pool, &cluster.prefix, &cluster.instance_id, sink)?,
                PresenceStore::redis(pool.clone(), &cluster.prefix, &cluster.instance_id, cluster.presence_lease),
                Kv::redis(pool.clone(), &cluster.prefix),
            ),
            None => (BridgeHandle::disabled(&cluster.instance_id), PresenceStore::Local, Kv::memory()),
        };
        let rooms_arbiter = Arbiter::new();
        let rooms = RoomRegistryHandle::start(&rooms_arbiter.handle(), presence, bridge.clone(), rx);
        Ok(ActorSystem {
            users,
            remote,
            rooms,
            auth,
            bridge,
            kv,
            pool,
            dreams,
            client,
            reports,
            invites,
            keyframes,
            feed,
            playlists,
        })
    }
}

//! Starts the actor system: domain actors on one arbiter (thread) so database futures
//! never compete with socket I/O on the HTTP workers, the room registry and rooms on
//! another. Sessions are started by the transport on the worker that accepted them.

use actix::Arbiter;

use crate::db::PgPool;
use crate::domain::auth::AuthHandle;
use crate::domain::remote::RemoteHandle;
use crate::domain::users::UsersHandle;
use crate::room::RoomRegistryHandle;

/// Every long-lived actor handle the edges need. Cheap to clone.
#[derive(Clone)]
pub struct ActorSystem {
    pub users: UsersHandle,
    pub remote: RemoteHandle,
    pub rooms: RoomRegistryHandle,
    pub auth: AuthHandle,
}

impl ActorSystem {
    /// Must be called inside a running actix system.
    pub fn start(pool: PgPool) -> ActorSystem {
        let domain = Arbiter::new();
        let users = UsersHandle::start(pool.clone(), &domain.handle());
        let remote = RemoteHandle::start(pool.clone(), &domain.handle());
        let auth = AuthHandle::start(pool, &domain.handle());
        let rooms_arbiter = Arbiter::new();
        let rooms = RoomRegistryHandle::start(&rooms_arbiter.handle());
        ActorSystem { users, remote, rooms, auth }
    }
}

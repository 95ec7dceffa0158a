//! Starts the actor system: one arbiter (thread) for the domain actors, holding their
//! handles in [`ActorSystem`]. Rooms, sessions and the bridge are added by the realtime
//! layer (`room`, `session`, `bridge` modules) and hang off the same struct.

use actix::Arbiter;

use crate::db::PgPool;
use crate::domain::users::UsersHandle;

/// Every long-lived actor handle the edges need. Cheap to clone.
#[derive(Clone)]
pub struct ActorSystem {
    pub users: UsersHandle,
}

impl ActorSystem {
    /// Starts the domain actors on a dedicated arbiter so database futures never compete
    /// with socket I/O on the HTTP workers. Must be called inside a running actix system.
    pub fn start(pool: PgPool) -> ActorSystem {
        let domain_arbiter = Arbiter::new();
        let users = UsersHandle::start(pool, &domain_arbiter.handle());
        ActorSystem { users }
    }
}

//! The remote-control actor: stateless, one store call per message.

use actix::{Actor, Context, Supervised};

use super::messages::*;
use super::store::{self, DreamRef, PlaylistRef};
use crate::db::PgPool;
use crate::domain::db_handler;

const MAILBOX: usize = 1024;

pub struct RemoteActor {
    pool: PgPool,
}

impl RemoteActor {
    pub fn new(pool: PgPool) -> Self {
        RemoteActor { pool }
    }
}

impl Actor for RemoteActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for RemoteActor {}

db_handler!(RemoteActor, FindDream => Option<DreamRef>, |c, m| store::find_dream(&c, &m.user, m.uuid));
db_handler!(RemoteActor, FindPlaylist => Option<PlaylistRef>, |c, m| store::find_playlist(&c, &m.user, m.uuid));
db_handler!(RemoteActor, PlayDream => Option<DreamRef>, |c, m| store::play_dream(&c, &m.user, m.uuid));
db_handler!(RemoteActor, PlayPlaylist => Option<(PlaylistRef, i64)>, |c, m| store::play_playlist(&c, &m.user, m.uuid));
db_handler!(RemoteActor, ResetPlaylist => (), |c, m| store::reset_playlist(&c, &m.user));
db_handler!(RemoteActor, Vote => Option<DreamRef>, |c, m| store::vote(&mut c, &m.user, m.target, m.vote));
db_handler!(RemoteActor, Report => Option<DreamRef>, |c, m| store::report(&c, &m.user, m.uuid));
db_handler!(RemoteActor, ClientPing => (), |c, m| store::client_ping(&c, &m.user, m.version));

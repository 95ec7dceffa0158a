//! The client actor: stateless apart from the pool; each handler returns a future that
//! checks out a connection and runs one store function, so slow queries (the daily
//! recomputation above all) never block the mailbox.

use actix::{Actor, Context, Supervised};
use uuid::Uuid;

use super::messages::*;
use super::model::*;
use super::{default_playlist, playlist, store};
use crate::db::PgPool;
use crate::domain::db_handler;
use crate::domain::dreams::DreamBundle;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct ClientActor {
    pool: PgPool,
}

impl ClientActor {
    pub fn new(pool: PgPool) -> Self {
        ClientActor { pool }
    }
}

impl Actor for ClientActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for ClientActor {}

db_handler!(ClientActor, GetHello => Hello, |c, m| store::hello(&c, m.0));
db_handler!(ClientActor, GetQuota => i64, |c, m| store::quota(&c, m.0));
db_handler!(ClientActor, Dislikes => Vec<Uuid>, |c, m| store::dislikes(&c, m.0));
db_handler!(ClientActor, Dreams => Vec<ClientDreamRow>, |c, m| store::dreams(&c, m.0, m.1));
db_handler!(ClientActor, ClaimVideo => Option<(String, i64)>, |c, m| store::claim_video(&c, m.0, m.1));
db_handler!(ClientActor, Playlist => Option<ClientPlaylistRow>, |c, m| playlist::playlist(&c, m.0, m.1));
db_handler!(ClientActor, DefaultPlaylist => DreamBundle, |c, m| default_playlist::resolve(&c, m.0, m.1));
db_handler!(ClientActor, Daily => DailyReport, |c, m| default_playlist::daily(&c, m.0));

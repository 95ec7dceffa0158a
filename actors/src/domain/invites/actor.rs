//! The invites actor: stateless apart from the pool; each handler runs one store
//! function in a spawned future so the mailbox keeps moving while queries run.

use actix::{Actor, Context, Supervised};
use serde_json::Value;

use super::messages::*;
use super::{features, store};
use super::{CreatedInvite, InviteRefusal};
use crate::db::PgPool;
use crate::domain::db_handler;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct InvitesActor {
    pool: PgPool,
}

impl InvitesActor {
    pub fn new(pool: PgPool) -> Self {
        InvitesActor { pool }
    }
}

impl Actor for InvitesActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for InvitesActor {}

db_handler!(InvitesActor, List => (Vec<Value>, i64), |c, m| store::list(&c, m.0, m.1));
db_handler!(InvitesActor, Get => Option<Value>, |c, m| store::get(&c, m.0));
db_handler!(InvitesActor, Create => Result<CreatedInvite, InviteRefusal>, |c, m| store::create(&c, m.0));
db_handler!(InvitesActor, Invalidate => Option<Value>, |c, m| store::invalidate(&c, m.0));
db_handler!(InvitesActor, Features => Vec<Value>, |c, _m| features::list(&c));
db_handler!(InvitesActor, SetFeature => Option<Value>, |c, m| features::set(&c, &m.0, m.1));

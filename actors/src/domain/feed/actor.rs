//! The feed actor: stateless apart from the pool; reads only.

use actix::{Actor, Context, Supervised};

use super::messages::*;
use super::model::*;
use super::store;
use crate::db::PgPool;
use crate::domain::db_handler;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct FeedActor {
    pool: PgPool,
}

impl FeedActor {
    pub fn new(pool: PgPool) -> Self {
        FeedActor { pool }
    }
}

impl Actor for FeedActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for FeedActor {}

db_handler!(FeedActor, List => (FeedPage, i64), |c, m| store::list(&c, m.0, m.1));

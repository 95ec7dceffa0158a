//! The reports actor: stateless apart from the pool; each handler runs one `store`
//! function in a spawned future so the mailbox keeps moving while queries run.

use actix::{Actor, Context, Supervised};
use serde_json::Value;

use super::messages::*;
use super::store;
use super::{CreateOutcome, CreatedReport};
use crate::db::PgPool;
use crate::domain::db_handler;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct ReportsActor {
    pool: PgPool,
}

impl ReportsActor {
    pub fn new(pool: PgPool) -> Self {
        ReportsActor { pool }
    }
}

impl Actor for ReportsActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for ReportsActor {}

db_handler!(ReportsActor, Types => Vec<Value>, |c, _m| store::types(&c));
db_handler!(ReportsActor, List => (Vec<Value>, i64), |c, m| store::list(&c, m.0, m.1));
db_handler!(ReportsActor, Get => Option<Value>, |c, m| store::get(&c, m.0));
db_handler!(ReportsActor, Create => Result<CreatedReport, CreateOutcome>, |c, m| store::create(&c, m.0));
db_handler!(ReportsActor, MarkProcessed => Option<Value>, |c, m| store::mark_processed(&c, m.0, m.1));
db_handler!(ReportsActor, Delete => bool, |c, m| store::delete(&c, m.0));

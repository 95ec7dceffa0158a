//! The dreams actor: stateless apart from the pool; each handler returns a future that
//! checks out a connection and runs one `store`/`store_write` function, so slow queries
//! never block the mailbox.

use actix::{Actor, Context, Supervised};
use uuid::Uuid;

use super::messages::*;
use super::model::*;
use super::{store, store_write};
use crate::db::PgPool;
use crate::domain::db_handler;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct DreamsActor {
    pool: PgPool,
}

impl DreamsActor {
    pub fn new(pool: PgPool) -> Self {
        DreamsActor { pool }
    }
}

impl Actor for DreamsActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for DreamsActor {}

db_handler!(DreamsActor, List => (DreamBundle, i64), |c, m| store::list(&c, m.0, m.1));
db_handler!(DreamsActor, MyDreams => (DreamBundle, i64), |c, m| store::my_dreams(&c, m.0, m.1, m.2));
db_handler!(DreamsActor, ByUuid => Option<DreamBundle>, |c, m| store::by_uuid(&c, m.0));
db_handler!(DreamsActor, Detail => Option<DreamDetail>, |c, m| store::detail(&c, m.0, m.1));
db_handler!(DreamsActor, VoteOf => Option<VoteRow>, |c, m| store::vote_of(&c, m.0, m.1));
db_handler!(DreamsActor, KeyframeId => Option<i32>, |c, m| store::keyframe_id(&c, m.0));
db_handler!(DreamsActor, UserExists => bool, |c, m| store::user_exists(&c, m.0));
db_handler!(DreamsActor, CreatedBetween => Vec<QueuedDream>, |c, m| store::created_between(&c, m.0));
db_handler!(DreamsActor, Create => Uuid, |c, m| store_write::create(&c, m.0, m.1));
db_handler!(DreamsActor, Update => (), |c, m| store_write::update(&mut c, m.0, m.1));
db_handler!(DreamsActor, SoftDelete => (), |c, m| store_write::soft_delete(&mut c, m.0, m.1));
db_handler!(DreamsActor, CastVote => DreamRow, |c, m| store_write::vote(&mut c, m.0, m.1, m.2));
db_handler!(DreamsActor, SetMedia => (), |c, m| store_write::set_media(&c, m.0, m.1, m.2));
db_handler!(DreamsActor, SetOriginal => (), |c, m| store_write::set_original(&c, m.0, m.1, m.2));
db_handler!(DreamsActor, SetStatus => (), |c, m| store_write::set_status(&c, m.0, m.1));
db_handler!(DreamsActor, MarkProcessed => (), |c, m| store_write::mark_processed(&mut c, m.0, m.1));

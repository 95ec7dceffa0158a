//! The keyframes actor: stateless apart from the pool; each handler returns a future
//! that checks out a connection and runs one `store` function.

use actix::{Actor, Context, Supervised};
use uuid::Uuid;

use super::messages::*;
use super::model::*;
use super::store;
use crate::db::PgPool;
use crate::domain::db_handler;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct KeyframesActor {
    pool: PgPool,
}

impl KeyframesActor {
    pub fn new(pool: PgPool) -> Self {
        KeyframesActor { pool }
    }
}

impl Actor for KeyframesActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for KeyframesActor {}

db_handler!(KeyframesActor, List => (KeyframeBundle, i64), |c, m| store::list(&c, m.0, m.1));
db_handler!(KeyframesActor, Detail => Option<KeyframeBundle>, |c, m| store::detail(&c, m.0, m.1));
db_handler!(KeyframesActor, Row => Option<KeyframeRow>, |c, m| store::row_by_uuid(&c, m.0));
db_handler!(KeyframesActor, Create => Uuid, |c, m| store::create(&c, m.0, m.1));
db_handler!(KeyframesActor, Update => (), |c, m| store::update(&c, m.0, m.1));
db_handler!(KeyframesActor, SetImage => (), |c, m| store::set_image(&c, m.0, m.1));
db_handler!(KeyframesActor, SoftDelete => (), |c, m| store::soft_delete(&mut c, m.0));

//! The users actor: each handler returns a future that checks out a connection and runs
//! one `store` function. Its one piece of state is the batch of API keys whose use is
//! still to be recorded (`domain/touch.rs`).

use actix::fut::{wrap_future, ActorFutureExt};
use actix::{Actor, AsyncContext, Context, Handler, ResponseActFuture, Supervised};

use super::messages::*;
use super::model::{AuthUser, CreatedUser, FullUser};
use super::model::{PublicUser, UserDetail};
use super::{profile, store, votes};
use crate::db::PgPool;
use crate::domain::dreams::DreamBundle;
use crate::domain::touch::{TouchBatch, TOUCH_WINDOW};
use crate::domain::{db_handler, in_db, DomainError};

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct UsersActor {
    pool: PgPool,
    /// API keys whose `last_used_at` is due.
    touched: TouchBatch<i32>,
}

impl UsersActor {
    pub fn new(pool: PgPool) -> Self {
        UsersActor { pool, touched: TouchBatch::new(store::TOUCH_API_KEYS, "api keys") }
    }

    fn touch(&mut self, key: i32, ctx: &mut Context<Self>) {
        if self.touched.add(key) {
            ctx.run_later(TOUCH_WINDOW, |act, ctx| {
                ctx.spawn(wrap_future(act.touched.take(act.pool.clone())));
            });
        }
    }
}

impl Actor for UsersActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for UsersActor {}

impl Handler<FindByApiKeyHash> for UsersActor {
    type Result = ResponseActFuture<Self, Result<Option<AuthUser>, DomainError>>;

    fn handle(&mut self, m: FindByApiKeyHash, _: &mut Self::Context) -> Self::Result {
        let lookup = in_db(self.pool.clone(), async move |conn| store::find_by_api_key_hash(conn, &m.0).await);
        Box::pin(wrap_future::<_, Self>(lookup).map(|found, act, ctx| {
            Ok(found?.map(|(user, due)| {
                if let Some(key) = due {
                    act.touch(key, ctx);
                }
                user
            }))
        }))
    }
}

db_handler!(UsersActor, AuthUserById => Option<AuthUser>, |c, m| store::auth_user_by_id(&c, m.0));
db_handler!(UsersActor, AuthUserByUuid => Option<AuthUser>, |c, m| store::auth_user_by_uuid(&c, m.0));
db_handler!(UsersActor, AuthUserByEmail => Option<AuthUser>, |c, m| store::auth_user_by_email(&c, &m.0));
db_handler!(UsersActor, GetFullUser => Option<FullUser>, |c, m| store::full_user(&c, m.0));
db_handler!(UsersActor, CreateUser => CreatedUser, |c, m| store::create_user(&c, m.0));
db_handler!(UsersActor, CreateApiKey => String, |c, m| store::create_api_key(&mut c, m.0));
db_handler!(UsersActor, PingDb => (), |c, _m| store::ping(&c));
db_handler!(UsersActor, Detail => Option<UserDetail>, |c, m| profile::detail(&c, m.0));
db_handler!(UsersActor, List => (Vec<PublicUser>, i64), |c, m| profile::list(&c, m.0));
db_handler!(UsersActor, Update => bool, |c, m| profile::update(&c, m.0, m.1));
db_handler!(UsersActor, SetAvatar => bool, |c, m| profile::set_avatar(&c, m.0, m.1));
db_handler!(UsersActor, Votes => (DreamBundle, i64), |c, m| votes::user_votes(&c, m.0, m.1));

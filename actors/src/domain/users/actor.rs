//! The users actor: stateless apart from the pool; each handler returns a future that
//! checks out a connection and runs one `store` function.

use actix::{Actor, Context, Supervised};

use super::messages::*;
use super::model::{AuthUser, CreatedUser, FullUser};
use super::model::{PublicUser, UserDetail};
use super::{profile, store, votes};
use crate::db::PgPool;
use crate::domain::db_handler;
use crate::domain::dreams::DreamBundle;

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct UsersActor {
    pool: PgPool,
}

impl UsersActor {
    pub fn new(pool: PgPool) -> Self {
        UsersActor { pool }
    }
}

impl Actor for UsersActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for UsersActor {}

db_handler!(UsersActor, FindByApiKeyHash => Option<AuthUser>, |c, m| store::find_by_api_key_hash(&c, &m.0));
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

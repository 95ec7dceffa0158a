//! The auth actor: each handler returns a future that checks out a connection and runs
//! one `store` function, so slow queries never block the mailbox. Its one piece of state
//! is the batch of sessions whose use is still to be recorded (`domain/touch.rs`).

use actix::fut::{wrap_future, ActorFutureExt};
use actix::{Actor, AsyncContext, Context, Handler, ResponseActFuture, Supervised};
use serde_json::Value;
use uuid::Uuid;

use super::messages::*;
use super::model::{ApiKeyInfo, IssueOutcome, SessionRecord};
use super::store;
use crate::db::PgPool;
use crate::domain::touch::{TouchBatch, TOUCH_WINDOW};
use crate::domain::users::model::RoleJson;
use crate::domain::users::{AuthUser, CreatedUser};
use crate::domain::{db_handler, in_db, DomainError};
use crate::ids::UserId;

/// Requests buffered before senders wait (same as the other domain actors).
const MAILBOX: usize = 1024;

pub struct AuthActor {
    pool: PgPool,
    /// Sessions whose `last_used_at` is due.
    touched: TouchBatch<Uuid>,
}

impl AuthActor {
    pub fn new(pool: PgPool) -> Self {
        AuthActor { pool, touched: TouchBatch::new(store::TOUCH_SESSIONS, "sessions") }
    }

    fn touch(&mut self, session: Uuid, ctx: &mut Context<Self>) {
        if self.touched.add(session) {
            ctx.run_later(TOUCH_WINDOW, |act, ctx| {
                ctx.spawn(wrap_future(act.touched.take(act.pool.clone())));
            });
        }
    }
}

impl Actor for AuthActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for AuthActor {}

db_handler!(AuthActor, CreateSession => (), |c, m| store::create_session(&mut c, m.0));
impl Handler<GetSession> for AuthActor {
    type Result = ResponseActFuture<Self, Result<Option<SessionRecord>, DomainError>>;

    fn handle(&mut self, m: GetSession, _: &mut Self::Context) -> Self::Result {
        let GetSession(sid, grace_secs) = m;
        let lookup = in_db(self.pool.clone(), async move |conn| store::session(conn, sid, grace_secs).await);
        Box::pin(wrap_future::<_, Self>(lookup).map(move |found, act, ctx| {
            Ok(found?.map(|(record, due)| {
                if due {
                    act.touch(sid, ctx);
                }
                record
            }))
        }))
    }
}

db_handler!(AuthActor, RotateSession => bool, |c, m| store::rotate_session(&c, m.0, m.1, m.2));
db_handler!(AuthActor, RevokeSession => (), |c, m| store::revoke_session(&c, m.0));
db_handler!(AuthActor, RevokeUserSessions => (), |c, m| store::revoke_user_sessions(&c, m.0));
db_handler!(AuthActor, IssueCode => IssueOutcome, |c, m| store::issue_code(&mut c, m.0));
db_handler!(AuthActor, VerifyCode => bool, |c, m| store::verify_code(&mut c, m.0));
db_handler!(AuthActor, PasswordLogin => Option<(AuthUser, Option<String>)>, |c, m| store::password_login(&c, &m.0));
db_handler!(AuthActor, SetPassword => (), |c, m| store::set_password(&mut c, m.0, m.1));
db_handler!(AuthActor, Signup => CreatedUser, |c, m| store::signup(&mut c, m.0));
db_handler!(AuthActor, ResolveExternal => Option<AuthUser>, |c, m| store::resolve_external(&mut c, m.0));
db_handler!(AuthActor, ActiveApiKey => Option<ApiKeyInfo>, |c, m| store::active_api_key(&c, m.0));
db_handler!(AuthActor, RevokeApiKey => bool, |c, m| store::revoke_api_key(&c, m.0));
db_handler!(AuthActor, ListRoles => (Vec<RoleJson>, i64), |c, m| store::list_roles(&c, m.0));
db_handler!(AuthActor, SetRole => Option<UserId>, |c, m| store::set_role(&c, m.0, m.1));
db_handler!(AuthActor, CurrentDream => Option<Value>, |c, m| store::current_dream(&c, m.0));
db_handler!(AuthActor, CurrentPlaylist => Option<Value>, |c, m| store::current_playlist(&c, m.0, m.1));

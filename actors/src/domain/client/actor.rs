//! The client actor: each handler returns a future that checks out a connection and runs
//! one store function, so slow queries (the daily recomputation above all) never block
//! the mailbox. Its one piece of state is the queue of `client/hello` reads waiting for
//! a shared statement (`domain/coalesce.rs`); a stopped actor drops it, and its readers
//! get "unavailable".

use std::sync::Arc;

use actix::fut::{wrap_future, ActorFutureExt};
use actix::{Actor, AsyncContext, Context, Handler, ResponseFuture, Supervised};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::messages::*;
use super::model::*;
use super::{default_playlist, playlist, store};
use crate::db::PgPool;
use crate::domain::coalesce::{self, Batch, Coalescer, Counters};
use crate::domain::dreams::DreamBundle;
use crate::domain::{db_handler, in_db, DomainError, InFlight};

/// Domain actors buffer up to this many requests before senders wait.
const MAILBOX: usize = 1024;

pub struct ClientActor {
    pool: PgPool,
    hellos: Coalescer<i32, Hello>,
    hello_counts: Arc<Counters>,
}

impl ClientActor {
    pub fn new(pool: PgPool, hello_counts: Arc<Counters>) -> Self {
        ClientActor { pool, hellos: Coalescer::default(), hello_counts }
    }

    /// Runs one statement for `batch`, answers its readers, then starts the next batch.
    fn run_hellos(&mut self, batch: Batch<i32, Hello>, ctx: &mut Context<Self>) {
        self.hello_counts.statement();
        let users = batch.keys();
        let rows = in_db(self.pool.clone(), async move |conn| store::hellos(conn, &users).await);
        ctx.spawn(wrap_future::<_, Self>(rows).map(move |rows, act, ctx| {
            batch.answer(rows);
            if let Some(next) = act.hellos.finished() {
                act.run_hellos(next, ctx);
            }
        }));
    }
}

impl Handler<GetHello> for ClientActor {
    type Result = ResponseFuture<Result<Hello, DomainError>>;

    fn handle(&mut self, m: GetHello, ctx: &mut Self::Context) -> Self::Result {
        self.hello_counts.read();
        // Counted from now, as `db_handler!` counts its operations: a read waiting for
        // the next statement holds graceful shutdown like one whose statement runs.
        let in_flight = InFlight::start();
        let (reply, answer) = oneshot::channel();
        if let Some(batch) = self.hellos.add(m.0, reply) {
            self.run_hellos(batch, ctx);
        }
        // The operation bound holds for the whole read, waiting included: a read queued
        // behind two statements stuck on a database that stopped answering gives up at
        // its own deadline, not after theirs and then its own.
        let deadline = crate::db::deadline();
        Box::pin(async move {
            let _in_flight = in_flight;
            coalesce::wait(answer, deadline).await
        })
    }
}

impl Actor for ClientActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Supervised for ClientActor {}

db_handler!(ClientActor, GetQuota => i64, |c, m| store::quota(&c, m.0));
db_handler!(ClientActor, Dislikes => Vec<Uuid>, |c, m| store::dislikes(&c, m.0));
db_handler!(ClientActor, Dreams => Vec<ClientDreamRow>, |c, m| store::dreams(&c, m.0, m.1));
db_handler!(ClientActor, ClaimVideo => Option<(String, i64)>, |c, m| store::claim_video(&c, m.0, m.1));
db_handler!(ClientActor, Playlist => Option<ClientPlaylistRow>, |c, m| playlist::playlist(&c, m.0, m.1));
db_handler!(ClientActor, DefaultPlaylist => DreamBundle, |c, m| default_playlist::resolve(&c, m.0, m.1));
db_handler!(ClientActor, Daily => DailyReport, |c, m| default_playlist::daily(&c, m.0));

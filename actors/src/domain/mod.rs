//! Domain actors: the only code that runs SQL.
//!
//! Each domain lives in its own folder with the same four files: `mod.rs` (the handle,
//! the only type other modules hold), `actor.rs` (the actor and its message handlers),
//! `messages.rs` (private message types) and `store.rs` (the SQL). Handlers return
//! futures so queries of one domain run concurrently; the actor itself holds no mutable
//! state besides its pool, so a restart loses nothing, with two exceptions: the users and
//! auth actors batch the last-use records of credentials (`touch.rs`), best-effort
//! bookkeeping that a restart may drop; and the client actor queues concurrent
//! `client/hello` reads for a shared statement (`coalesce.rs`), whose readers get
//! "unavailable" if the actor stops.

pub mod auth;
pub mod client;
pub mod coalesce;
pub mod dreams;
pub mod feed;
pub mod invites;
pub mod keyframes;
pub mod playlists;
pub mod remote;
pub mod reports;
pub mod touch;
pub mod users;

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::db::{DbError, PgPool};

/// Domain operations (database work) running right now, process-wide. Shutdown waits
/// for this to reach zero so that no write accepted from a client is cut off.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

pub fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::Acquire)
}

/// Counts one operation as in flight for as long as it lives.
pub struct InFlight(());

impl InFlight {
    pub fn start() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Runs `work` on a pooled connection within the operation deadline, counted as in
/// flight (what [`db_handler!`] does, for handlers that do more with the result).
pub async fn in_db<R>(
    pool: PgPool,
    work: impl AsyncFnOnce(&crate::db::PgConn) -> Result<R, DomainError>,
) -> Result<R, DomainError> {
    let _in_flight = InFlight::start();
    let deadline = crate::db::deadline();
    let conn = crate::db::checkout(&pool, deadline).await?;
    match crate::db::within(deadline, work(&conn)).await {
        Some(result) => result,
        None => Err(crate::db::abandon(conn).into()),
    }
}

/// Errors every domain can return. The HTTP edge maps each variant to a status and the
/// reference envelope; internal causes are logged there, never shown to clients.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DomainError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated; the message is client-facing.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A client-facing validation message.
    #[error("invalid: {0}")]
    Invalid(String),
    /// PostgreSQL (or the actor) could not be reached in time: 503.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Anything else: 500, cause logged.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<DbError> for DomainError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            DomainError::Unavailable(e.to_string())
        } else {
            DomainError::Internal(e.to_string())
        }
    }
}

impl From<tokio_postgres::Error> for DomainError {
    fn from(e: tokio_postgres::Error) -> Self {
        DbError::from(e).into()
    }
}

impl From<actix::MailboxError> for DomainError {
    fn from(e: actix::MailboxError) -> Self {
        DomainError::Unavailable(format!("domain actor unreachable: {e}"))
    }
}

/// Implements `Handler<$msg>` for a domain actor that has a `pool` field: the handler
/// checks out a connection and awaits `$body` (a store call) in a spawned future, so
/// the actor keeps taking messages while queries run. Checkout and body together are
/// bounded by the operation time-out (`db::deadline`).
macro_rules! db_handler {
    ($actor:ty, $msg:ty => $ret:ty, |$conn:ident, $m:ident| $body:expr) => {
        impl actix::Handler<$msg> for $actor {
            type Result = actix::ResponseFuture<Result<$ret, $crate::domain::DomainError>>;

            fn handle(&mut self, $m: $msg, _: &mut Self::Context) -> Self::Result {
                let pool = self.pool.clone();
                let in_flight = $crate::domain::InFlight::start();
                Box::pin(async move {
                    let _in_flight = in_flight;
                    let deadline = $crate::db::deadline();
                    #[allow(unused_mut)]
                    let mut $conn = $crate::db::checkout(&pool, deadline).await?;
                    let outcome = $crate::db::within(deadline, $body).await;
                    outcome.unwrap_or_else(|| Err($crate::db::abandon($conn).into()))
                })
            }
        }
    };
}
pub(crate) use db_handler;

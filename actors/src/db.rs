//! PostgreSQL connection pool shared by the domain actors.
//!
//! Only domain actors hold the pool. deadpool-postgres keeps a prepared-statement cache
//! per connection (`prepare_cached`), so hot queries (API-key lookups at connect, votes)
//! cost one round trip. Prepared statements do not survive PgBouncer in transaction
//! mode: point `DATABASE_URL` at PostgreSQL itself or at PgBouncer in session mode.
//!
//! A database that stops answering without closing its sockets (frozen, partitioned away)
//! must not stall callers: every domain operation — checkout plus queries — is bounded by
//! the operation time-out (`DATABASE_TIMEOUT_SECS` in the server; unbounded in the CLI,
//! whose batch jobs may legitimately run long). A connection whose operation timed out is
//! discarded, never returned to the pool, because its server side may still be stuck.
//! TCP keepalives let idle pooled connections to a vanished server fail on their own.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use tokio_postgres::NoTls;

pub type PgPool = Pool;
pub type PgConn = deadpool_postgres::Object;

/// How long a request waits for a pooled connection (or a new connection) before
/// answering 503: long enough to ride out a burst, short enough that a dead database is
/// reported quickly.
pub const POOL_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle time before TCP keepalive probes start on a pooled connection.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// Bound of one domain operation in milliseconds; 0 = unbounded. Process-wide, set once
/// at start ([`set_operation_timeout`]).
static OPERATION_TIMEOUT_MS: AtomicU64 = AtomicU64::new(0);

/// Sets the bound of every domain operation (checkout and queries); `None` = unbounded.
pub fn set_operation_timeout(timeout: Option<Duration>) {
    let ms = timeout.map_or(0, |t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX).max(1));
    OPERATION_TIMEOUT_MS.store(ms, Ordering::Relaxed);
}

/// The deadline of an operation starting now, if operations are bounded.
pub fn deadline() -> Option<Instant> {
    match OPERATION_TIMEOUT_MS.load(Ordering::Relaxed) {
        0 => None,
        ms => Some(Instant::now() + Duration::from_millis(ms)),
    }
}

/// Checks a connection out of the pool before `deadline`.
pub async fn checkout(pool: &PgPool, deadline: Option<Instant>) -> Result<PgConn, DbError> {
    match deadline {
        None => pool.get().await.map_err(DbError::from),
        Some(at) => match tokio::time::timeout_at(at, pool.get()).await {
            Ok(conn) => conn.map_err(DbError::from),
            Err(_) => Err(DbError::Unavailable("timed out waiting for a database connection".into())),
        },
    }
}

/// Runs `work` until `deadline`; `None` when it did not finish in time.
pub async fn within<F: Future>(deadline: Option<Instant>, work: F) -> Option<F::Output> {
    match deadline {
        None => Some(work.await),
        Some(at) => tokio::time::timeout_at(at, work).await.ok(),
    }
}

/// Discards a connection whose operation timed out (its server side may still be busy or
/// stuck) and returns the error to answer with.
pub fn abandon(conn: PgConn) -> DbError {
    drop(PgConn::take(conn));
    tracing::warn!("database operation timed out; its connection was discarded");
    DbError::Unavailable("database operation timed out".into())
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Query(#[from] tokio_postgres::Error),
}

impl From<deadpool_postgres::PoolError> for DbError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) if e.code().is_some() => DbError::Query(e),
            other => DbError::Unavailable(other.to_string()),
        }
    }
}

impl DbError {
    /// SQLSTATE of a query error, if any (`23505` = unique violation).
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            DbError::Query(e) => e.code().map(|c| c.code()),
            DbError::Unavailable(_) => None,
        }
    }

    /// True when the error means "the database cannot be reached" rather than "the query
    /// is wrong": closed connections and pool time-outs.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Unavailable(_) => true,
            DbError::Query(e) => e.is_closed() || e.code().is_none(),
        }
    }
}

/// Builds the pool. Connections are opened lazily, so a server can start while
/// PostgreSQL is still coming up; health reports it until then.
pub fn build_pool(database_url: &str, size: usize) -> Result<PgPool, DbError> {
    let mut config: tokio_postgres::Config = database_url
        .parse()
        .map_err(|e: tokio_postgres::Error| DbError::Unavailable(format!("bad DATABASE_URL: {e}")))?;
    config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(POOL_CHECKOUT_TIMEOUT),
            create: Some(POOL_CHECKOUT_TIMEOUT),
            recycle: Some(POOL_CHECKOUT_TIMEOUT),
        })
        .build()
        .map_err(|e| DbError::Unavailable(e.to_string()))
}

//! PostgreSQL connection pool shared by the domain actors.
//!
//! Only domain actors hold the pool. deadpool-postgres keeps a prepared-statement cache
//! per connection (`prepare_cached`), so hot queries (API-key lookups at connect, votes)
//! cost one round trip. Prepared statements do not survive PgBouncer in transaction
//! mode: point `DATABASE_URL` at PostgreSQL itself or at PgBouncer in session mode.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use std::time::Duration;
use tokio_postgres::NoTls;

pub type PgPool = Pool;
pub type PgConn = deadpool_postgres::Object;

/// How long a request waits for a pooled connection (or a new connection) before
/// answering 503: long enough to ride out a burst, short enough that a dead database is
/// reported quickly.
pub const POOL_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);

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
    let config: tokio_postgres::Config = database_url
        .parse()
        .map_err(|e: tokio_postgres::Error| DbError::Unavailable(format!("bad DATABASE_URL: {e}")))?;
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

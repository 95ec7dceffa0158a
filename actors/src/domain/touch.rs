//! Last-use bookkeeping (`last_used_at` of API keys and sessions) written in batches.
//!
//! A credential lookup finds out whether the credential's last use is due to be recorded
//! (unset or over a minute old) and answers at once; the domain actor adds the row to its
//! [`TouchBatch`], and every row added within [`TOUCH_WINDOW`] is written by one
//! `UPDATE … WHERE id = ANY($1)`. A restart wave looks thousands of credentials up within
//! seconds, and a write and commit per lookup is what its connects used to wait for.
//! An open batch counts as in flight, so graceful shutdown writes it before stopping.
//! Best effort, like the per-lookup write it replaces: a failed write is logged and the
//! row is recorded at its next use.

use std::future::Future;
use std::time::Duration;

use tokio_postgres::types::ToSql;

use super::{in_db, DomainError, InFlight};
use crate::db::PgPool;

/// How long a batch stays open after its first row.
pub const TOUCH_WINDOW: Duration = Duration::from_millis(500);

pub struct TouchBatch<T> {
    /// `UPDATE <table> SET last_used_at = now() WHERE id = ANY($1)`.
    statement: &'static str,
    /// What the rows are, for the log.
    what: &'static str,
    ids: Vec<T>,
    /// Held while a batch is open (it holds graceful shutdown).
    open: Option<InFlight>,
}

impl<T: ToSql + Ord + Sync + Send + 'static> TouchBatch<T> {
    pub fn new(statement: &'static str, what: &'static str) -> TouchBatch<T> {
        TouchBatch { statement, what, ids: Vec::new(), open: None }
    }

    /// Adds a row. True when it opened the batch: the caller then runs [`Self::take`]'s
    /// write [`TOUCH_WINDOW`] later.
    pub fn add(&mut self, id: T) -> bool {
        self.ids.push(id);
        if self.open.is_some() {
            return false;
        }
        self.open = Some(InFlight::start());
        true
    }

    /// Closes the batch and returns its write.
    pub fn take(&mut self, pool: PgPool) -> impl Future<Output = ()> + 'static {
        let mut ids = std::mem::take(&mut self.ids);
        ids.sort_unstable();
        ids.dedup();
        let open = self.open.take();
        let (statement, what) = (self.statement, self.what);
        async move {
            let _open = open;
            if ids.is_empty() {
                return;
            }
            let written = in_db(pool, async |conn| -> Result<u64, DomainError> {
                let stmt = conn.prepare_cached(statement).await?;
                Ok(conn.execute(&stmt, &[&ids]).await?)
            })
            .await;
            if let Err(e) = written {
                tracing::warn!(error = %e, rows = ids.len(), "could not record the use of {what}");
            }
        }
    }
}

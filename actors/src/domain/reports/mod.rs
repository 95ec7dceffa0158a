//! Reports domain (`rest-api.md` §13.1): report types and user reports about dreams.
//!
//! [`ReportsHandle`] is what the HTTP edge holds; each method sends one message to the
//! [`actor::ReportsActor`], which alone runs the SQL of [`store`]. Mailbox: 1024 messages;
//! callers wait when it is full. Supervised and stateless apart from the pool, so a restart
//! loses nothing. Reports come back already in their JSON shape (built by Postgres), since
//! nothing but the HTTP edge reads them and the shape embeds only fixed columns of users
//! and dreams (never a media key, so no presigning is needed).

mod actor;
mod messages;
pub mod store;

use actix::{Actor, Addr, ArbiterHandle};
use serde_json::Value;
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::DomainError;

/// Input of `POST /report`, validated at the edge.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub dream_uuid: Uuid,
    pub type_id: i32,
    pub comments: Option<String>,
    pub link: Option<String>,
    pub reported_by: i32,
    /// The reporter's view, to refuse reports about dreams they cannot see.
    pub admin: bool,
}

/// Why a report could not be created (each has its own 404 message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    DreamNotFound,
    TypeNotFound,
}

/// What the report email needs.
#[derive(Debug, Clone)]
pub struct CreatedReport {
    pub report: Value,
    pub dream_uuid: Uuid,
    pub dream_name: Option<String>,
    pub type_description: Option<String>,
}

#[derive(Clone)]
pub struct ReportsHandle {
    addr: Addr<actor::ReportsActor>,
}

impl ReportsHandle {
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let addr = actor::ReportsActor::start_in_arbiter(arbiter, move |_| actor::ReportsActor::new(pool));
        ReportsHandle { addr }
    }

    /// Every report type except the socket-only `Native` (id 7), by id.
    pub async fn types(&self) -> Result<Vec<Value>, DomainError> {
        self.addr.send(messages::Types()).await?
    }

    /// Live reports, `updated_at DESC`, with the total.
    pub async fn list(&self, take: i64, skip: i64) -> Result<(Vec<Value>, i64), DomainError> {
        self.addr.send(messages::List(take, skip)).await?
    }

    pub async fn get(&self, uuid: Uuid) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::Get(uuid)).await?
    }

    pub async fn create(&self, new: NewReport) -> Result<Result<CreatedReport, CreateOutcome>, DomainError> {
        self.addr.send(messages::Create(new)).await?
    }

    /// Marks a live report processed by `admin`; `None` when it does not exist.
    pub async fn mark_processed(&self, uuid: Uuid, admin: i32) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::MarkProcessed(uuid, admin)).await?
    }

    /// Soft delete; false when there was no live report.
    pub async fn delete(&self, uuid: Uuid) -> Result<bool, DomainError> {
        self.addr.send(messages::Delete(uuid)).await?
    }
}

//! Dreams domain: the catalogue, votes, upload bookkeeping and processing status.
//!
//! [`DreamsHandle`] is what the HTTP edge and the CLI hold; every method sends one
//! message to the [`actor::DreamsActor`], which alone runs the SQL of [`store`] (reads)
//! and [`store_write`] (writes, transactional where several rows change). Mailbox: 1024
//! messages; callers wait when it is full. Rows come back with raw object keys; the
//! edge presigns them.

mod actor;
mod messages;
pub mod model;
pub mod store;
pub mod store_write;

use actix::{Actor, Addr, ArbiterHandle};
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::DomainError;
pub use model::*;
pub use store_write::MediaColumn;

#[derive(Clone)]
pub struct DreamsHandle {
    addr: Addr<actor::DreamsActor>,
}

impl DreamsHandle {
    /// Starts the dreams actor on `arbiter`.
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let addr = actor::DreamsActor::start_in_arbiter(arbiter, move |_| actor::DreamsActor::new(pool));
        DreamsHandle { addr }
    }

    /// `GET /dream`: listable dreams of a status, newest first, with the total.
    pub async fn list(&self, viewer: Viewer, q: ListQuery) -> Result<(DreamBundle, i64), DomainError> {
        self.addr.send(messages::List(viewer, q)).await?
    }

    /// The owner's dreams, every status, hidden included.
    pub async fn my_dreams(&self, owner: i32, take: i64, skip: i64) -> Result<(DreamBundle, i64), DomainError> {
        self.addr.send(messages::MyDreams(owner, take, skip)).await?
    }

    /// A live dream by uuid (no visibility check: callers apply the endpoint's rule).
    pub async fn by_uuid(&self, uuid: Uuid) -> Result<Option<DreamBundle>, DomainError> {
        self.addr.send(messages::ByUuid(uuid)).await?
    }

    /// The dream with its playlist items and reports, as `GET /dream/:uuid` shows it.
    pub async fn detail(&self, viewer: Viewer, uuid: Uuid) -> Result<Option<DreamDetail>, DomainError> {
        self.addr.send(messages::Detail(viewer, uuid)).await?
    }

    pub async fn vote_of(&self, user: i32, dream_id: i32) -> Result<Option<VoteRow>, DomainError> {
        self.addr.send(messages::VoteOf(user, dream_id)).await?
    }

    pub async fn keyframe_id(&self, uuid: Uuid) -> Result<Option<i32>, DomainError> {
        self.addr.send(messages::KeyframeId(uuid)).await?
    }

    pub async fn user_exists(&self, id: i32) -> Result<bool, DomainError> {
        self.addr.send(messages::UserExists(id)).await?
    }

    /// Dreams created in a UTC day range (CLI `dreams process`).
    pub async fn created_between(&self, range: DateRange) -> Result<Vec<QueuedDream>, DomainError> {
        self.addr.send(messages::CreatedBetween(range)).await?
    }

    pub async fn create(&self, owner: i32, new: NewDream) -> Result<Uuid, DomainError> {
        self.addr.send(messages::Create(owner, new)).await?
    }

    pub async fn update(&self, id: i32, update: DreamUpdate) -> Result<(), DomainError> {
        self.addr.send(messages::Update(id, update)).await?
    }

    /// Soft delete with the cascade of `data-model.md` §5; `failed` also sets the status.
    pub async fn soft_delete(&self, id: i32, failed: bool) -> Result<(), DomainError> {
        self.addr.send(messages::SoftDelete(id, failed)).await?
    }

    /// Records the voter's vote and returns the dream with post-update counters.
    pub async fn vote(&self, voter: i32, dream_id: i32, kind: VoteKind) -> Result<DreamRow, DomainError> {
        self.addr.send(messages::CastVote(voter, dream_id, kind)).await?
    }

    pub async fn set_media(&self, id: i32, column: MediaColumn, key: Option<String>) -> Result<(), DomainError> {
        self.addr.send(messages::SetMedia(id, column, key)).await?
    }

    pub async fn set_original(&self, id: i32, key: String, name: Option<String>) -> Result<(), DomainError> {
        self.addr.send(messages::SetOriginal(id, key, name)).await?
    }

    /// `status` is one of the `dream_status` values.
    pub async fn set_status(&self, id: i32, status: &'static str) -> Result<(), DomainError> {
        self.addr.send(messages::SetStatus(id, status)).await?
    }

    pub async fn mark_processed(&self, id: i32, metrics: ProcessedMetrics) -> Result<(), DomainError> {
        self.addr.send(messages::MarkProcessed(id, metrics)).await?
    }
}

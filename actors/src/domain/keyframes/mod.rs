//! Keyframes domain: named still images owned by users, which dreams start or end on
//! and playlists list for transitions (`rest-api.md` §11).
//!
//! [`KeyframesHandle`] is what the HTTP edge holds; every method sends one message to
//! the [`actor::KeyframesActor`], which alone runs the SQL of [`store`]. Mailbox: 1024
//! messages; callers wait when it is full. Rows come back with raw object keys; the edge
//! presigns them. Related dreams and playlist links are filtered by the viewer's
//! visibility in SQL, so a keyframe never reveals another user's hidden or nsfw content.

mod actor;
mod messages;
pub mod model;
pub mod store;

use actix::{Actor, Addr, ArbiterHandle};
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::dreams::Viewer;
use crate::domain::DomainError;
pub use model::*;

#[derive(Clone)]
pub struct KeyframesHandle {
    addr: Addr<actor::KeyframesActor>,
}

impl KeyframesHandle {
    /// Starts the keyframes actor on `arbiter`.
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let addr = actor::KeyframesActor::start_in_arbiter(arbiter, move |_| actor::KeyframesActor::new(pool));
        KeyframesHandle { addr }
    }

    /// `GET /keyframe`: a page of keyframes with their relations, and the total.
    pub async fn list(&self, viewer: Viewer, q: KeyframeQuery) -> Result<(KeyframeBundle, i64), DomainError> {
        self.addr.send(messages::List(viewer, q)).await?
    }

    /// One live keyframe with its relations.
    pub async fn detail(&self, viewer: Viewer, uuid: Uuid) -> Result<Option<KeyframeBundle>, DomainError> {
        self.addr.send(messages::Detail(viewer, uuid)).await?
    }

    /// The bare live row (ownership checks before writes).
    pub async fn row(&self, uuid: Uuid) -> Result<Option<KeyframeRow>, DomainError> {
        self.addr.send(messages::Row(uuid)).await?
    }

    /// Inserts a keyframe owned by `owner`; returns its uuid.
    pub async fn create(&self, owner: i32, name: String) -> Result<Uuid, DomainError> {
        self.addr.send(messages::Create(owner, name)).await?
    }

    pub async fn update(&self, id: i32, update: KeyframeUpdate) -> Result<(), DomainError> {
        self.addr.send(messages::Update(id, update)).await?
    }

    /// Sets (`Some`) or clears (`None`) the image key; the object itself is kept.
    pub async fn set_image(&self, id: i32, key: Option<String>) -> Result<(), DomainError> {
        self.addr.send(messages::SetImage(id, key)).await?
    }

    /// Soft delete with the cascade of `data-model.md` §5, in one transaction.
    pub async fn soft_delete(&self, id: i32) -> Result<(), DomainError> {
        self.addr.send(messages::SoftDelete(id)).await?
    }
}

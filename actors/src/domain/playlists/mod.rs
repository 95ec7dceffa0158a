//! Playlists domain: the catalogue of playlists, their ordered items (dreams or nested
//! playlists) and keyframes, and the recursive reads over nesting (fallback thumbnails,
//! totals, cycle checks).
//!
//! [`PlaylistsHandle`] is what the HTTP edge holds; every method sends one message to
//! the [`actor::PlaylistsActor`], which alone runs the SQL of [`store`] and
//! [`store_items`] (reads) and [`store_write`] (writes: transactional, under the parent
//! playlist's row lock). Mailbox: 1024 messages; callers wait when it is full. Restart policy:
//! that of every domain actor (`actors/src/lib.rs`); it holds only the pool, so a restart
//! loses nothing. Rows come back with raw object keys; the edge presigns them.

mod actor;
mod messages;
pub mod model;
pub mod store;
pub mod store_items;
pub mod store_write;

use actix::{Actor, Addr, ArbiterHandle};
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::DomainError;
pub use model::*;
pub use store_write::ALREADY_EXISTS;

#[derive(Clone)]
pub struct PlaylistsHandle {
    addr: Addr<actor::PlaylistsActor>,
}

impl PlaylistsHandle {
    /// Starts the playlists actor on `arbiter`.
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let addr = actor::PlaylistsActor::start_in_arbiter(arbiter, move |_| actor::PlaylistsActor::new(pool));
        PlaylistsHandle { addr }
    }

    /// `GET /playlist`: listable playlists, most recently updated first, with the total.
    pub async fn list(&self, viewer: Viewer, q: ListQuery) -> Result<(PlaylistBundle, i64), DomainError> {
        self.addr.send(messages::List(viewer, q)).await?
    }

    /// A live playlist row by uuid (own thumbnail; no visibility check).
    pub async fn by_uuid(&self, uuid: Uuid) -> Result<Option<PlaylistRow>, DomainError> {
        self.addr.send(messages::ByUuid(uuid)).await?
    }

    /// A live playlist by id as the viewer sees it (fallback thumbnail, users).
    pub async fn bundle_by_id(&self, viewer: Viewer, id: i32) -> Result<Option<PlaylistBundle>, DomainError> {
        self.addr.send(messages::BundleById(viewer, id)).await?
    }

    pub async fn totals(&self, viewer: Viewer, id: i32) -> Result<Totals, DomainError> {
        self.addr.send(messages::GetTotals(viewer, id)).await?
    }

    /// Listable items in order: a page `(take, skip)` or all of them.
    pub async fn items(&self, viewer: Viewer, id: i32, page: Option<(i64, i64)>) -> Result<ItemsPage, DomainError> {
        self.addr.send(messages::Items(viewer, id, page)).await?
    }

    pub async fn keyframes(&self, id: i32, take: i64, skip: i64) -> Result<KeyframesPage, DomainError> {
        self.addr.send(messages::Keyframes(id, take, skip)).await?
    }

    pub async fn references(&self, viewer: Viewer, id: i32) -> Result<Vec<Reference>, DomainError> {
        self.addr.send(messages::References(viewer, id)).await?
    }

    /// The user's current playlist id, when set and not deleted.
    pub async fn current_of(&self, user_id: i32) -> Result<Option<i32>, DomainError> {
        self.addr.send(messages::CurrentOf(user_id)).await?
    }

    /// A live dream (`playlist = false`) or playlist by uuid as (id, owner id, hidden).
    pub async fn target(&self, playlist: bool, uuid: Uuid) -> Result<Option<(i32, i32, bool)>, DomainError> {
        self.addr.send(messages::Target(playlist, uuid)).await?
    }

    pub async fn keyframe_id(&self, uuid: Uuid) -> Result<Option<i32>, DomainError> {
        self.addr.send(messages::KeyframeId(uuid)).await?
    }

    pub async fn user_exists(&self, id: i32) -> Result<bool, DomainError> {
        self.addr.send(messages::UserExists(id)).await?
    }

    /// Creates the playlist and its feed item; returns the new id.
    pub async fn create(&self, owner: i32, new: NewPlaylist) -> Result<i32, DomainError> {
        self.addr.send(messages::Create(owner, new)).await?
    }

    pub async fn update(&self, id: i32, update: PlaylistUpdate) -> Result<(), DomainError> {
        self.addr.send(messages::Update(id, update)).await?
    }

    pub async fn set_thumbnail(&self, id: i32, key: Option<String>) -> Result<(), DomainError> {
        self.addr.send(messages::SetThumbnail(id, key)).await?
    }

    /// Soft delete with the cascade of `data-model.md` §5, in one transaction.
    pub async fn soft_delete(&self, id: i32) -> Result<(), DomainError> {
        self.addr.send(messages::SoftDelete(id)).await?
    }

    /// Sets `(item id, order)` pairs for items of this playlist; bumps `updated_at`.
    pub async fn reorder(&self, id: i32, order: Vec<(i32, i32)>) -> Result<(), DomainError> {
        self.addr.send(messages::Reorder(id, order)).await?
    }

    /// Appends an item; `Added` carries the new item ready to render for `viewer`.
    pub async fn add_item(&self, viewer: Viewer, parent: i32, target: ItemTarget) -> Result<AddOutcome, DomainError> {
        self.addr.send(messages::AddItem(viewer, parent, target)).await?
    }

    pub async fn remove_item(&self, parent: i32, item: i32) -> Result<(), DomainError> {
        self.addr.send(messages::RemoveItem(parent, item)).await?
    }

    /// Attaches a keyframe; the page holds the new link and its users.
    pub async fn add_keyframe(&self, parent: i32, keyframe: i32) -> Result<KeyframesPage, DomainError> {
        self.addr.send(messages::AddKeyframe(parent, keyframe)).await?
    }

    pub async fn remove_keyframe(&self, parent: i32, link: i32) -> Result<(), DomainError> {
        self.addr.send(messages::RemoveKeyframe(parent, link)).await?
    }
}

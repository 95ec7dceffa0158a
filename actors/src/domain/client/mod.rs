//! Client domain: what the desktop player reads (`rest-api.md` §6), the default
//! playlists (§6.2, §10.1), the download quota, and the daily maintenance (§3.8).
//!
//! [`ClientHandle`] is what the HTTP edge and the CLI hold; every method sends one
//! message to the [`actor::ClientActor`], which alone runs the SQL of [`store`],
//! [`playlist`] and [`default_playlist`]. Mailbox: 1024 messages; callers wait when it
//! is full. Every read applies `listable` (§3.7) for the given viewer; rows come back
//! with raw object keys, and the edge presigns them.

mod actor;
pub mod default_playlist;
mod messages;
pub mod model;
pub mod playlist;
pub mod store;

use std::sync::Arc;

use actix::{Actor, Addr, ArbiterHandle};
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::coalesce::{Counters, Counts};
use crate::domain::dreams::{DreamBundle, Viewer};
use crate::domain::DomainError;
pub use model::*;

#[derive(Clone)]
pub struct ClientHandle {
    addr: Addr<actor::ClientActor>,
    hello_counts: Arc<Counters>,
}

impl ClientHandle {
    /// Starts the client actor on `arbiter`.
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let hello_counts = Arc::new(Counters::default());
        let counts = hello_counts.clone();
        let addr = actor::ClientActor::start_in_arbiter(arbiter, move |_| actor::ClientActor::new(pool, counts));
        ClientHandle { addr, hello_counts }
    }

    /// Quota, current playlist and dislike count, read fresh: by a statement that starts
    /// after this call, shared with the hellos of other callers that arrive while earlier
    /// statements run (`domain/coalesce.rs`).
    pub async fn hello(&self, user: i32) -> Result<Hello, DomainError> {
        self.addr.send(messages::GetHello(user)).await?
    }

    /// Hellos asked for so far, and the statements that answered them.
    pub fn hello_counts(&self) -> Counts {
        self.hello_counts.counts()
    }

    pub async fn quota(&self, user: i32) -> Result<i64, DomainError> {
        self.addr.send(messages::GetQuota(user)).await?
    }

    /// Uuids of the live dreams the user downvoted.
    pub async fn dislikes(&self, user: i32) -> Result<Vec<Uuid>, DomainError> {
        self.addr.send(messages::Dislikes(user)).await?
    }

    /// The listable dreams among `uuids`, in request order.
    pub async fn dreams(&self, viewer: Viewer, uuids: Vec<Uuid>) -> Result<Vec<ClientDreamRow>, DomainError> {
        self.addr.send(messages::Dreams(viewer, uuids)).await?
    }

    /// Charges a listable dream's video size to the viewer's quota; `None` when the dream
    /// is missing, not listable or has no processed video. Returns (video key, new quota).
    pub async fn claim_video(&self, viewer: Viewer, uuid: Uuid) -> Result<Option<(String, i64)>, DomainError> {
        self.addr.send(messages::ClaimVideo(viewer, uuid)).await?
    }

    /// A listable playlist flattened recursively; `None` when missing or not listable.
    pub async fn playlist(&self, viewer: Viewer, uuid: Uuid) -> Result<Option<ClientPlaylistRow>, DomainError> {
        self.addr.send(messages::Playlist(viewer, uuid)).await?
    }

    /// The viewer's default playlist (computed and stored on first use), resolved.
    pub async fn default_playlist(&self, viewer: Viewer, designed: Option<Uuid>) -> Result<DreamBundle, DomainError> {
        self.addr.send(messages::DefaultPlaylist(viewer, designed)).await?
    }

    /// `maintenance daily`.
    pub async fn daily(&self, designed: Option<Uuid>) -> Result<DailyReport, DomainError> {
        self.addr.send(messages::Daily(designed)).await?
    }
}

//! Feed domain: the discovery stream (`rest-api.md` §12). One feed item exists per
//! processed dream (created by the dreams domain when processing completes) and per
//! playlist (created with the playlist); this domain only reads them.
//!
//! [`FeedHandle`] is what the HTTP edge holds; the [`actor::FeedActor`] runs the SQL of
//! [`store`]. Mailbox: 1024 messages; callers wait when it is full. The grouped feed's
//! virtual playlists are computed from a page by the pure [`grouped::group`].

mod actor;
pub mod grouped;
mod messages;
pub mod model;
pub mod store;

use actix::{Actor, Addr, ArbiterHandle};

use crate::db::PgPool;
use crate::domain::dreams::Viewer;
use crate::domain::DomainError;
pub use model::*;

#[derive(Clone)]
pub struct FeedHandle {
    addr: Addr<actor::FeedActor>,
}

impl FeedHandle {
    /// Starts the feed actor on `arbiter`.
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let addr = actor::FeedActor::start_in_arbiter(arbiter, move |_| actor::FeedActor::new(pool));
        FeedHandle { addr }
    }

    /// One page of a feed and the total number of matching items.
    pub async fn list(&self, viewer: Viewer, q: FeedQuery) -> Result<(FeedPage, i64), DomainError> {
        self.addr.send(messages::List(viewer, q)).await?
    }
}

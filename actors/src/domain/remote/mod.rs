//! Remote-control domain: the database effects of socket events (`realtime.md` §7.1.5,
//! §7.2, §7.3, §7.6). Lookups apply the visibility rule — a hidden dream or playlist of
//! another user is "not found" unless the caller is an admin — and exclude soft-deleted
//! rows. Mailbox 1024; stateless, restarted in place (`Supervised`).

mod actor;
mod messages;
mod store;

use actix::{Actor, Addr, ArbiterHandle};
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::users::AuthUser;
use crate::domain::DomainError;
pub use store::{DreamRef, PlaylistRef, VoteKind};

#[derive(Clone)]
pub struct RemoteHandle {
    addr: Addr<actor::RemoteActor>,
}

impl RemoteHandle {
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> RemoteHandle {
        RemoteHandle { addr: actor::RemoteActor::start_in_arbiter(arbiter, move |_| actor::RemoteActor::new(pool)) }
    }

    /// A non-deleted dream visible to `user`.
    pub async fn find_dream(&self, user: &AuthUser, uuid: Uuid) -> Result<Option<DreamRef>, DomainError> {
        self.addr.send(messages::FindDream { user: user.clone(), uuid }).await?
    }

    pub async fn find_playlist(&self, user: &AuthUser, uuid: Uuid) -> Result<Option<PlaylistRef>, DomainError> {
        self.addr.send(messages::FindPlaylist { user: user.clone(), uuid }).await?
    }

    /// `playing`: find the dream and make it the user's current dream.
    pub async fn play_dream(&self, user: &AuthUser, uuid: Uuid) -> Result<Option<DreamRef>, DomainError> {
        self.addr.send(messages::PlayDream { user: user.clone(), uuid }).await?
    }

    /// `play_playlist`: current playlist + interactive quota fill; returns the playlist
    /// and the user's quota after the fill.
    pub async fn play_playlist(&self, user: &AuthUser, uuid: Uuid) -> Result<Option<(PlaylistRef, i64)>, DomainError> {
        self.addr.send(messages::PlayPlaylist { user: user.clone(), uuid }).await?
    }

    pub async fn reset_playlist(&self, user: &AuthUser) -> Result<(), DomainError> {
        self.addr.send(messages::ResetPlaylist { user: user.clone() }).await?
    }

    /// Vote on a dream found by uuid (`None` when not found / not visible).
    pub async fn vote(&self, user: &AuthUser, uuid: Uuid, vote: VoteKind) -> Result<Option<DreamRef>, DomainError> {
        self.addr.send(messages::Vote { user: user.clone(), target: messages::VoteTarget::Uuid(uuid), vote }).await?
    }

    /// Vote on the user's current dream, read now.
    pub async fn vote_current(&self, user: &AuthUser, vote: VoteKind) -> Result<Option<DreamRef>, DomainError> {
        self.addr.send(messages::Vote { user: user.clone(), target: messages::VoteTarget::Current, vote }).await?
    }

    /// `report`: one `Native` report per event.
    pub async fn report(&self, user: &AuthUser, uuid: Uuid) -> Result<Option<DreamRef>, DomainError> {
        self.addr.send(messages::Report { user: user.clone(), uuid }).await?
    }

    /// Application `ping`: `last_client_ping_at = now()`, version recorded.
    pub async fn client_ping(&self, user: &AuthUser, version: String) -> Result<(), DomainError> {
        self.addr.send(messages::ClientPing { user: user.clone(), version: Some(version) }).await?
    }

    /// `goodbye`: `last_client_ping_at = NULL`.
    pub async fn client_goodbye(&self, user: &AuthUser) -> Result<(), DomainError> {
        self.addr.send(messages::ClientPing { user: user.clone(), version: None }).await?
    }
}

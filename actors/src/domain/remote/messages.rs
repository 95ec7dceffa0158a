//! Messages of the remote-control actor (private; callers use `RemoteHandle`).

use actix::Message;
use uuid::Uuid;

use super::store::{DreamRef, PlaylistRef, VoteKind};
use crate::domain::users::AuthUser;
use crate::domain::DomainError;

#[derive(Message)]
#[rtype(result = "Result<Option<DreamRef>, DomainError>")]
pub struct FindDream {
    pub user: AuthUser,
    pub uuid: Uuid,
}

#[derive(Message)]
#[rtype(result = "Result<Option<PlaylistRef>, DomainError>")]
pub struct FindPlaylist {
    pub user: AuthUser,
    pub uuid: Uuid,
}

#[derive(Message)]
#[rtype(result = "Result<Option<DreamRef>, DomainError>")]
pub struct PlayDream {
    pub user: AuthUser,
    pub uuid: Uuid,
}

#[derive(Message)]
#[rtype(result = "Result<Option<(PlaylistRef, i64)>, DomainError>")]
pub struct PlayPlaylist {
    pub user: AuthUser,
    pub uuid: Uuid,
}

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct ResetPlaylist {
    pub user: AuthUser,
}

pub enum VoteTarget {
    Uuid(Uuid),
    Current,
}

#[derive(Message)]
#[rtype(result = "Result<Option<DreamRef>, DomainError>")]
pub struct Vote {
    pub user: AuthUser,
    pub target: VoteTarget,
    pub vote: VoteKind,
}

#[derive(Message)]
#[rtype(result = "Result<Option<DreamRef>, DomainError>")]
pub struct Report {
    pub user: AuthUser,
    pub uuid: Uuid,
}

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct ClientPing {
    pub user: AuthUser,
    /// `Some` for `ping`, `None` for `goodbye`.
    pub version: Option<String>,
}

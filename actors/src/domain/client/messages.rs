//! Messages of the client actor. Private to the domain: callers use `ClientHandle`.

use uuid::Uuid;

use super::model::*;
use crate::domain::dreams::{DreamBundle, Viewer};
use crate::domain::DomainError;

/// Declares a message struct and its `Result<_, DomainError>` reply type.
macro_rules! message {
    ($name:ident ( $($field:ty),* ) -> $ret:ty) => {
        pub struct $name($(pub $field),*);
        impl actix::Message for $name {
            type Result = Result<$ret, DomainError>;
        }
    };
}

message!(GetHello(i32) -> Hello);
message!(GetQuota(i32) -> i64);
message!(Dislikes(i32) -> Vec<Uuid>);
message!(Dreams(Viewer, Vec<Uuid>) -> Vec<ClientDreamRow>);
message!(ClaimVideo(Viewer, Uuid) -> Option<(String, i64)>);
message!(Playlist(Viewer, Uuid) -> Option<ClientPlaylistRow>);
message!(DefaultPlaylist(Viewer, Option<Uuid>) -> DreamBundle);
message!(Daily(Option<Uuid>) -> DailyReport);

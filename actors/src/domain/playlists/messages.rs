//! Messages of the playlists actor. Private to the domain: callers use `PlaylistsHandle`.

use uuid::Uuid;

use super::model::*;
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

message!(List(Viewer, ListQuery) -> (PlaylistBundle, i64));
message!(ByUuid(Uuid) -> Option<PlaylistRow>);
message!(BundleById(Viewer, i32) -> Option<PlaylistBundle>);
message!(GetTotals(Viewer, i32) -> Totals);
message!(Items(Viewer, i32, Option<(i64, i64)>) -> ItemsPage);
message!(Keyframes(i32, i64, i64) -> KeyframesPage);
message!(References(Viewer, i32) -> Vec<Reference>);
message!(CurrentOf(i32) -> Option<i32>);
message!(Target(bool, Uuid) -> Option<(i32, i32, bool)>);
message!(KeyframeId(Uuid) -> Option<i32>);
message!(UserExists(i32) -> bool);
message!(Create(i32, NewPlaylist) -> i32);
message!(Update(i32, PlaylistUpdate) -> ());
message!(SetThumbnail(i32, Option<String>) -> ());
message!(SoftDelete(i32) -> ());
message!(Reorder(i32, Vec<(i32, i32)>) -> ());
message!(AddItem(Viewer, i32, ItemTarget) -> AddOutcome);
message!(RemoveItem(i32, i32) -> ());
message!(AddKeyframe(i32, i32) -> KeyframesPage);
message!(RemoveKeyframe(i32, i32) -> ());

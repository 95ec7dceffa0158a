//! Messages of the dreams actor. Private to the domain: callers use `DreamsHandle`.

use uuid::Uuid;

use super::model::*;
use super::store_write::MediaColumn;
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

message!(List(Viewer, ListQuery) -> (DreamBundle, i64));
message!(MyDreams(i32, i64, i64) -> (DreamBundle, i64));
message!(ByUuid(Uuid) -> Option<DreamBundle>);
message!(Detail(Viewer, Uuid) -> Option<DreamDetail>);
message!(VoteOf(i32, i32) -> Option<VoteRow>);
message!(KeyframeId(Uuid) -> Option<i32>);
message!(UserExists(i32) -> bool);
message!(CreatedBetween(DateRange) -> Vec<QueuedDream>);
message!(Create(i32, NewDream) -> Uuid);
message!(Update(i32, DreamUpdate) -> ());
message!(SoftDelete(i32, bool) -> ());
message!(CastVote(i32, i32, VoteKind) -> DreamRow);
message!(SetMedia(i32, MediaColumn, Option<String>) -> ());
message!(SetOriginal(i32, String, Option<String>) -> ());
message!(SetStatus(i32, &'static str) -> ());
message!(MarkProcessed(i32, ProcessedMetrics) -> ());

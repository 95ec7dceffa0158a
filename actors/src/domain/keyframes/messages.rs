//! Messages of the keyframes actor. Private to the domain: callers use `KeyframesHandle`.

use uuid::Uuid;

use super::model::*;
use crate::domain::dreams::Viewer;
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

message!(List(Viewer, KeyframeQuery) -> (KeyframeBundle, i64));
message!(Detail(Viewer, Uuid) -> Option<KeyframeBundle>);
message!(Row(Uuid) -> Option<KeyframeRow>);
message!(Create(i32, String) -> Uuid);
message!(Update(i32, KeyframeUpdate) -> ());
message!(SetImage(i32, Option<String>) -> ());
message!(SoftDelete(i32) -> ());

//! Messages of the invites actor. Private to the domain: callers use `InvitesHandle`.

use serde_json::Value;

use super::{CreatedInvite, InviteRefusal, NewInvite};
use crate::domain::DomainError;

macro_rules! message {
    ($name:ident ( $($field:ty),* ) -> $ret:ty) => {
        pub struct $name($(pub $field),*);
        impl actix::Message for $name {
            type Result = Result<$ret, DomainError>;
        }
    };
}

message!(List(i64, i64) -> (Vec<Value>, i64));
message!(Get(i32) -> Option<Value>);
message!(Create(NewInvite) -> Result<CreatedInvite, InviteRefusal>);
message!(Invalidate(i32) -> Option<Value>);
message!(Features() -> Vec<Value>);
message!(SetFeature(String, bool) -> Option<Value>);

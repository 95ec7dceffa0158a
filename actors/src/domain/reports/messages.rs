//! Messages of the reports actor. Private to the domain: callers use `ReportsHandle`.

use serde_json::Value;
use uuid::Uuid;

use super::{CreateOutcome, CreatedReport, NewReport};
use crate::domain::DomainError;

macro_rules! message {
    ($name:ident ( $($field:ty),* ) -> $ret:ty) => {
        pub struct $name($(pub $field),*);
        impl actix::Message for $name {
            type Result = Result<$ret, DomainError>;
        }
    };
}

message!(Types() -> Vec<Value>);
message!(List(i64, i64) -> (Vec<Value>, i64));
message!(Get(Uuid) -> Option<Value>);
message!(Create(NewReport) -> Result<CreatedReport, CreateOutcome>);
message!(MarkProcessed(Uuid, i32) -> Option<Value>);
message!(Delete(Uuid) -> bool);

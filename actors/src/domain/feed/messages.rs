//! Messages of the feed actor. Private to the domain: callers use `FeedHandle`.

use super::model::*;
use crate::domain::dreams::Viewer;
use crate::domain::DomainError;

pub struct List(pub Viewer, pub FeedQuery);

impl actix::Message for List {
    type Result = Result<(FeedPage, i64), DomainError>;
}

//! Invites and feature flags (`rest-api.md` §13.2, §5.2): the two tables that gate signup
//! (`SIGNUP_WITH_CODE` decides whether an invite code is required). Consuming an invite is
//! part of the signup transaction in the auth domain; this domain only lists, creates and
//! invalidates invites and reads/toggles flags.
//!
//! [`InvitesHandle`] is what the HTTP edge holds; each method sends one message to the
//! [`actor::InvitesActor`], which alone runs the SQL of [`store`] and [`features`].
//! Mailbox: 1024 messages; callers wait when it is full. Supervised, stateless apart from
//! the pool. Rows come back in their JSON shape (built by Postgres); the edge adds the
//! computed `signupUrl`, which needs `FRONTEND_URL`.

mod actor;
pub mod features;
mod messages;
pub mod store;

use actix::{Actor, Addr, ArbiterHandle};
use serde_json::Value;

use crate::db::PgPool;
use crate::domain::DomainError;

/// Alphabet of invite codes: A–Z and 0–9 without the look-alikes I and O.
pub const CODE_ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

/// Input of `POST /invite`, validated at the edge.
#[derive(Debug, Clone)]
pub struct NewInvite {
    /// An exact code to create, or `None` for a random one of `code_length`.
    pub code: Option<String>,
    pub code_length: usize,
    pub size: i32,
    pub role_id: i32,
}

/// Client-facing reasons an invite is not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    RoleNotFound,
    CodeTaken,
}

/// A created invite and the name of its signup role (the email wording depends on it).
#[derive(Debug, Clone)]
pub struct CreatedInvite {
    pub invite: Value,
    pub code: String,
    pub role_name: String,
}

#[derive(Clone)]
pub struct InvitesHandle {
    addr: Addr<actor::InvitesActor>,
}

impl InvitesHandle {
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle) -> Self {
        let addr = actor::InvitesActor::start_in_arbiter(arbiter, move |_| actor::InvitesActor::new(pool));
        InvitesHandle { addr }
    }

    /// Live invites, `size DESC`, with the total.
    pub async fn list(&self, take: i64, skip: i64) -> Result<(Vec<Value>, i64), DomainError> {
        self.addr.send(messages::List(take, skip)).await?
    }

    /// A live invite by id (any state, `size` 0 included).
    pub async fn get(&self, id: i32) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::Get(id)).await?
    }

    pub async fn create(&self, new: NewInvite) -> Result<Result<CreatedInvite, InviteRefusal>, DomainError> {
        self.addr.send(messages::Create(new)).await?
    }

    /// Sets `size = 0`; `None` for an unknown id.
    pub async fn invalidate(&self, id: i32) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::Invalidate(id)).await?
    }

    /// Every feature flag, by id.
    pub async fn features(&self) -> Result<Vec<Value>, DomainError> {
        self.addr.send(messages::Features()).await?
    }

    /// Sets a flag by name; `None` for an unknown name.
    pub async fn set_feature(&self, name: String, active: bool) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::SetFeature(name, active)).await?
    }
}

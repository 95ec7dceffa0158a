//! Users domain: identities, profiles and API keys.
//!
//! [`UsersHandle`] is what the HTTP edge and the CLI hold. Every method sends one
//! message to the [`actor::UsersActor`], which runs the SQL of [`store`] on the shared
//! pool. Mailbox: 1024 messages; callers wait (back-pressure) when it is full.

mod actor;
pub mod keycache;
mod messages;
pub mod model;
pub mod profile;
pub mod store;
pub mod votes;

use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Addr, ArbiterHandle};
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::DomainError;
use crate::ids::{Role, UserId};
pub use keycache::KeyCache;
pub use model::{AuthUser, CreatedUser, FullUser, NewUser};
pub use model::{PublicUser, UserDetail, UserListQuery, UserUpdate};
pub use votes::VotesQuery;

use crate::domain::dreams::{DreamBundle, Viewer};

#[derive(Clone)]
pub struct UsersHandle {
    addr: Addr<actor::UsersActor>,
    keys: Arc<KeyCache>,
}

impl UsersHandle {
    /// Starts the users actor on `arbiter`; `keys` is the instance's API-key lookup cache,
    /// shared with the auth domain (which revokes keys and changes roles).
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle, keys: Arc<KeyCache>) -> Self {
        let addr = actor::UsersActor::start_in_arbiter(arbiter, move |_| actor::UsersActor::new(pool));
        UsersHandle { addr, keys }
    }

    /// Resolves an API key by the SHA-256 hex of its plaintext (non-deleted, unexpired key
    /// of a non-deleted user). Records `last_used_at` at most once a minute.
    /// Answers from [`KeyCache`] when it can (see there for how long an answer lives),
    /// and concurrent lookups of one key share one query.
    pub async fn find_by_api_key_hash(&self, hash: String) -> Result<Option<AuthUser>, DomainError> {
        match self.keys.lookup(&hash, Instant::now()) {
            keycache::Lookup::Cached(user) => Ok(Some(user)),
            keycache::Lookup::Lead(leader) => {
                // `?` drops the leader: its followers then query themselves.
                let user = self.addr.send(messages::FindByApiKeyHash(hash)).await??;
                leader.finish(user.clone());
                Ok(user)
            }
            keycache::Lookup::Follow(answer) => match answer.await {
                Ok(user) => Ok(user),
                Err(_) => {
                    let generation = self.keys.query_alone();
                    let user = self.addr.send(messages::FindByApiKeyHash(hash.clone())).await??;
                    if let Some(u) = &user {
                        self.keys.put(hash, u.clone(), generation, Instant::now());
                    }
                    Ok(user)
                }
            },
        }
    }

    /// How API-key lookups were answered so far (cache, shared query, own query).
    pub fn key_lookups(&self) -> keycache::LookupCounts {
        self.keys.counts()
    }

    /// Loads the identity of a live user by id.
    pub async fn auth_user_by_id(&self, id: UserId) -> Result<Option<AuthUser>, DomainError> {
        self.addr.send(messages::AuthUserById(id)).await?
    }

    /// Loads the identity of a live user by uuid.
    pub async fn auth_user_by_uuid(&self, uuid: Uuid) -> Result<Option<AuthUser>, DomainError> {
        self.addr.send(messages::AuthUserByUuid(uuid)).await?
    }

    /// Finds a live user by email (case-insensitive).
    pub async fn auth_user_by_email(&self, email: String) -> Result<Option<AuthUser>, DomainError> {
        self.addr.send(messages::AuthUserByEmail(email)).await?
    }

    /// The caller's own view of their account (`FullUser`).
    pub async fn full_user(&self, id: UserId) -> Result<Option<FullUser>, DomainError> {
        self.addr.send(messages::GetFullUser(id)).await?
    }

    /// Creates a user; a taken email is `Conflict("User already exists.")`.
    pub async fn create(&self, new: NewUser) -> Result<CreatedUser, DomainError> {
        self.addr.send(messages::CreateUser(new)).await?
    }

    /// Replaces the user's API key (the previous one is soft-deleted) and returns the
    /// plaintext, which is never stored.
    pub async fn create_api_key(&self, user: UserId) -> Result<String, DomainError> {
        let _invalidate = self.keys.write_guard();
        self.addr.send(messages::CreateApiKey(user)).await?
    }

    /// `SELECT 1` on a pooled connection (health check).
    pub async fn ping_db(&self) -> Result<(), DomainError> {
        self.addr.send(messages::PingDb).await?
    }

    /// A live user by uuid with role and signup invite (`GET/PUT /user/:uuid`).
    pub async fn detail(&self, uuid: Uuid) -> Result<Option<UserDetail>, DomainError> {
        self.addr.send(messages::Detail(uuid)).await?
    }

    /// Verified users, newest first, with the total (`GET /user`).
    pub async fn list(&self, q: UserListQuery) -> Result<(Vec<PublicUser>, i64), DomainError> {
        self.addr.send(messages::List(q)).await?
    }

    /// Writes the whitelisted columns; false when the user is gone.
    pub async fn update(&self, id: i32, update: UserUpdate) -> Result<bool, DomainError> {
        let _invalidate = self.keys.write_guard();
        self.addr.send(messages::Update(id, update)).await?
    }

    /// Sets or clears the avatar object key; false when the user is gone.
    pub async fn set_avatar(&self, id: i32, key: Option<String>) -> Result<bool, DomainError> {
        self.addr.send(messages::SetAvatar(id, key)).await?
    }

    /// The dreams a user voted on, listable for `viewer`, newest vote first.
    pub async fn votes(&self, viewer: Viewer, q: VotesQuery) -> Result<(DreamBundle, i64), DomainError> {
        self.addr.send(messages::Votes(viewer, q)).await?
    }

    /// Role lookup helper for callers holding only a role id.
    pub fn role_from_id(id: i32) -> Option<Role> {
        Role::from_id(id)
    }
}

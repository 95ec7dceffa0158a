//! Auth domain: sessions (`auth_session`), one-time codes (`auth_code`), external
//! identities (`user_identity`), and the account writes of the auth flows (signup with
//! invites, password changes, API-key metadata, roles).
//!
//! [`AuthHandle`] is what the HTTP edge holds. Every method sends one message to the
//! [`actor::AuthActor`], which runs the SQL of [`store`] on the shared pool. Mailbox: 1024
//! messages; callers wait (back-pressure) when it is full. Supervised: the actor holds no
//! state besides the pool, so a restart loses nothing. Cryptography (token signing, code
//! HMACs, password hashing) stays at the edge: this domain stores and compares hashes only.

mod actor;
mod messages;
pub mod model;
pub mod store;

use actix::{Actor, Addr, ArbiterHandle};
use serde_json::Value;
use uuid::Uuid;

use crate::db::PgPool;
use crate::domain::users::model::RoleJson;
use crate::domain::users::{AuthUser, CreatedUser};
use crate::domain::DomainError;
use crate::ids::{Role, UserId};
pub use model::*;

#[derive(Clone)]
pub struct AuthHandle {
    addr: Addr<actor::AuthActor>,
    keys: std::sync::Arc<crate::domain::users::KeyCache>,
}

impl AuthHandle {
    /// `keys`: the API-key lookup cache, invalidated by key revocations and role changes.
    pub fn start(pool: PgPool, arbiter: &ArbiterHandle, keys: std::sync::Arc<crate::domain::users::KeyCache>) -> Self {
        let addr = actor::AuthActor::start_in_arbiter(arbiter, move |_| actor::AuthActor::new(pool));
        AuthHandle { addr, keys }
    }

    /// Creates a session and records the login on the user.
    pub async fn create_session(&self, new: NewSession) -> Result<(), DomainError> {
        self.addr.send(messages::CreateSession(new)).await?
    }

    /// The session and its live user; `grace_secs` decides `prev_in_grace`.
    pub async fn session(&self, sid: Uuid, grace_secs: f64) -> Result<Option<SessionRecord>, DomainError> {
        self.addr.send(messages::GetSession(sid, grace_secs)).await?
    }

    /// Compare-and-set rotation from `current` to `next` (hashes).
    pub async fn rotate_session(&self, sid: Uuid, current: Vec<u8>, next: Vec<u8>) -> Result<bool, DomainError> {
        self.addr.send(messages::RotateSession(sid, current, next)).await?
    }

    pub async fn revoke_session(&self, sid: Uuid) -> Result<(), DomainError> {
        self.addr.send(messages::RevokeSession(sid)).await?
    }

    pub async fn revoke_user_sessions(&self, user: UserId) -> Result<(), DomainError> {
        self.addr.send(messages::RevokeUserSessions(user)).await?
    }

    pub async fn issue_code(&self, new: NewCode) -> Result<IssueOutcome, DomainError> {
        self.addr.send(messages::IssueCode(new)).await?
    }

    pub async fn verify_code(&self, check: CodeCheck) -> Result<bool, DomainError> {
        self.addr.send(messages::VerifyCode(check)).await?
    }

    /// The live user with this email and their password hash, if any.
    pub async fn password_login(&self, email: String) -> Result<Option<(AuthUser, Option<String>)>, DomainError> {
        self.addr.send(messages::PasswordLogin(email)).await?
    }

    /// Stores a password hash and revokes all the user's sessions.
    pub async fn set_password(&self, user: UserId, hash: String) -> Result<(), DomainError> {
        self.addr.send(messages::SetPassword(user, hash)).await?
    }

    /// Signup; client-facing failures are `Invalid("Invalid invite code.")` and
    /// `Invalid("User already exists.")`.
    pub async fn signup(&self, req: SignupRequest) -> Result<CreatedUser, DomainError> {
        self.addr.send(messages::Signup(req)).await?
    }

    pub async fn resolve_external(&self, id: ExternalIdentity) -> Result<Option<AuthUser>, DomainError> {
        self.addr.send(messages::ResolveExternal(id)).await?
    }

    pub async fn active_api_key(&self, user: UserId) -> Result<Option<ApiKeyInfo>, DomainError> {
        self.addr.send(messages::ActiveApiKey(user)).await?
    }

    pub async fn revoke_api_key(&self, user: UserId) -> Result<bool, DomainError> {
        let _invalidate = self.keys.write_guard();
        self.addr.send(messages::RevokeApiKey(user)).await?
    }

    pub async fn list_roles(&self, q: RoleQuery) -> Result<(Vec<RoleJson>, i64), DomainError> {
        self.addr.send(messages::ListRoles(q)).await?
    }

    pub async fn set_role(&self, user: Uuid, role: Role) -> Result<Option<UserId>, DomainError> {
        let _invalidate = self.keys.write_guard();
        self.addr.send(messages::SetRole(user, role)).await?
    }

    pub async fn current_dream(&self, user: UserId) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::CurrentDream(user)).await?
    }

    pub async fn current_playlist(&self, user: UserId, admin: bool) -> Result<Option<Value>, DomainError> {
        self.addr.send(messages::CurrentPlaylist(user, admin)).await?
    }
}

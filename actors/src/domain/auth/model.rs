//! Types of the auth domain: what the HTTP edge sends in and gets back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::users::AuthUser;
use crate::ids::UserId;

/// A session row joined with its (live) user, as token verification needs it.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: AuthUser,
    pub refresh_hash: Vec<u8>,
    pub prev_refresh_hash: Option<Vec<u8>>,
    /// `rotated_at` is less than the grace window ago.
    pub prev_in_grace: bool,
    /// Not revoked and `expires_at` ahead.
    pub live: bool,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub user: UserId,
    pub refresh_hash: Vec<u8>,
    pub ttl_secs: f64,
    pub client_type: Option<String>,
    pub user_agent: Option<String>,
}

/// `auth_code_purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    Login,
    PasswordReset,
}

impl CodePurpose {
    pub const fn as_str(self) -> &'static str {
        match self {
            CodePurpose::Login => "login",
            CodePurpose::PasswordReset => "password_reset",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewCode {
    /// Lower-cased.
    pub email: String,
    pub purpose: CodePurpose,
    pub code_hash: Vec<u8>,
    pub ttl_secs: f64,
    pub max_per_hour: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued,
    /// Too many codes for this email in the last hour; retry after that many seconds.
    TooMany {
        retry_after_secs: u64,
    },
}

#[derive(Debug, Clone)]
pub struct CodeCheck {
    pub email: String,
    pub purpose: CodePurpose,
    pub candidate_hash: Vec<u8>,
    pub max_attempts: i32,
}

#[derive(Debug, Clone)]
pub struct SignupRequest {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub code: Option<String>,
    pub sheep_playlist: Option<Uuid>,
}

/// Claims of a verified external token, for user resolution (`rest-api.md` §3.4).
#[derive(Debug, Clone)]
pub struct ExternalIdentity {
    pub issuer: String,
    pub subject: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub auto_create: bool,
}

/// The active API key of a user, without its plaintext.
#[derive(Debug, Clone)]
pub struct ApiKeyInfo {
    pub hash: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RoleQuery {
    pub take: i64,
    pub skip: i64,
    pub search: Option<String>,
}

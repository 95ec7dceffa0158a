//! Users domain types and their JSON shapes (`rest-api.md` §2).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::ids::{Role, UserId};
use crate::time;

/// The authenticated caller, as every handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthUser {
    pub id: UserId,
    pub uuid: Uuid,
    pub role: Role,
    pub email: String,
    pub nsfw: bool,
}

/// Input of `users add` (CLI) and, later, signup.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: Option<String>,
    pub last_name: Option<String>,
    pub role: Role,
    pub password_hash: Option<String>,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedUser {
    pub id: i32,
    pub uuid: Uuid,
    pub email: String,
    #[serde(skip)]
    pub role: Role,
}

/// `role` object embedded in user shapes.
#[derive(Debug, Clone, Serialize)]
pub struct RoleJson {
    pub id: i32,
    pub name: String,
    #[serde(serialize_with = "time::ser")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "time::ser")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "time::ser_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// PublicUser fields (`rest-api.md` §2): what anyone may see of a user.
#[derive(Debug, Clone, Serialize)]
pub struct PublicUser {
    pub id: i32,
    pub uuid: Uuid,
    #[serde(rename = "cognitoId")]
    pub cognito_id: Option<String>,
    #[serde(rename = "workOSId")]
    pub workos_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub avatar: Option<String>,
    pub nsfw: bool,
    #[serde(rename = "enableMarketingEmails")]
    pub enable_marketing_emails: bool,
    /// bigint → JSON string, as the desktop and web UI read it.
    pub quota: String,
    #[serde(serialize_with = "time::ser_opt")]
    pub last_login_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "time::ser")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "time::ser")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "time::ser_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// FullUser: the caller's own account. `currentDream`/`currentPlaylist` are resolved by
/// the dreams and playlists domains at the edge; the ids are kept here for that.
#[derive(Debug, Clone, Serialize)]
pub struct FullUser {
    #[serde(flatten)]
    pub public: PublicUser,
    pub email: String,
    #[serde(rename = "lastName")]
    pub last_name: Option<String>,
    pub verified: bool,
    #[serde(serialize_with = "time::ser_opt")]
    pub last_client_ping_at: Option<DateTime<Utc>>,
    pub role: RoleJson,
    #[serde(rename = "currentPlaylist")]
    pub current_playlist: Value,
    #[serde(rename = "currentDream")]
    pub current_dream: Value,
    #[serde(skip)]
    pub current_dream_id: Option<i32>,
    #[serde(skip)]
    pub current_playlist_id: Option<i32>,
}

impl FullUser {
    pub fn user_id(&self) -> UserId {
        UserId(self.public.id)
    }
}

/// A user as `GET/PUT /user/:uuid` shows them: PublicUser plus the fields the edge adds
/// or hides depending on the caller (`email`, `signupInvite` only for self or admins).
#[derive(Debug, Clone)]
pub struct UserDetail {
    pub public: PublicUser,
    pub email: String,
    pub role: RoleJson,
    pub current_dream_id: Option<i32>,
    pub current_playlist_id: Option<i32>,
    /// The invite the user signed up with (`Invite` shape without `signupUrl`), or null.
    pub signup_invite: Value,
}

/// `GET /user`: verified users, newest first.
#[derive(Debug, Clone)]
pub struct UserListQuery {
    pub take: i64,
    pub skip: i64,
    /// Name substring (ILIKE); `None` or empty matches everyone.
    pub search: Option<String>,
    /// Role name filter.
    pub role: Option<String>,
}

/// `PUT /user/:uuid`: the whitelist of `data-model.md` §6; `None` leaves a column alone.
/// `quota` and `role_id` are only ever set by the edge for admins; an unknown `role_id`
/// is ignored.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub nsfw: Option<bool>,
    pub enable_marketing_emails: Option<bool>,
    pub quota: Option<i64>,
    pub role_id: Option<i32>,
}

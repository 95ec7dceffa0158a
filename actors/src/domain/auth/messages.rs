//! Messages of the auth actor. Private to the domain: callers use `AuthHandle`.

use actix::Message;
use serde_json::Value;
use uuid::Uuid;

use super::model::*;
use crate::domain::users::model::RoleJson;
use crate::domain::users::{AuthUser, CreatedUser};
use crate::domain::DomainError;
use crate::ids::{Role, UserId};

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct CreateSession(pub NewSession);

#[derive(Message)]
#[rtype(result = "Result<Option<SessionRecord>, DomainError>")]
pub struct GetSession(pub Uuid, pub f64);

#[derive(Message)]
#[rtype(result = "Result<bool, DomainError>")]
pub struct RotateSession(pub Uuid, pub Vec<u8>, pub Vec<u8>);

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct RevokeSession(pub Uuid);

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct RevokeUserSessions(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<IssueOutcome, DomainError>")]
pub struct IssueCode(pub NewCode);

#[derive(Message)]
#[rtype(result = "Result<bool, DomainError>")]
pub struct VerifyCode(pub CodeCheck);

#[derive(Message)]
#[rtype(result = "Result<Option<(AuthUser, Option<String>)>, DomainError>")]
pub struct PasswordLogin(pub String);

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct SetPassword(pub UserId, pub String);

#[derive(Message)]
#[rtype(result = "Result<CreatedUser, DomainError>")]
pub struct Signup(pub SignupRequest);

#[derive(Message)]
#[rtype(result = "Result<Option<AuthUser>, DomainError>")]
pub struct ResolveExternal(pub ExternalIdentity);

#[derive(Message)]
#[rtype(result = "Result<Option<ApiKeyInfo>, DomainError>")]
pub struct ActiveApiKey(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<bool, DomainError>")]
pub struct RevokeApiKey(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<(Vec<RoleJson>, i64), DomainError>")]
pub struct ListRoles(pub RoleQuery);

#[derive(Message)]
#[rtype(result = "Result<Option<UserId>, DomainError>")]
pub struct SetRole(pub Uuid, pub Role);

#[derive(Message)]
#[rtype(result = "Result<Option<Value>, DomainError>")]
pub struct CurrentDream(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<Option<Value>, DomainError>")]
pub struct CurrentPlaylist(pub UserId, pub bool);

//! Messages of the users actor. Private to the domain: callers use `UsersHandle`.

use actix::Message;
use uuid::Uuid;

use super::model::{AuthUser, CreatedUser, FullUser, NewUser};
use crate::domain::DomainError;
use crate::ids::UserId;

#[derive(Message)]
#[rtype(result = "Result<Option<AuthUser>, DomainError>")]
pub struct FindByApiKeyHash(pub String);

#[derive(Message)]
#[rtype(result = "Result<Option<AuthUser>, DomainError>")]
pub struct AuthUserById(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<Option<AuthUser>, DomainError>")]
pub struct AuthUserByUuid(pub Uuid);

#[derive(Message)]
#[rtype(result = "Result<Option<AuthUser>, DomainError>")]
pub struct AuthUserByEmail(pub String);

#[derive(Message)]
#[rtype(result = "Result<Option<FullUser>, DomainError>")]
pub struct GetFullUser(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<CreatedUser, DomainError>")]
pub struct CreateUser(pub NewUser);

#[derive(Message)]
#[rtype(result = "Result<String, DomainError>")]
pub struct CreateApiKey(pub UserId);

#[derive(Message)]
#[rtype(result = "Result<(), DomainError>")]
pub struct PingDb;

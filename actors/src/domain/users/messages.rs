//! Messages of the users actor. Private to the domain: callers use `UsersHandle`.

use actix::Message;
use uuid::Uuid;

use super::model::{AuthUser, CreatedUser, FullUser, NewUser};
use super::model::{PublicUser, UserDetail, UserListQuery, UserUpdate};
use super::votes::VotesQuery;
use crate::domain::dreams::{DreamBundle, Viewer};
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

#[derive(Message)]
#[rtype(result = "Result<Option<UserDetail>, DomainError>")]
pub struct Detail(pub Uuid);

#[derive(Message)]
#[rtype(result = "Result<(Vec<PublicUser>, i64), DomainError>")]
pub struct List(pub UserListQuery);

#[derive(Message)]
#[rtype(result = "Result<bool, DomainError>")]
pub struct Update(pub i32, pub UserUpdate);

#[derive(Message)]
#[rtype(result = "Result<bool, DomainError>")]
pub struct SetAvatar(pub i32, pub Option<String>);

#[derive(Message)]
#[rtype(result = "Result<(DreamBundle, i64), DomainError>")]
pub struct Votes(pub Viewer, pub VotesQuery);

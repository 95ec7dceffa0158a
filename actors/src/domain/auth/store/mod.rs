//! SQL of the auth domain, one file per table group. Every statement is parameterised.

mod accounts;
mod codes;
mod sessions;

pub use accounts::*;
pub use codes::*;
pub use sessions::*;

use tokio_postgres::Row;

use crate::domain::users::AuthUser;
use crate::domain::DomainError;
use crate::ids::{Role, UserId};

/// Columns every `AuthUser` query selects first, in this order.
pub(crate) const USER_COLUMNS: &str = "u.id, u.uuid, u.role_id, u.email, u.nsfw";

/// Maps [`USER_COLUMNS`] starting at column `at`.
pub(crate) fn auth_user_at(row: &Row, at: usize) -> Result<AuthUser, DomainError> {
    let role_id: i32 = row.try_get(at + 2)?;
    Ok(AuthUser {
        id: UserId(row.try_get(at)?),
        uuid: row.try_get(at + 1)?,
        role: Role::from_id(role_id).ok_or_else(|| DomainError::Internal(format!("unknown role id {role_id}")))?,
        email: row.try_get(at + 3)?,
        nsfw: row.try_get(at + 4)?,
    })
}

/// Equality of two byte strings in time independent of where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

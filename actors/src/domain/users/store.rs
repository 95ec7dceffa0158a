//! SQL of the users domain. Every statement is parameterised and prepared per connection.

use rand::RngExt;
use sha2::{Digest, Sha256};
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::{AuthUser, CreatedUser, FullUser, NewUser, PublicUser, RoleJson};
use crate::db::{DbError, PgConn};
use crate::domain::DomainError;
use crate::ids::{Role, UserId};

const AUTH_COLUMNS: &str = "u.id, u.uuid, u.role_id, u.email, u.nsfw";

fn auth_user(row: &Row) -> Result<AuthUser, DomainError> {
    let role_id: i32 = row.try_get(2)?;
    Ok(AuthUser {
        id: UserId(row.try_get(0)?),
        uuid: row.try_get(1)?,
        role: Role::from_id(role_id).ok_or_else(|| DomainError::Internal(format!("unknown role id {role_id}")))?,
        email: row.try_get(3)?,
        nsfw: row.try_get(4)?,
    })
}

async fn one_auth_user(
    conn: &PgConn,
    filter: &str,
    param: &(dyn tokio_postgres::types::ToSql + Sync),
) -> Result<Option<AuthUser>, DomainError> {
    let sql = format!("SELECT {AUTH_COLUMNS} FROM users u WHERE {filter} AND u.deleted_at IS NULL");
    let stmt = conn.prepare_cached(&sql).await?;
    conn.query_opt(&stmt, &[param]).await?.as_ref().map(auth_user).transpose()
}

pub async fn auth_user_by_id(conn: &PgConn, id: UserId) -> Result<Option<AuthUser>, DomainError> {
    one_auth_user(conn, "u.id = $1", &id.0).await
}

pub async fn auth_user_by_uuid(conn: &PgConn, uuid: Uuid) -> Result<Option<AuthUser>, DomainError> {
    one_auth_user(conn, "u.uuid = $1", &uuid).await
}

pub async fn auth_user_by_email(conn: &PgConn, email: &str) -> Result<Option<AuthUser>, DomainError> {
    one_auth_user(conn, "lower(u.email) = lower($1)", &email.trim()).await
}

/// The user behind an API key, and the key's id when its `last_used_at` is due (unset or
/// over a minute old): the caller records the use in a batch ([`TOUCH_API_KEYS`]) instead
/// of a write per lookup on the connect path.
pub async fn find_by_api_key_hash(conn: &PgConn, hash: &str) -> Result<Option<(AuthUser, Option<i32>)>, DomainError> {
    let stmt = conn
        .prepare_cached(
            "SELECT u.id, u.uuid, u.role_id, u.email, u.nsfw, k.id, \
                    (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') \
             FROM api_key k JOIN users u ON u.id = k.user_id \
             WHERE k.hash = $1 AND k.deleted_at IS NULL \
               AND (k.expires_at IS NULL OR k.expires_at > now()) AND u.deleted_at IS NULL",
        )
        .await?;
    let Some(row) = conn.query_opt(&stmt, &[&hash]).await? else {
        return Ok(None);
    };
    let user = auth_user(&row)?;
    let key_id: i32 = row.try_get(5)?;
    let stale: bool = row.try_get(6)?;
    Ok(Some((user, stale.then_some(key_id))))
}

/// Records the use of a batch of API keys (`domain/touch.rs`).
pub const TOUCH_API_KEYS: &str = "UPDATE api_key SET last_used_at = now() WHERE id = ANY($1)";

pub(crate) fn public_user(row: &Row) -> Result<PublicUser, DomainError> {
    let quota: i64 = row.try_get("quota")?;
    Ok(PublicUser {
        id: row.try_get("id")?,
        uuid: row.try_get("uuid")?,
        cognito_id: row.try_get("cognito_id")?,
        workos_id: row.try_get("workos_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        avatar: row.try_get("avatar")?,
        nsfw: row.try_get("nsfw")?,
        enable_marketing_emails: row.try_get("enable_marketing_emails")?,
        quota: quota.to_string(),
        last_login_at: row.try_get("last_login_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
    })
}

pub async fn full_user(conn: &PgConn, id: UserId) -> Result<Option<FullUser>, DomainError> {
    let stmt = conn
        .prepare_cached(
            "SELECT u.*, r.name AS role_name, r.created_at AS role_created_at, \
                    r.updated_at AS role_updated_at, r.deleted_at AS role_deleted_at \
             FROM users u JOIN role r ON r.id = u.role_id \
             WHERE u.id = $1 AND u.deleted_at IS NULL",
        )
        .await?;
    let Some(row) = conn.query_opt(&stmt, &[&id.0]).await? else {
        return Ok(None);
    };
    Ok(Some(FullUser {
        public: public_user(&row)?,
        email: row.try_get("email")?,
        last_name: row.try_get("last_name")?,
        verified: row.try_get("verified")?,
        last_client_ping_at: row.try_get("last_client_ping_at")?,
        role: RoleJson {
            id: row.try_get("role_id")?,
            name: row.try_get("role_name")?,
            created_at: row.try_get("role_created_at")?,
            updated_at: row.try_get("role_updated_at")?,
            deleted_at: row.try_get("role_deleted_at")?,
        },
        current_playlist: serde_json::Value::Null,
        current_dream: serde_json::Value::Null,
        current_dream_id: row.try_get("current_dream_id")?,
        current_playlist_id: row.try_get("current_playlist_id")?,
    }))
}

pub async fn create_user(conn: &PgConn, new: NewUser) -> Result<CreatedUser, DomainError> {
    let email = new.email.trim().to_string();
    let stmt = conn
        .prepare_cached(
            "INSERT INTO users (email, name, last_name, role_id, password_hash, verified) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, uuid",
        )
        .await?;
    let row = conn
        .query_one(&stmt, &[&email, &new.name, &new.last_name, &new.role.id(), &new.password_hash, &new.verified])
        .await
        .map_err(|e| match DbError::from(e) {
            e if e.sqlstate() == Some("23505") => DomainError::Conflict("User already exists."),
            e => e.into(),
        })?;
    Ok(CreatedUser { id: row.try_get(0)?, uuid: row.try_get(1)?, email, role: new.role })
}

/// SHA-256 hex of an API key plaintext: the only form ever stored.
pub fn api_key_hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// A new key: a random UUID v4 string, as the reference generated them.
fn new_api_key() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

pub async fn create_api_key(conn: &mut PgConn, user: UserId) -> Result<String, DomainError> {
    let plaintext = new_api_key();
    let hint: String = plaintext.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    let tx = conn.transaction().await?;
    tx.execute("UPDATE api_key SET deleted_at = now() WHERE user_id = $1 AND deleted_at IS NULL", &[&user.0]).await?;
    let inserted = tx
        .execute(
            "INSERT INTO api_key (user_id, hash, hint) \
             SELECT id, $2, $3 FROM users WHERE id = $1 AND deleted_at IS NULL",
            &[&user.0, &api_key_hash(&plaintext), &hint],
        )
        .await?;
    if inserted == 0 {
        return Err(DomainError::NotFound);
    }
    tx.commit().await?;
    Ok(plaintext)
}

pub async fn ping(conn: &PgConn) -> Result<(), DomainError> {
    conn.simple_query("SELECT 1").await?;
    Ok(())
}

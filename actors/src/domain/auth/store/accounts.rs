//! Accounts as the auth flows see them: password lookup and change, signup with invites,
//! external identities, API-key metadata, roles, and the caller's current dream/playlist.

use serde_json::{json, Value};
use tokio_postgres::Row;
use uuid::Uuid;

use super::{auth_user_at, USER_COLUMNS};
use crate::db::{DbError, PgConn};
use crate::domain::auth::model::{ApiKeyInfo, ExternalIdentity, RoleQuery, SignupRequest};
use crate::domain::users::model::RoleJson;
use crate::domain::users::{AuthUser, CreatedUser};
use crate::domain::DomainError;
use crate::ids::{Role, UserId};
use crate::time;

const INVALID_INVITE: &str = "Invalid invite code.";
const USER_EXISTS: &str = "User already exists.";

/// The live user with this email and their password hash (if any).
pub async fn password_login(conn: &PgConn, email: &str) -> Result<Option<(AuthUser, Option<String>)>, DomainError> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.password_hash FROM users u \
         WHERE lower(u.email) = lower($1) AND u.deleted_at IS NULL"
    );
    let Some(row) = conn.query_opt(&sql, &[&email.trim()]).await? else { return Ok(None) };
    Ok(Some((auth_user_at(&row, 0)?, row.try_get(5)?)))
}

/// Stores a new password hash and revokes every session of the user.
pub async fn set_password(conn: &mut PgConn, user: UserId, hash: String) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    tx.execute("UPDATE users SET password_hash = $2 WHERE id = $1", &[&user.0, &hash]).await?;
    tx.execute("UPDATE auth_session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", &[&user.0])
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn feature_active(conn: &PgConn, name: &str) -> Result<bool, DomainError> {
    let row = conn.query_opt("SELECT is_active FROM feature WHERE name = $1 AND deleted_at IS NULL", &[&name]).await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => false,
    })
}

/// Signup (`rest-api.md` §4): only an invite with exactly the given code is consumed, and
/// only together with the user it creates.
pub async fn signup(conn: &mut PgConn, req: SignupRequest) -> Result<CreatedUser, DomainError> {
    let required = feature_active(conn, "SIGNUP_WITH_CODE").await?;
    if required && req.code.is_none() {
        return Err(DomainError::Invalid(INVALID_INVITE.into()));
    }
    let email = req.email.trim().to_string();
    let taken =
        conn.query_opt("SELECT 1 FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL", &[&email]).await?;
    if taken.is_some() {
        return Err(DomainError::Invalid(USER_EXISTS.into()));
    }
    let tx = conn.transaction().await?;
    let mut invite: Option<(i32, Option<i32>)> = None;
    if let Some(code) = &req.code {
        let row = tx
            .query_opt(
                "SELECT id, size, signup_role_id FROM invite WHERE code = $1 AND deleted_at IS NULL FOR UPDATE",
                &[code],
            )
            .await?;
        match row {
            Some(r) if r.try_get::<_, i32>(1)? > 0 => {
                let id: i32 = r.try_get(0)?;
                tx.execute("UPDATE invite SET size = size - 1 WHERE id = $1", &[&id]).await?;
                invite = Some((id, r.try_get(2)?));
            }
            _ if required => return Err(DomainError::Invalid(INVALID_INVITE.into())),
            _ => {}
        }
    }
    let role_id = invite.and_then(|(_, r)| r).unwrap_or(Role::User.id());
    let role = Role::from_id(role_id).unwrap_or(Role::User);
    let row = tx
        .query_one(
            "INSERT INTO users (email, name, last_name, verified, role_id, signup_invite_id) \
             VALUES ($1, $2, $3, false, $4, $5) RETURNING id, uuid",
            &[&email, &req.first_name, &req.last_name, &role.id(), &invite.map(|(id, _)| id)],
        )
        .await
        .map_err(|e| match DbError::from(e) {
            e if e.sqlstate() == Some("23505") => DomainError::Invalid(USER_EXISTS.into()),
            e => e.into(),
        })?;
    let created = CreatedUser { id: row.try_get(0)?, uuid: row.try_get(1)?, email, role };
    if let (Some(code), Some(playlist)) = (&req.code, req.sheep_playlist) {
        if code.to_uppercase() == "SHEEP" {
            tx.execute(
                "UPDATE users SET current_playlist_id = \
                 (SELECT id FROM playlist WHERE uuid = $2 AND deleted_at IS NULL) WHERE id = $1",
                &[&created.id, &playlist],
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(created)
}

/// Finds (or creates) the user of an external identity and records the link.
pub async fn resolve_external(conn: &mut PgConn, id: ExternalIdentity) -> Result<Option<AuthUser>, DomainError> {
    let by = |filter: &str| {
        format!("SELECT {USER_COLUMNS} FROM users u WHERE u.deleted_at IS NULL AND {filter} ORDER BY u.id LIMIT 1")
    };
    let linked = conn
        .query_opt(
            &by("u.id = (SELECT user_id FROM user_identity WHERE issuer = $1 AND subject = $2)"),
            &[&id.issuer, &id.subject],
        )
        .await?;
    if let Some(row) = linked {
        return Ok(Some(auth_user_at(&row, 0)?));
    }
    let username = id.username.clone().unwrap_or_else(|| id.subject.clone());
    let mut found = conn
        .query_opt(&by("(u.workos_id = $1 OR u.cognito_id = $2 OR u.cognito_id = $1)"), &[&id.subject, &username])
        .await?;
    if found.is_none() {
        if let Some(email) = &id.email {
            found = conn.query_opt(&by("lower(u.email) = lower($1)"), &[&email.trim()]).await?;
        }
    }
    let tx = conn.transaction().await?;
    let user = match (found, &id.email) {
        (Some(row), _) => auth_user_at(&row, 0)?,
        (None, Some(email)) if id.auto_create => {
            let name = id.given_name.clone().map(|n| n.chars().take(50).collect::<String>());
            // A concurrent first login may create the same user: then use that row.
            let inserted = tx
                .query_opt(
                    &format!(
                        "WITH u AS (INSERT INTO users (email, name, last_name, role_id, verified) \
                         VALUES ($1, $2, $3, $4, true) \
                         ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO NOTHING RETURNING *) \
                         SELECT {USER_COLUMNS} FROM u"
                    ),
                    &[&email.trim(), &name, &id.family_name, &Role::User.id()],
                )
                .await?;
            let row = match inserted {
                Some(row) => row,
                None => tx.query_one(&by("lower(u.email) = lower($1)"), &[&email.trim()]).await?,
            };
            auth_user_at(&row, 0)?
        }
        _ => return Ok(None),
    };
    tx.execute(
        "INSERT INTO user_identity (user_id, issuer, subject, email) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (issuer, subject) DO NOTHING",
        &[&user.id.0, &id.issuer, &id.subject, &id.email],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(user))
}

pub async fn active_api_key(conn: &PgConn, user: UserId) -> Result<Option<ApiKeyInfo>, DomainError> {
    let row = conn
        .query_opt(
            "SELECT hash, hint, created_at, updated_at FROM api_key WHERE user_id = $1 AND deleted_at IS NULL",
            &[&user.0],
        )
        .await?;
    row.map(|r| {
        Ok(ApiKeyInfo {
            hash: r.try_get::<_, String>(0)?.trim().to_string(),
            hint: r.try_get(1)?,
            created_at: r.try_get(2)?,
            updated_at: r.try_get(3)?,
        })
    })
    .transpose()
}

/// Soft-deletes the active key; false when there was none.
pub async fn revoke_api_key(conn: &PgConn, user: UserId) -> Result<bool, DomainError> {
    let n = conn
        .execute("UPDATE api_key SET deleted_at = now() WHERE user_id = $1 AND deleted_at IS NULL", &[&user.0])
        .await?;
    Ok(n > 0)
}

fn role_json(r: &Row) -> Result<RoleJson, DomainError> {
    Ok(RoleJson {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        created_at: r.try_get(2)?,
        updated_at: r.try_get(3)?,
        deleted_at: r.try_get(4)?,
    })
}

pub async fn list_roles(conn: &PgConn, q: RoleQuery) -> Result<(Vec<RoleJson>, i64), DomainError> {
    let pattern = q.search.map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let rows = conn
        .query(
            "SELECT id, name, created_at, updated_at, deleted_at FROM role \
             WHERE deleted_at IS NULL AND ($1::text IS NULL OR name ILIKE $1) \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
            &[&pattern, &q.take, &q.skip],
        )
        .await?;
    let count: i64 = conn
        .query_one(
            "SELECT count(*) FROM role WHERE deleted_at IS NULL AND ($1::text IS NULL OR name ILIKE $1)",
            &[&pattern],
        )
        .await?
        .try_get(0)?;
    Ok((rows.iter().map(role_json).collect::<Result<_, _>>()?, count))
}

/// Sets the role of a live user; `None` when there is no such user.
pub async fn set_role(conn: &PgConn, user: Uuid, role: Role) -> Result<Option<UserId>, DomainError> {
    let row = conn
        .query_opt(
            "UPDATE users SET role_id = $2 WHERE uuid = $1 AND deleted_at IS NULL RETURNING id",
            &[&user, &role.id()],
        )
        .await?;
    row.map(|r| Ok(UserId(r.try_get(0)?))).transpose()
}

/// The caller's current dream as its minimal columns (the full Dream shape belongs to the
/// dreams domain), `None` when unset or deleted.
pub async fn current_dream(conn: &PgConn, user: UserId) -> Result<Option<Value>, DomainError> {
    let row = conn
        .query_opt(
            "SELECT d.id, d.uuid, d.name, d.created_at, d.updated_at FROM users u \
             JOIN dream d ON d.id = u.current_dream_id AND d.deleted_at IS NULL WHERE u.id = $1",
            &[&user.0],
        )
        .await?;
    row.map(|r| minimal(&r)).transpose()
}

/// The caller's current playlist (minimal columns) when it exists and is visible to them.
pub async fn current_playlist(conn: &PgConn, user: UserId, admin: bool) -> Result<Option<Value>, DomainError> {
    let row = conn
        .query_opt(
            "SELECT p.id, p.uuid, p.name, p.created_at, p.updated_at FROM users u \
             JOIN playlist p ON p.id = u.current_playlist_id AND p.deleted_at IS NULL \
             WHERE u.id = $1 AND (NOT p.hidden OR p.user_id = u.id OR $2)",
            &[&user.0, &admin],
        )
        .await?;
    row.map(|r| minimal(&r)).transpose()
}

fn minimal(r: &Row) -> Result<Value, DomainError> {
    let created: chrono::DateTime<chrono::Utc> = r.try_get(3)?;
    let updated: chrono::DateTime<chrono::Utc> = r.try_get(4)?;
    Ok(json!({
        "id": r.try_get::<_, i32>(0)?,
        "uuid": r.try_get::<_, Uuid>(1)?,
        "name": r.try_get::<_, Option<String>>(2)?,
        "created_at": time::iso_millis(&created),
        "updated_at": time::iso_millis(&updated),
    }))
}

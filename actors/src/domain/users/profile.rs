//! SQL of the user profile endpoints (`rest-api.md` §7): one user by uuid with their role
//! and signup invite, the verified-user list, the whitelisted update and the avatar.

use tokio_postgres::types::ToSql;
use tokio_postgres::Row;
use uuid::Uuid;

use super::model::{PublicUser, RoleJson, UserDetail, UserListQuery, UserUpdate};
use super::store::public_user;
use crate::db::PgConn;
use crate::domain::invites::store::ts;
use crate::domain::DomainError;

fn detail_sql() -> String {
    format!(
        "SELECT u.*, r.name AS role_name, r.created_at AS role_created_at, \
                r.updated_at AS role_updated_at, r.deleted_at AS role_deleted_at, \
                CASE WHEN i.id IS NULL THEN NULL ELSE json_build_object('id', i.id, 'code', i.code, \
                    'size', i.size, 'created_at', {}, 'updated_at', {}, 'deleted_at', {}) END AS invite_json \
         FROM users u JOIN role r ON r.id = u.role_id LEFT JOIN invite i ON i.id = u.signup_invite_id \
         WHERE u.uuid = $1 AND u.deleted_at IS NULL",
        ts("i.created_at"),
        ts("i.updated_at"),
        ts("i.deleted_at"),
    )
}

fn detail_row(row: &Row) -> Result<UserDetail, DomainError> {
    Ok(UserDetail {
        public: public_user(row)?,
        email: row.try_get("email")?,
        role: RoleJson {
            id: row.try_get("role_id")?,
            name: row.try_get("role_name")?,
            created_at: row.try_get("role_created_at")?,
            updated_at: row.try_get("role_updated_at")?,
            deleted_at: row.try_get("role_deleted_at")?,
        },
        current_dream_id: row.try_get("current_dream_id")?,
        current_playlist_id: row.try_get("current_playlist_id")?,
        signup_invite: row.try_get::<_, Option<serde_json::Value>>("invite_json")?.unwrap_or_default(),
    })
}

/// A live user by uuid.
pub async fn detail(conn: &PgConn, uuid: Uuid) -> Result<Option<UserDetail>, DomainError> {
    let stmt = conn.prepare_cached(&detail_sql()).await?;
    conn.query_opt(&stmt, &[&uuid]).await?.as_ref().map(detail_row).transpose()
}

pub async fn list(conn: &PgConn, q: UserListQuery) -> Result<(Vec<PublicUser>, i64), DomainError> {
    let search = q.search.filter(|s| !s.is_empty());
    let filter = "u.deleted_at IS NULL AND u.verified \
                  AND ($1::text IS NULL OR u.name ILIKE '%' || $1 || '%') \
                  AND ($2::text IS NULL OR u.role_id = (SELECT id FROM role WHERE name = $2))";
    let params: [&(dyn ToSql + Sync); 2] = [&search, &q.role];
    let count_sql = format!("SELECT count(*) FROM users u WHERE {filter}");
    let count: i64 = conn.query_one(&conn.prepare_cached(&count_sql).await?, &params).await?.try_get(0)?;
    let sql =
        format!("SELECT u.* FROM users u WHERE {filter} ORDER BY u.created_at DESC, u.id DESC LIMIT $3 OFFSET $4");
    let mut all = params.to_vec();
    all.push(&q.take);
    all.push(&q.skip);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    Ok((rows.iter().map(public_user).collect::<Result<_, _>>()?, count))
}

/// Writes the given columns in one statement; false when the user is gone.
pub async fn update(conn: &PgConn, id: i32, u: UserUpdate) -> Result<bool, DomainError> {
    let n = conn
        .execute(
            "UPDATE users SET name = COALESCE($2, name), description = COALESCE($3, description), \
                nsfw = COALESCE($4, nsfw), enable_marketing_emails = COALESCE($5, enable_marketing_emails), \
                quota = COALESCE($6, quota), \
                role_id = COALESCE((SELECT id FROM role WHERE id = $7 AND deleted_at IS NULL), role_id) \
             WHERE id = $1 AND deleted_at IS NULL",
            &[&id, &u.name, &u.description, &u.nsfw, &u.enable_marketing_emails, &u.quota, &u.role_id],
        )
        .await?;
    Ok(n > 0)
}

/// Sets (or clears) the avatar object key; false when the user is gone.
pub async fn set_avatar(conn: &PgConn, id: i32, key: Option<String>) -> Result<bool, DomainError> {
    let n = conn.execute("UPDATE users SET avatar = $2 WHERE id = $1 AND deleted_at IS NULL", &[&id, &key]).await?;
    Ok(n > 0)
}

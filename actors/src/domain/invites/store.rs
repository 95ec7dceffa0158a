//! SQL of invites. The `Invite` shape (`rest-api.md` §2, without the computed
//! `signupUrl`) is built by Postgres.

use rand::RngExt;
use serde_json::Value;
use tokio_postgres::Row;

use super::{CreatedInvite, InviteRefusal, NewInvite, CODE_ALPHABET};
use crate::db::PgConn;
use crate::domain::DomainError;

/// Random codes tried before giving up: with the 34-letter alphabet a collision streak
/// this long means the code space of the requested length is (nearly) exhausted.
const RANDOM_CODE_ATTEMPTS: usize = 64;

/// `to_char` of a timestamptz column in the wire format (`…T12:34:56.789Z`).
pub(crate) fn ts(col: &str) -> String {
    format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
}

/// `SELECT <Invite JSON> FROM invite i LEFT JOIN role r …`; callers append the filter.
fn invite_select(from: &str) -> String {
    format!(
        "SELECT json_build_object('id', i.id, 'code', i.code, 'size', i.size, 'created_at', {}, \
            'updated_at', {}, 'signupRole', CASE WHEN r.id IS NULL THEN NULL ELSE json_build_object( \
            'id', r.id, 'name', r.name, 'created_at', {}, 'updated_at', {}, 'deleted_at', {}) END) \
         FROM {from} i LEFT JOIN role r ON r.id = i.signup_role_id",
        ts("i.created_at"),
        ts("i.updated_at"),
        ts("r.created_at"),
        ts("r.updated_at"),
        ts("r.deleted_at"),
    )
}

fn first_json(row: &Row) -> Result<Value, DomainError> {
    Ok(row.try_get::<_, Value>(0)?)
}

pub async fn list(conn: &PgConn, take: i64, skip: i64) -> Result<(Vec<Value>, i64), DomainError> {
    let count: i64 = conn.query_one("SELECT count(*) FROM invite WHERE deleted_at IS NULL", &[]).await?.try_get(0)?;
    let sql = format!(
        "{} WHERE i.deleted_at IS NULL ORDER BY i.size DESC, i.id DESC LIMIT $1 OFFSET $2",
        invite_select("invite")
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&take, &skip]).await?;
    Ok((rows.iter().map(first_json).collect::<Result<_, _>>()?, count))
}

pub async fn get(conn: &PgConn, id: i32) -> Result<Option<Value>, DomainError> {
    let sql = format!("{} WHERE i.id = $1 AND i.deleted_at IS NULL", invite_select("invite"));
    conn.query_opt(&conn.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(first_json).transpose()
}

fn random_code(len: usize) -> String {
    let alphabet = CODE_ALPHABET.as_bytes();
    let mut rng = rand::rng();
    (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

/// Inserts unless a live invite has the code; `None` when taken.
async fn insert(conn: &PgConn, code: &str, size: i32, role: i32) -> Result<Option<Value>, DomainError> {
    let sql = format!(
        "WITH i AS (INSERT INTO invite (code, size, signup_role_id) VALUES ($1, $2, $3) \
           ON CONFLICT (code) WHERE deleted_at IS NULL DO NOTHING RETURNING *) {}",
        invite_select("i")
    );
    conn.query_opt(&conn.prepare_cached(&sql).await?, &[&code, &size, &role])
        .await?
        .as_ref()
        .map(first_json)
        .transpose()
}

pub async fn create(conn: &PgConn, new: NewInvite) -> Result<Result<CreatedInvite, InviteRefusal>, DomainError> {
    let role = conn.query_opt("SELECT name FROM role WHERE id = $1 AND deleted_at IS NULL", &[&new.role_id]).await?;
    let Some(role) = role else { return Ok(Err(InviteRefusal::RoleNotFound)) };
    let role_name: String = role.try_get(0)?;
    if let Some(code) = new.code {
        return Ok(match insert(conn, &code, new.size, new.role_id).await? {
            Some(invite) => Ok(CreatedInvite { invite, code, role_name }),
            None => Err(InviteRefusal::CodeTaken),
        });
    }
    for _ in 0..RANDOM_CODE_ATTEMPTS {
        let code = random_code(new.code_length);
        if let Some(invite) = insert(conn, &code, new.size, new.role_id).await? {
            return Ok(Ok(CreatedInvite { invite, code, role_name }));
        }
    }
    Ok(Err(InviteRefusal::CodeTaken))
}

pub async fn invalidate(conn: &PgConn, id: i32) -> Result<Option<Value>, DomainError> {
    let n = conn.execute("UPDATE invite SET size = 0 WHERE id = $1 AND deleted_at IS NULL", &[&id]).await?;
    if n == 0 {
        return Ok(None);
    }
    get(conn, id).await
}

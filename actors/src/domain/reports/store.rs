//! SQL of the reports domain. Shapes (`Report`, `ReportType` of `rest-api.md` §2) are
//! built by Postgres with `json_build_object`, timestamps already in the wire format.

use serde_json::Value;
use tokio_postgres::Row;
use uuid::Uuid;

use super::{CreateOutcome, CreatedReport, NewReport};
use crate::db::PgConn;
use crate::domain::DomainError;

/// The report type only the realtime `report` event uses; never listed.
const NATIVE_TYPE: i32 = 7;

/// `to_char` of a timestamptz column in the wire format (`…T12:34:56.789Z`).
fn ts(col: &str) -> String {
    format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
}

fn type_json(alias: &str) -> String {
    format!(
        "json_build_object('id', {a}.id, 'description', {a}.description, 'created_at', {}, \
         'updated_at', {}, 'deleted_at', {})",
        ts(&format!("{alias}.created_at")),
        ts(&format!("{alias}.updated_at")),
        ts(&format!("{alias}.deleted_at")),
        a = alias
    )
}

/// `SELECT <Report JSON> FROM report r JOIN …`; callers append the filter.
fn report_select() -> String {
    format!(
        "SELECT json_build_object('id', r.id, 'uuid', r.uuid, \
            'dream', json_build_object('uuid', d.uuid, 'name', d.name), \
            'reportedBy', json_build_object('uuid', rb.uuid, 'name', rb.name, 'email', rb.email), \
            'processedBy', CASE WHEN pb.id IS NULL THEN NULL \
                ELSE json_build_object('uuid', pb.uuid, 'name', pb.name, 'email', pb.email) END, \
            'comments', r.comments, 'processed', r.processed, 'link', r.link, \
            'reportedAt', {}, 'processedAt', {}, 'created_at', {}, 'updated_at', {}, 'type', {}) \
         FROM report r JOIN dream d ON d.id = r.dream_id JOIN users rb ON rb.id = r.reported_by_id \
         LEFT JOIN users pb ON pb.id = r.processed_by_id JOIN report_type t ON t.id = r.type_id",
        ts("r.reported_at"),
        ts("r.processed_at"),
        ts("r.created_at"),
        ts("r.updated_at"),
        type_json("t"),
    )
}

fn first_json(row: &Row) -> Result<Value, DomainError> {
    Ok(row.try_get::<_, Value>(0)?)
}

pub async fn types(conn: &PgConn) -> Result<Vec<Value>, DomainError> {
    let sql =
        format!("SELECT {} FROM report_type t WHERE t.id <> $1 AND t.deleted_at IS NULL ORDER BY t.id", type_json("t"));
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&NATIVE_TYPE]).await?;
    rows.iter().map(first_json).collect()
}

pub async fn list(conn: &PgConn, take: i64, skip: i64) -> Result<(Vec<Value>, i64), DomainError> {
    let count: i64 = conn.query_one("SELECT count(*) FROM report WHERE deleted_at IS NULL", &[]).await?.try_get(0)?;
    let sql = format!(
        "{} WHERE r.deleted_at IS NULL ORDER BY r.updated_at DESC, r.id DESC LIMIT $1 OFFSET $2",
        report_select()
    );
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[&take, &skip]).await?;
    Ok((rows.iter().map(first_json).collect::<Result<_, _>>()?, count))
}

pub async fn get(conn: &PgConn, uuid: Uuid) -> Result<Option<Value>, DomainError> {
    let sql = format!("{} WHERE r.uuid = $1 AND r.deleted_at IS NULL", report_select());
    conn.query_opt(&conn.prepare_cached(&sql).await?, &[&uuid]).await?.as_ref().map(first_json).transpose()
}

async fn by_id(conn: &PgConn, id: i32) -> Result<Option<Value>, DomainError> {
    let sql = format!("{} WHERE r.id = $1", report_select());
    conn.query_opt(&conn.prepare_cached(&sql).await?, &[&id]).await?.as_ref().map(first_json).transpose()
}

/// Creates a report about a live dream the reporter can see (`visible`, §3.7).
pub async fn create(conn: &PgConn, new: NewReport) -> Result<Result<CreatedReport, CreateOutcome>, DomainError> {
    let dream = conn
        .query_opt(
            "SELECT id, uuid, name FROM dream WHERE uuid = $1 AND deleted_at IS NULL \
             AND ($2 OR user_id = $3 OR NOT hidden)",
            &[&new.dream_uuid, &new.admin, &new.reported_by],
        )
        .await?;
    let Some(dream) = dream else { return Ok(Err(CreateOutcome::DreamNotFound)) };
    let kind = conn
        .query_opt("SELECT description FROM report_type WHERE id = $1 AND deleted_at IS NULL", &[&new.type_id])
        .await?;
    let Some(kind) = kind else { return Ok(Err(CreateOutcome::TypeNotFound)) };
    let dream_id: i32 = dream.try_get(0)?;
    let id: i32 = conn
        .query_one(
            "INSERT INTO report (type_id, dream_id, reported_by_id, comments, link, reported_at) \
             VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
            &[&new.type_id, &dream_id, &new.reported_by, &new.comments, &new.link],
        )
        .await?
        .try_get(0)?;
    let report = by_id(conn, id).await?.ok_or_else(|| DomainError::Internal("report vanished".into()))?;
    Ok(Ok(CreatedReport {
        report,
        dream_uuid: dream.try_get(1)?,
        dream_name: dream.try_get(2)?,
        type_description: kind.try_get(0)?,
    }))
}

pub async fn mark_processed(conn: &PgConn, uuid: Uuid, admin: i32) -> Result<Option<Value>, DomainError> {
    let row = conn
        .query_opt(
            "UPDATE report SET processed = true, processed_by_id = $2, processed_at = now() \
             WHERE uuid = $1 AND deleted_at IS NULL RETURNING id",
            &[&uuid, &admin],
        )
        .await?;
    match row {
        Some(r) => by_id(conn, r.try_get(0)?).await,
        None => Ok(None),
    }
}

pub async fn delete(conn: &PgConn, uuid: Uuid) -> Result<bool, DomainError> {
    let n =
        conn.execute("UPDATE report SET deleted_at = now() WHERE uuid = $1 AND deleted_at IS NULL", &[&uuid]).await?;
    Ok(n > 0)
}

//! SQL of the feature flags (`feature` table). Only `is_active` is ever written.

use serde_json::Value;

use super::store::ts;
use crate::db::PgConn;
use crate::domain::DomainError;

fn feature_json() -> String {
    format!(
        "json_build_object('id', f.id, 'name', f.name, 'isActive', f.is_active, 'created_at', {}, \
         'updated_at', {}, 'deleted_at', {})",
        ts("f.created_at"),
        ts("f.updated_at"),
        ts("f.deleted_at")
    )
}

pub async fn list(conn: &PgConn) -> Result<Vec<Value>, DomainError> {
    let sql = format!("SELECT {} FROM feature f WHERE f.deleted_at IS NULL ORDER BY f.id", feature_json());
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &[]).await?;
    rows.iter().map(|r| r.try_get::<_, Value>(0).map_err(DomainError::from)).collect()
}

pub async fn set(conn: &PgConn, name: &str, active: bool) -> Result<Option<Value>, DomainError> {
    let sql = format!(
        "WITH f AS (UPDATE feature SET is_active = $2 WHERE name = $1 AND deleted_at IS NULL RETURNING *) \
         SELECT {} FROM f",
        feature_json()
    );
    let row = conn.query_opt(&conn.prepare_cached(&sql).await?, &[&name, &active]).await?;
    Ok(row.map(|r| r.try_get::<_, Value>(0)).transpose()?)
}

//! `GET /user/:uuid/votes`: a user's votes as the dreams they voted on, filtered by the
//! viewer's `listable` rule (`rest-api.md` §3.7) in SQL so `count` and the page agree
//! (differs from reference: hidden and nsfw dreams leaked through this list).

use tokio_postgres::types::ToSql;

use crate::db::PgConn;
use crate::domain::dreams::store::{bundle, dream_row, DREAM_COLS, LISTABLE};
use crate::domain::dreams::{DreamBundle, Viewer};
use crate::domain::DomainError;

/// Which votes, for whom, and which page.
#[derive(Debug, Clone)]
pub struct VotesQuery {
    pub user: i32,
    /// `none`, `upvote` or `downvote`; `None` for every type.
    pub kind: Option<String>,
    pub take: i64,
    pub skip: i64,
}

pub async fn user_votes(conn: &PgConn, viewer: Viewer, q: VotesQuery) -> Result<(DreamBundle, i64), DomainError> {
    let filter = format!(
        "v.user_id = $4 AND v.deleted_at IS NULL AND d.deleted_at IS NULL \
         AND ($5::text IS NULL OR v.vote::text = $5) AND {LISTABLE}"
    );
    let params: [&(dyn ToSql + Sync); 5] = [&viewer.id, &viewer.admin, &viewer.nsfw, &q.user, &q.kind];
    let from = "FROM vote v JOIN dream d ON d.id = v.dream_id";
    let count_sql = format!("SELECT count(*) {from} WHERE {filter}");
    let count: i64 = conn.query_one(&conn.prepare_cached(&count_sql).await?, &params).await?.try_get(0)?;
    let sql =
        format!("SELECT {DREAM_COLS} {from} WHERE {filter} ORDER BY v.created_at DESC, v.id DESC LIMIT $6 OFFSET $7");
    let mut all = params.to_vec();
    all.push(&q.take);
    all.push(&q.skip);
    let rows = conn.query(&conn.prepare_cached(&sql).await?, &all).await?;
    let dreams = rows.iter().map(dream_row).collect::<Result<Vec<_>, _>>()?;
    Ok((bundle(conn, dreams).await?, count))
}

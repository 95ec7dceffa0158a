//! SQL writes of the dreams domain. Each operation that touches more than one row runs in
//! one transaction; counters change by deltas under the dream's row lock, so parallel
//! votes can never lose an update or push a counter below zero.

use tokio_postgres::types::ToSql;
use tokio_postgres::Transaction;

use super::model::*;
use super::store::{dream_row, DREAM_COLS};
use crate::db::PgConn;
use crate::domain::DomainError;

/// Inserts a dream owned by `owner` (status `none`). Returns its uuid.
pub async fn create(conn: &PgConn, owner: i32, new: NewDream) -> Result<uuid::Uuid, DomainError> {
    let stmt = conn
        .prepare_cached(
            "INSERT INTO dream (user_id, name, description, source_url, nsfw, ccby_license, hidden, uuid) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING uuid",
        )
        .await?;
    let row = conn
        .query_one(
            &stmt,
            &[
                &owner,
                &new.name,
                &new.description,
                &new.source_url,
                &new.nsfw,
                &new.ccby_license,
                &new.hidden,
                &new.uuid,
            ],
        )
        .await?;
    Ok(row.try_get(0)?)
}

/// Whitelisted update plus, for an admin's displayed owner, the feed item's user.
pub async fn update(conn: &mut PgConn, id: i32, u: DreamUpdate) -> Result<(), DomainError> {
    let mut sets: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let mut push = |col: &str, cast: &str, v: Box<dyn ToSql + Sync + Send>| {
        params.push(v);
        sets.push(format!("{col} = ${}{cast}", params.len() + 1));
    };
    if let Some(v) = u.name {
        push("name", "", Box::new(v));
    }
    if let Some(v) = u.activity_level {
        push("activity_level", "::text::numeric", Box::new(v));
    }
    if let Some(v) = u.description {
        push("description", "", Box::new(v));
    }
    if let Some(v) = u.source_url {
        push("source_url", "", Box::new(v));
    }
    if let Some(v) = u.nsfw {
        push("nsfw", "", Box::new(v));
    }
    if let Some(v) = u.ccby_license {
        push("ccby_license", "", Box::new(v));
    }
    if let Some(v) = u.start_keyframe_id {
        push("start_keyframe_id", "", Box::new(v));
    }
    if let Some(v) = u.end_keyframe_id {
        push("end_keyframe_id", "", Box::new(v));
    }
    if let Some(v) = u.hidden {
        push("hidden", "", Box::new(v));
    }
    if let Some(v) = u.feature_rank {
        push("feature_rank", "", Box::new(v));
    }
    if let Some(v) = u.displayed_owner_id {
        push("displayed_owner_id", "", Box::new(v));
    }
    let tx = conn.transaction().await?;
    if !sets.is_empty() {
        let sql = format!("UPDATE dream SET {} WHERE id = $1 AND deleted_at IS NULL", sets.join(", "));
        let mut refs: Vec<&(dyn ToSql + Sync)> = vec![&id];
        refs.extend(params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)));
        tx.execute(sql.as_str(), &refs).await?;
    }
    if let Some(owner) = u.displayed_owner_id {
        tx.execute("UPDATE feed_item SET user_id = $2 WHERE dream_item_id = $1 AND deleted_at IS NULL", &[&id, &owner])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Soft-deletes the dream and, in the same transaction, its playlist items (renumbering
/// and bumping the affected playlists), feed item and votes. With `failed`, the status is
/// set to `failed` too (aborted uploads).
pub async fn soft_delete(conn: &mut PgConn, id: i32, failed: bool) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    let sql = if failed {
        "UPDATE dream SET deleted_at = now(), status = 'failed' WHERE id = $1 AND deleted_at IS NULL"
    } else {
        "UPDATE dream SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL"
    };
    if tx.execute(sql, &[&id]).await? == 0 {
        return Err(DomainError::NotFound);
    }
    cascade(&tx, id).await?;
    tx.commit().await?;
    Ok(())
}

async fn cascade(tx: &Transaction<'_>, id: i32) -> Result<(), DomainError> {
    let rows = tx
        .query(
            "UPDATE playlist_item SET deleted_at = now() WHERE dream_item_id = $1 AND deleted_at IS NULL \
             RETURNING playlist_id",
            &[&id],
        )
        .await?;
    let playlists: Vec<i32> = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
    if !playlists.is_empty() {
        crate::domain::playlists::store_write::renumber_items(tx, &playlists).await?;
    }
    tx.execute("UPDATE feed_item SET deleted_at = now() WHERE dream_item_id = $1 AND deleted_at IS NULL", &[&id])
        .await?;
    tx.execute("UPDATE vote SET deleted_at = now() WHERE dream_id = $1 AND deleted_at IS NULL", &[&id]).await?;
    Ok(())
}

/// Upserts the voter's row and moves the counters by the delta, all under the dream's
/// row lock (parallel votes on one dream serialise here). Returns the updated dream.
pub async fn vote(conn: &mut PgConn, voter: i32, dream_id: i32, kind: VoteKind) -> Result<DreamRow, DomainError> {
    let tx = conn.transaction().await?;
    if tx
        .query_opt("SELECT 1 FROM dream WHERE id = $1 AND deleted_at IS NULL FOR UPDATE", &[&dream_id])
        .await?
        .is_none()
    {
        return Err(DomainError::NotFound);
    }
    let old: Option<String> = tx
        .query_opt(
            "SELECT vote::text FROM vote WHERE user_id = $1 AND dream_id = $2 AND deleted_at IS NULL",
            &[&voter, &dream_id],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    tx.execute(
        "INSERT INTO vote (user_id, dream_id, vote) VALUES ($1, $2, $3::text::vote_type) \
         ON CONFLICT (user_id, dream_id) WHERE deleted_at IS NULL DO UPDATE SET vote = EXCLUDED.vote",
        &[&voter, &dream_id, &kind.as_str()],
    )
    .await?;
    let count = |v: Option<&str>, which: &str| i32::from(v == Some(which));
    let up = count(Some(kind.as_str()), "upvote") - count(old.as_deref(), "upvote");
    let down = count(Some(kind.as_str()), "downvote") - count(old.as_deref(), "downvote");
    let sql = format!(
        "UPDATE dream d SET upvotes = GREATEST(d.upvotes + $2, 0), downvotes = GREATEST(d.downvotes + $3, 0) \
         WHERE d.id = $1 RETURNING {DREAM_COLS}"
    );
    let row = if up != 0 || down != 0 {
        tx.query_one(sql.as_str(), &[&dream_id, &up, &down]).await?
    } else {
        let sql = format!("SELECT {DREAM_COLS} FROM dream d WHERE d.id = $1");
        tx.query_one(sql.as_str(), &[&dream_id]).await?
    };
    tx.commit().await?;
    dream_row(&row)
}

/// Sets one media column (`thumbnail` or `video`); `None` clears it.
pub async fn set_media(conn: &PgConn, id: i32, column: MediaColumn, key: Option<String>) -> Result<(), DomainError> {
    let sql = match column {
        MediaColumn::Thumbnail => "UPDATE dream SET thumbnail = $2 WHERE id = $1 AND deleted_at IS NULL",
        MediaColumn::Video => "UPDATE dream SET video = $2 WHERE id = $1 AND deleted_at IS NULL",
    };
    if conn.execute(sql, &[&id, &key]).await? == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// A completed original upload: `original_video`, optional name, `status = queue`.
pub async fn set_original(conn: &PgConn, id: i32, key: String, name: Option<String>) -> Result<(), DomainError> {
    let n = conn
        .execute(
            "UPDATE dream SET original_video = $2, name = COALESCE($3, name), status = 'queue' \
             WHERE id = $1 AND deleted_at IS NULL",
            &[&id, &key, &name],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

pub async fn set_status(conn: &PgConn, id: i32, status: &str) -> Result<(), DomainError> {
    let n = conn
        .execute(
            "UPDATE dream SET status = $2::text::dream_status WHERE id = $1 AND deleted_at IS NULL",
            &[&id, &status],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// `status/processed`: metrics, `processed_at`, the feed item (created once, user =
/// displayed owner else owner) and an `updated_at` bump of every containing playlist.
pub async fn mark_processed(conn: &mut PgConn, id: i32, m: ProcessedMetrics) -> Result<(), DomainError> {
    let tx = conn.transaction().await?;
    let n = tx
        .execute(
            "UPDATE dream SET status = 'processed', processed_at = now(), \
                activity_level = COALESCE($2::text::numeric, activity_level), \
                processed_video_fps = COALESCE($3::text::numeric, processed_video_fps), \
                processed_video_frames = COALESCE($4, processed_video_frames), \
                processed_video_size = COALESCE($5, processed_video_size), \
                filmstrip = COALESCE($6, filmstrip), md5 = COALESCE($7, md5) \
             WHERE id = $1 AND deleted_at IS NULL",
            &[&id, &m.activity_level, &m.fps, &m.frames, &m.size, &m.filmstrip, &m.md5],
        )
        .await?;
    if n == 0 {
        return Err(DomainError::NotFound);
    }
    tx.execute(
        "INSERT INTO feed_item (user_id, type, dream_item_id) \
         SELECT COALESCE(displayed_owner_id, user_id), 'dream', id FROM dream WHERE id = $1 \
         ON CONFLICT (dream_item_id) DO NOTHING",
        &[&id],
    )
    .await?;
    tx.execute(
        "UPDATE playlist SET updated_at = now() WHERE deleted_at IS NULL AND id IN \
         (SELECT playlist_id FROM playlist_item WHERE dream_item_id = $1 AND deleted_at IS NULL)",
        &[&id],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Which single media column a write sets.
#[derive(Debug, Clone, Copy)]
pub enum MediaColumn {
    Thumbnail,
    Video,
}

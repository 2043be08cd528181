//! The outbox on SQLite: one writer, so sequence order is commit order.

use contracts::events::Event;
use sqlx::{SqliteConnection, SqlitePool};

use super::{origin, Pending};

/// Records `event` on `conn` (the change's transaction): it is relayed once that commits, and
/// never if it rolls back.
pub async fn record(conn: &mut SqliteConnection, event: &Event) -> Result<(), sqlx::Error> {
    let origin = origin();
    let text = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO outbox (id, event, request_id, traceparent, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(event.id.hyphenated())
    .bind(text)
    .bind(origin.request_id)
    .bind(origin.traceparent)
    .bind(crate::time::now_db())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    event: String,
    request_id: Option<String>,
    traceparent: Option<String>,
}

pub(super) async fn pending(pool: &SqlitePool, limit: i64) -> Result<Vec<Pending>, sqlx::Error> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT seq, event, request_id, traceparent FROM outbox ORDER BY seq LIMIT ?1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Pending {
            seq: r.seq,
            event: r.event,
            origin: contracts::events::Origin {
                request_id: r.request_id,
                traceparent: r.traceparent,
            },
        })
        .collect())
}

/// The rows sent were the oldest, read together; with one writer nothing below the last of
/// them can commit later, so the range is exactly what was sent.
pub(super) async fn delete(pool: &SqlitePool, seqs: &[i64]) -> Result<(), sqlx::Error> {
    let (Some(first), Some(last)) = (seqs.iter().min(), seqs.iter().max()) else {
        return Ok(());
    };
    sqlx::query("DELETE FROM outbox WHERE seq >= ?1 AND seq <= ?2")
        .bind(first)
        .bind(last)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(pool)
        .await
}

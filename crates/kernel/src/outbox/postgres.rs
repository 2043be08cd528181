//! The outbox on PostgreSQL: queries checked against `crates/kernel/migrations/postgres`.

use chrono::Utc;
use contracts::events::Event;
use sqlx::{PgConnection, PgPool};

use super::{origin, Pending};

/// Records `event` on `conn` (the change's transaction): it is relayed once that commits, and
/// never if it rolls back.
pub async fn record(conn: &mut PgConnection, event: &Event) -> Result<(), sqlx::Error> {
    let origin = origin();
    let text = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query!(
        "INSERT INTO outbox (id, event, request_id, traceparent, recorded_at)
         VALUES ($1, $2, $3, $4, $5)",
        event.id,
        text,
        origin.request_id,
        origin.traceparent,
        Utc::now(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn pending(pool: &PgPool, limit: i64) -> Result<Vec<Pending>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT seq, event, request_id, traceparent FROM outbox ORDER BY seq LIMIT $1",
        limit,
    )
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

/// Deletes exactly the rows that were sent: a row with a lower number that committed after
/// they were read is still waiting, so no range is deleted here.
pub(super) async fn delete(pool: &PgPool, seqs: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM outbox WHERE seq = ANY($1)", seqs)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!" FROM outbox"#)
        .fetch_one(pool)
        .await
}

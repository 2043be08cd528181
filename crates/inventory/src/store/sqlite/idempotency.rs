//! `Idempotency-Key` storage on SQLite: claim, change and answer in ONE transaction, the
//! change in a savepoint so a 4xx answer is kept while its change is undone; 5xx answers are not
//! kept; an expired key is reclaimed only if unchanged since read; expired keys are pruned
//! every 256th keyed request. The rules are [`kernel::idempotency`]'s.

use kernel::{
    idempotency::{self, answer_of, busy, KeptKey, Keyed, Outcome, Seen, Stored},
    time::{from_db, now, to_db},
    Result,
};
use serde::Serialize;
use sqlx::{Acquire, SqliteConnection};

use super::SqliteStore;
use crate::store::Once;

#[derive(sqlx::FromRow)]
struct KeptRow {
    request_hash: String,
    response_status: i64,
    response_body: String,
    /// Kept as stored: a reclaim compares it byte for byte.
    created_at: String,
}

impl SqliteStore {
    /// Runs `change` in one transaction. With a key, the key is claimed first and the answer
    /// (`success` and the serialised result, or a 4xx problem) recorded before the commit, in
    /// the same transaction; a repeat replays that answer without running `change`.
    pub(super) async fn once<T, F>(&self, once: Once<'_>, change: F) -> Result<Outcome<T>>
    where
        T: Serialize + Send,
        F: AsyncFnOnce(&mut SqliteConnection) -> Result<T>,
    {
        let mut tx = self.pool.begin().await?;
        let Some(keyed) = once.keyed else {
            let value = change(&mut *tx).await?;
            tx.commit().await?;
            return Ok(Outcome::Fresh(value));
        };
        if let Some(stored) = claim(&mut tx, keyed).await? {
            tx.rollback().await?;
            return Ok(Outcome::Replayed(stored));
        }
        // A savepoint: a 4xx leaves nothing of the change behind, yet its answer is kept.
        let mut inner = tx.begin().await?;
        let result = change(&mut *inner).await;
        // `None`: a 5xx, not kept; dropping the transaction frees the key for a retry.
        let Some((status, body)) = answer_of(&result, once.success)? else {
            return result.map(Outcome::Fresh);
        };
        if result.is_ok() {
            inner.commit().await?;
        } else {
            inner.rollback().await?;
        }
        record(&mut tx, keyed, status.as_u16(), &body).await?;
        tx.commit().await?;
        if idempotency::time_to_prune() {
            if let Err(e) = self.prune().await {
                tracing::warn!(error = %e, "could not delete expired idempotency keys");
            }
        }
        result.map(Outcome::Fresh)
    }

    /// Deletes keys older than the retention; the table stays bounded by a day of traffic.
    async fn prune(&self) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?1")
                .bind(to_db(idempotency::cutoff(now())))
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// Claims the key inside `conn`'s transaction: `None` when it is new (or expired) and now
/// ours, the kept answer when the same request was answered before, 422 for another request.
async fn claim(conn: &mut SqliteConnection, keyed: &Keyed<'_>) -> Result<Option<Stored>> {
    for _ in 0..idempotency::CLAIM_ATTEMPTS {
        let at = now();
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
             VALUES (?1, ?2, ?3, 0, '', ?4) ON CONFLICT (user_id, idempotency_key) DO NOTHING",
        )
        .bind(keyed.user())
        .bind(keyed.key())
        .bind(keyed.fingerprint())
        .bind(to_db(at))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(None);
        }
        let Some(row) = sqlx::query_as::<_, KeptRow>(
            "SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys
             WHERE user_id = ?1 AND idempotency_key = ?2",
        )
        .bind(keyed.user())
        .bind(keyed.key())
        .fetch_optional(&mut *conn)
        .await?
        else {
            continue;
        };
        let kept = KeptKey {
            request_hash: row.request_hash,
            response_status: row.response_status,
            response_body: row.response_body,
            created_at: from_db(&row.created_at)?,
        };
        match keyed.judge(kept, at)? {
            Seen::Answered(stored) => return Ok(Some(stored)),
            // Taken over only if it is still the row read (`created_at` unchanged), so of two
            // retries that both saw it expired exactly one runs the change.
            Seen::Expired => {
                let reclaimed = sqlx::query(
                    "UPDATE idempotency_keys SET request_hash = ?3, response_status = 0, response_body = '', created_at = ?4
                     WHERE user_id = ?1 AND idempotency_key = ?2 AND created_at = ?5",
                )
                .bind(keyed.user())
                .bind(keyed.key())
                .bind(keyed.fingerprint())
                .bind(to_db(at))
                .bind(&row.created_at)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if reclaimed == 1 {
                    return Ok(None);
                }
            }
        }
    }
    Err(busy())
}

/// Records the answer of a claimed key, inside the claim's transaction.
async fn record(
    conn: &mut SqliteConnection,
    keyed: &Keyed<'_>,
    status: u16,
    body: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = ?3, response_body = ?4
         WHERE user_id = ?1 AND idempotency_key = ?2",
    )
    .bind(keyed.user())
    .bind(keyed.key())
    .bind(i64::from(status))
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

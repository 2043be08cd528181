//! `Idempotency-Key` storage on PostgreSQL: claim, change and answer in ONE transaction, the
//! change in a savepoint so a 4xx answer is kept while its change is undone; 5xx answers are not
//! kept; an expired key is reclaimed only if unchanged since read; expired keys are pruned
//! every 256th keyed request. The rules are [`kernel::idempotency`]'s.

use kernel::{
    idempotency::{self, answer_of, busy, KeptKey, Keyed, Outcome, Seen, Stored},
    time::now,
    Result,
};
use serde::Serialize;
use sqlx::{Acquire, PgConnection};

use super::PgStore;
use crate::store::Once;

impl PgStore {
    /// Runs `change` in one transaction. With a key, the key is claimed first and the answer
    /// (`success` and the serialised result, or a 4xx problem) recorded before the commit, in
    /// the same transaction; a repeat replays that answer without running `change`.
    pub(super) async fn once<T, F>(&self, once: Once<'_>, change: F) -> Result<Outcome<T>>
    where
        T: Serialize + Send,
        F: AsyncFnOnce(&mut PgConnection) -> Result<T>,
    {
        let mut tx = self.pool.begin().await?;
        let Some(keyed) = once.keyed else {
            let value = change(&mut tx).await?;
            tx.commit().await?;
            return Ok(Outcome::Fresh(value));
        };
        if let Some(stored) = claim(&mut tx, keyed).await? {
            tx.rollback().await?;
            return Ok(Outcome::Replayed(stored));
        }
        // A savepoint: a 4xx leaves nothing of the change behind, yet its answer is kept (and
        // a failed statement would otherwise abort the whole transaction).
        let mut inner = tx.begin().await?;
        let result = change(&mut inner).await;
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
        let cutoff = idempotency::cutoff(now());
        Ok(
            sqlx::query!("DELETE FROM idempotency_keys WHERE created_at < $1", cutoff)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// Claims the key inside `conn`'s transaction: `None` when it is new (or expired) and now
/// ours, the kept answer when the same request was answered before, 422 for another request.
/// A concurrent twin blocks on the primary key until the first transaction ends.
async fn claim(conn: &mut PgConnection, keyed: &Keyed<'_>) -> Result<Option<Stored>> {
    // The row may change between reading and writing it (a twin reclaiming an expired key,
    // the pruner deleting it): then it is read again, a bounded number of times.
    for _ in 0..idempotency::CLAIM_ATTEMPTS {
        let at = now();
        let inserted = sqlx::query!(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
             VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (user_id, idempotency_key) DO NOTHING",
            keyed.user(),
            keyed.key(),
            keyed.fingerprint(),
            at,
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(None);
        }
        let Some(kept) = sqlx::query_as!(
            KeptKey,
            "SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys
             WHERE user_id = $1 AND idempotency_key = $2",
            keyed.user(),
            keyed.key(),
        )
        .fetch_optional(&mut *conn)
        .await?
        else {
            continue;
        };
        let read_created_at = kept.created_at;
        match keyed.judge(kept, at)? {
            Seen::Answered(stored) => return Ok(Some(stored)),
            // Taken over only if it is still the row read (`created_at` unchanged), so of two
            // retries that both saw it expired exactly one runs the change; the other reads
            // the winner's answer again (its UPDATE waited for the winner's commit).
            Seen::Expired => {
                let reclaimed = sqlx::query!(
                    "UPDATE idempotency_keys SET request_hash = $3, response_status = 0, response_body = '', created_at = $4
                     WHERE user_id = $1 AND idempotency_key = $2 AND created_at = $5",
                    keyed.user(),
                    keyed.key(),
                    keyed.fingerprint(),
                    at,
                    read_created_at,
                )
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
async fn record(conn: &mut PgConnection, keyed: &Keyed<'_>, status: u16, body: &str) -> Result<()> {
    sqlx::query!(
        "UPDATE idempotency_keys SET response_status = $3, response_body = $4
         WHERE user_id = $1 AND idempotency_key = $2",
        keyed.user(),
        keyed.key(),
        i64::from(status),
        body,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

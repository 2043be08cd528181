//! The `Any`-driver storage of idempotency keys, until every store has its typed one.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use serde::Serialize;
use sqlx::{AnyConnection, AnyPool, Connection, Row};

use crate::{
    idempotency::{mismatch, Keyed, Outcome, Stored, CLAIM_ATTEMPTS, RETENTION},
    time::{now, to_db},
    AppError, Result,
};

const PRUNE_EVERY: u64 = 256;
static KEYED_REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Runs `change` on a transaction and commits it. With a key, the key is claimed first and
/// the answer (`success` and the serialised result, or a 4xx problem) recorded before the
/// commit, in the same transaction; a repeat replays that answer without running `change`.
pub async fn once<T, F>(
    pool: &AnyPool,
    keyed: Option<&Keyed<'_>>,
    success: StatusCode,
    change: F,
) -> Result<Outcome<T>>
where
    T: Serialize,
    F: AsyncFnOnce(&mut AnyConnection) -> Result<T>,
{
    let mut tx = pool.begin().await?;
    let Some(keyed) = keyed else {
        let value = change(&mut tx).await?;
        tx.commit().await?;
        return Ok(Outcome::Fresh(value));
    };
    if let Some(stored) = claim(&mut tx, keyed).await? {
        tx.rollback().await?;
        return Ok(Outcome::Replayed(stored));
    }
    // A savepoint: a 4xx leaves nothing of the change behind, yet its answer is kept (and on
    // PostgreSQL a failed statement would otherwise abort the whole transaction).
    let mut inner = tx.begin().await?;
    let result = change(&mut inner).await;
    let value = match result {
        Ok(value) => {
            inner.commit().await?;
            let body = serde_json::to_string(&value).map_err(AppError::internal)?;
            record(&mut tx, keyed, success, &body).await?;
            Ok(value)
        }
        Err(e) => {
            let problem = e.to_problem();
            if problem.status >= 500 {
                // Not kept: dropping the transaction frees the key for the client's retry.
                return Err(e);
            }
            inner.rollback().await?;
            let body = serde_json::to_string(&problem).map_err(AppError::internal)?;
            record(&mut tx, keyed, problem.status_code(), &body).await?;
            Err(e)
        }
    };
    tx.commit().await?;
    if KEYED_REQUESTS.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
        if let Err(e) = prune(pool).await {
            tracing::warn!(error = %e, "could not delete expired idempotency keys");
        }
    }
    value.map(Outcome::Fresh)
}

/// Claims the key inside `conn`'s transaction: `None` when it is new (or expired) and now
/// ours, the kept answer when the same request was answered before, 422 for another request.
pub async fn claim(conn: &mut AnyConnection, keyed: &Keyed<'_>) -> Result<Option<Stored>> {
    // The row may change between reading and writing it (a twin reclaiming an expired key, the
    // pruner deleting it): then it is read again, a bounded number of times.
    for _ in 0..CLAIM_ATTEMPTS {
        let at = now();
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
             VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (user_id, idempotency_key) DO NOTHING",
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
        let Some(row) = sqlx::query(
            "SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys
             WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(keyed.user())
        .bind(keyed.key())
        .fetch_optional(&mut *conn)
        .await?
        else {
            continue;
        };
        let created_at: String = row.try_get("created_at")?;
        let expired = at - crate::time::from_db(&created_at)?
            > chrono::Duration::from_std(RETENTION).unwrap_or_default();
        if expired {
            if reclaim(conn, keyed, &created_at, at).await? {
                return Ok(None);
            }
            // A twin reclaimed it first, and has committed (on PostgreSQL our UPDATE waited
            // for it): its answer is read again and replayed.
            continue;
        }
        if row.try_get::<String, _>("request_hash")? != keyed.fingerprint() {
            return Err(mismatch());
        }
        let status: i64 = row.try_get("response_status")?;
        // Claim and answer commit together, so a committed claim always has its answer.
        let status = u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .filter(|s| s.as_u16() >= 200)
            .ok_or_else(|| AppError::internal(format!("idempotency key kept status {status}")))?;
        return Ok(Some(Stored {
            status,
            body: row.try_get("response_body")?,
        }));
    }
    Err(AppError::conflict(
        "idempotency-key-busy",
        "Idempotency-Key in use",
        "another request with this key is being processed; retry shortly with the same key",
    ))
}

/// Takes over an expired key, only if it is still the one read (`created_at` unchanged), so
/// of two retries that both saw it expired exactly one runs the change.
async fn reclaim(
    conn: &mut AnyConnection,
    keyed: &Keyed<'_>,
    read_created_at: &str,
    at: crate::time::Timestamp,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE idempotency_keys SET request_hash = $3, response_status = 0, response_body = '', created_at = $4
         WHERE user_id = $1 AND idempotency_key = $2 AND created_at = $5",
    )
    .bind(keyed.user())
    .bind(keyed.key())
    .bind(keyed.fingerprint())
    .bind(to_db(at))
    .bind(read_created_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Records the answer of a claimed key, inside the claim's transaction.
pub async fn record(
    conn: &mut AnyConnection,
    keyed: &Keyed<'_>,
    status: StatusCode,
    body: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = $3, response_body = $4
         WHERE user_id = $1 AND idempotency_key = $2",
    )
    .bind(keyed.user())
    .bind(keyed.key())
    .bind(i64::from(status.as_u16()))
    .bind(body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes keys older than [`RETENTION`]; the table stays bounded by a day of traffic.
pub async fn prune(pool: &AnyPool) -> Result<u64> {
    let cutoff = now() - chrono::Duration::from_std(RETENTION).unwrap_or_default();
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(to_db(cutoff))
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

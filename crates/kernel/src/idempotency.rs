//! `Idempotency-Key` on creating POSTs (API.md "Headers"): the same key from the same user
//! with the same request returns the first answer, status and body, and changes nothing; the
//! same key with a different request is 422; a 5xx outcome is not kept, so the client may retry.
//!
//! [`once`] claims the key, makes the change and records the answer in ONE transaction, so a
//! crash keeps all three or none: a change is never applied without its key being recorded.
//! On PostgreSQL a concurrent twin blocks on the key's primary key until the first transaction
//! ends, then replays its answer; SQLite runs one transaction at a time.
//!
//! What is kept: the answer of a request that started executing, success or 4xx (a 409 for
//! short stock replays as that 409). What is not: 5xx answers, and requests refused before they
//! ran (bad key, malformed body, failed validation), which the client fixes with the same key.
//! Keys are kept for [`RETENTION`]; after that the key is free again.
//!
//! A service using it creates this table in its own migrations (both backends accept it):
//!
//! ```sql
//! CREATE TABLE idempotency_keys (
//!     user_id         TEXT NOT NULL,
//!     idempotency_key TEXT NOT NULL,
//!     request_hash    TEXT NOT NULL,
//!     response_status BIGINT NOT NULL,
//!     response_body   TEXT NOT NULL,
//!     created_at      TEXT NOT NULL,
//!     PRIMARY KEY (user_id, idempotency_key)
//! );
//! CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
//! ```

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use sqlx::{AnyConnection, AnyPool, Connection, Row};

use crate::{
    time::{now, to_db},
    AppError, Problem, Result,
};

/// How long an answer is kept for replays.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// The header marking a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";

/// Expired keys are deleted after every this many keyed requests (per process).
const PRUNE_EVERY: u64 = 256;

static KEYED_REQUESTS: AtomicU64 = AtomicU64::new(0);

/// A client's `Idempotency-Key`: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The key of a request, if it sent one; 400 when it is empty, too long or not visible ASCII.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let bytes = value.as_bytes();
        if bytes.is_empty()
            || bytes.len() > MAX_KEY_LEN
            || !bytes.iter().all(|b| (0x20..=0x7e).contains(b))
        {
            return Err(AppError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"
            )));
        }
        Ok(Some(Self(String::from_utf8_lossy(bytes).into_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One keyed request: whose key, which key, and a fingerprint of what was asked.
pub struct Keyed<'a> {
    user: &'a str,
    key: &'a IdempotencyKey,
    fingerprint: String,
}

impl<'a> Keyed<'a> {
    /// `digest` is the caller's hash (SHA-256, say) of the route and the canonical request,
    /// so the same key sent to another route, or with another body, is told apart.
    pub fn new(user: &'a str, key: &'a IdempotencyKey, digest: &[u8]) -> Self {
        Self {
            user,
            key,
            fingerprint: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// A kept answer.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status: StatusCode,
    pub body: String,
}

impl Stored {
    /// The first answer again, marked as replayed. A kept 4xx becomes its problem again, so
    /// the problem carries this request's id and path.
    pub fn replay(self) -> Response {
        if !self.status.is_success() {
            if let Ok(problem) = serde_json::from_str::<Problem>(&self.body) {
                let mut response = problem.into_response();
                response
                    .headers_mut()
                    .insert(REPLAYED, HeaderValue::from_static("true"));
                return response;
            }
        }
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
        response
    }
}

/// What [`once`] did.
pub enum Outcome<T> {
    /// The change was made now; this is its result.
    Fresh(T),
    /// The key was used before with the same request: its first answer.
    Replayed(Stored),
}

/// The 422 for a key reused with a different request.
pub fn mismatch() -> AppError {
    AppError::validation(
        "Idempotency-Key",
        "this key was already used for a different request; send a new key",
    )
}

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
    let at = now();
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
         VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT (user_id, idempotency_key) DO NOTHING",
    )
    .bind(keyed.user)
    .bind(keyed.key.as_str())
    .bind(&keyed.fingerprint)
    .bind(to_db(at))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys
         WHERE user_id = $1 AND idempotency_key = $2",
    )
    .bind(keyed.user)
    .bind(keyed.key.as_str())
    .fetch_one(&mut *conn)
    .await?;
    let created_at = crate::time::from_db(row.try_get("created_at")?)?;
    let expired = at - created_at > chrono::Duration::from_std(RETENTION).unwrap_or_default();
    if expired {
        sqlx::query(
            "UPDATE idempotency_keys SET request_hash = $3, response_status = 0, response_body = '', created_at = $4
             WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(keyed.user)
        .bind(keyed.key.as_str())
        .bind(&keyed.fingerprint)
        .bind(to_db(at))
        .execute(&mut *conn)
        .await?;
        return Ok(None);
    }
    if row.try_get::<String, _>("request_hash")? != keyed.fingerprint {
        return Err(mismatch());
    }
    let status: i64 = row.try_get("response_status")?;
    // Claim and answer commit together, so a committed claim always has its answer.
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .filter(|s| s.as_u16() >= 200)
        .ok_or_else(|| AppError::internal(format!("idempotency key kept status {status}")))?;
    Ok(Some(Stored {
        status,
        body: row.try_get("response_body")?,
    }))
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
    .bind(keyed.user)
    .bind(keyed.key.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "idempotency-key",
            HeaderValue::from_bytes(value).expect("a header value"),
        );
        h
    }

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        assert_eq!(
            IdempotencyKey::from_headers(&HeaderMap::new()).ok(),
            Some(None)
        );
        assert!(IdempotencyKey::from_headers(&headers(b"retry-1")).is_ok_and(|k| k.is_some()));
        assert!(IdempotencyKey::from_headers(&headers(&[b'k'; 255])).is_ok());
        assert!(IdempotencyKey::from_headers(&headers(&[b'k'; 256])).is_err());
        assert!(IdempotencyKey::from_headers(&headers(b"")).is_err());
        assert!(IdempotencyKey::from_headers(&headers(b"caf\xc3\xa9")).is_err());
        assert!(IdempotencyKey::from_headers(&headers(b"tab\there")).is_err());
    }

    #[test]
    fn a_kept_problem_replays_as_a_problem() {
        let body = serde_json::to_string(
            &AppError::conflict("insufficient-stock", "Insufficient stock", "short").to_problem(),
        )
        .expect("a problem serialises");
        let response = Stored {
            status: StatusCode::CONFLICT,
            body,
        }
        .replay();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(response.extensions().get::<Problem>().is_some());
        assert_eq!(
            response.headers().get(REPLAYED).map(|v| v.as_bytes()),
            Some(&b"true"[..])
        );
    }
}

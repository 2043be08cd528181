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

/// Reads of a key's row before giving up on a key that keeps changing under us.
const CLAIM_ATTEMPTS: usize = 3;

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
    // The row may change between reading and writing it (a twin reclaiming an expired key, the
    // pruner deleting it): then it is read again, a bounded number of times.
    for _ in 0..CLAIM_ATTEMPTS {
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
        let Some(row) = sqlx::query(
            "SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys
             WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(keyed.user)
        .bind(keyed.key.as_str())
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
    .bind(keyed.user)
    .bind(keyed.key.as_str())
    .bind(&keyed.fingerprint)
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
    use crate::db::{Backend, Db, Migrations};

    /// A fresh database (SQLite, or PostgreSQL with `STOCKROOM_TEST_DATABASE_URL`) holding the
    /// table as the module documentation gives it.
    async fn database() -> Db {
        let dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(format!("migrations-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let doc = include_str!("idempotency.rs");
        let ddl: String = doc
            .lines()
            .filter_map(|l| l.strip_prefix("//! "))
            .skip_while(|l| !l.starts_with("CREATE TABLE"))
            .take_while(|l| !l.starts_with("```"))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(dir.join("0001_idempotency_keys.sql"), ddl).unwrap();
        let migrator: &'static sqlx::migrate::Migrator = Box::leak(Box::new(
            sqlx::migrate::Migrator::new(dir.clone()).await.unwrap(),
        ));
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (url, schema) = match std::env::var("STOCKROOM_TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => (url, format!("t_idem_{}", &id[..12])),
            _ => (
                format!("sqlite://{}/idem-{id}.db", dir.display()),
                "idem".into(),
            ),
        };
        let migrations = Migrations {
            postgres: migrator,
            sqlite: migrator,
        };
        Db::connect(&url, &schema, 2, &migrations).await.unwrap()
    }

    #[tokio::test]
    async fn of_two_retries_that_saw_a_key_expired_only_one_reclaims_it() {
        let db = database().await;
        let key = IdempotencyKey("retry-after-a-day".into());
        let keyed = Keyed::new("user-1", &key, b"the same request");
        let long_ago = to_db(now() - chrono::Duration::hours(25));
        sqlx::query(
            "INSERT INTO idempotency_keys VALUES ($1, $2, $3, 201, '{\"id\":\"old\"}', $4)",
        )
        .bind(keyed.user)
        .bind(key.as_str())
        .bind(&keyed.fingerprint)
        .bind(&long_ago)
        .execute(&db.pool)
        .await
        .unwrap();

        // Both retries read the key as expired (`long_ago`); the first takes it over.
        let mut first = db.pool.begin().await.unwrap();
        assert!(reclaim(&mut first, &keyed, &long_ago, now()).await.unwrap());
        let second = if db.backend == Backend::Postgres {
            // Concurrently: the second's UPDATE waits for the first's row lock.
            let pool = db.pool.clone();
            let (user, stale) = (keyed.user.to_string(), long_ago.clone());
            let key = key.clone();
            Some(tokio::spawn(async move {
                let keyed = Keyed::new(&user, &key, b"the same request");
                let mut second = pool.begin().await.unwrap();
                let took = reclaim(&mut second, &keyed, &stale, now()).await.unwrap();
                let replayed = claim(&mut second, &keyed).await.unwrap();
                (took, replayed)
            }))
        } else {
            None
        };
        record(&mut first, &keyed, StatusCode::CREATED, "{\"id\":\"new\"}")
            .await
            .unwrap();
        first.commit().await.unwrap();

        let (took, replayed) = match second {
            Some(second) => second.await.unwrap(),
            None => {
                let mut second = db.pool.begin().await.unwrap();
                let took = reclaim(&mut second, &keyed, &long_ago, now())
                    .await
                    .unwrap();
                (took, claim(&mut second, &keyed).await.unwrap())
            }
        };
        assert!(!took, "the second retry must not take the key over again");
        let replayed = replayed.expect("the second retry replays the first one's answer");
        assert_eq!(replayed.status, StatusCode::CREATED);
        assert_eq!(replayed.body, "{\"id\":\"new\"}");
        db.pool.close().await;
    }

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

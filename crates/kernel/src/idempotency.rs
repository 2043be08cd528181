//! `Idempotency-Key` on creating POSTs (API.md "Headers"): the same key from the same user
//! with the same request returns the first answer, status and body, and changes nothing; the
//! same key with a different request is 422; a 5xx outcome is not kept, so the client may retry.
//!
//! A service's store claims the key, makes the change and records the answer in ONE
//! transaction, so a crash keeps all three or none: a change is never applied without its key
//! being recorded. This module holds the rules; the stores hold the SQL for their backend.
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

use crate::{time::Timestamp, AppError, Problem, Result};

/// How long an answer is kept for replays.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// The header marking a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";

/// Reads of a key's row before giving up on a key that keeps changing under us.
pub const CLAIM_ATTEMPTS: usize = 3;

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

/// A key's row as a store reads it back.
#[derive(Debug, Clone)]
pub struct KeptKey {
    pub request_hash: String,
    pub response_status: i64,
    pub response_body: String,
    pub created_at: Timestamp,
}

/// What a store does with a key it could not insert because a row was there.
#[derive(Debug)]
pub enum Seen {
    /// Older than [`RETENTION`]: take it over (only if `created_at` is unchanged, so of two
    /// retries that both saw it expired exactly one runs the change).
    Expired,
    /// The same request was answered before: replay this.
    Answered(Stored),
}

impl Keyed<'_> {
    pub fn user(&self) -> &str {
        self.user
    }

    pub fn key(&self) -> &str {
        self.key.as_str()
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Judges a kept row: expired, the first answer to replay, or 422 for another request.
    pub fn judge(&self, kept: KeptKey, at: Timestamp) -> Result<Seen> {
        if at - kept.created_at > chrono::Duration::from_std(RETENTION).unwrap_or_default() {
            return Ok(Seen::Expired);
        }
        if kept.request_hash != self.fingerprint {
            return Err(mismatch());
        }
        // Claim and answer commit together, so a committed claim always has its answer.
        let status = u16::try_from(kept.response_status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .filter(|s| s.as_u16() >= 200)
            .ok_or_else(|| {
                AppError::internal(format!(
                    "idempotency key kept status {}",
                    kept.response_status
                ))
            })?;
        Ok(Seen::Answered(Stored {
            status,
            body: kept.response_body,
        }))
    }
}

/// The 409 when a key's row kept changing under us for [`CLAIM_ATTEMPTS`] reads.
pub fn busy() -> AppError {
    AppError::conflict(
        "idempotency-key-busy",
        "Idempotency-Key in use",
        "another request with this key is being processed; retry shortly with the same key",
    )
}

/// The answer to keep for a change's result: `None` for a 5xx, which is not kept so the
/// client may retry with the same key.
pub fn answer_of<T: Serialize>(
    result: &Result<T>,
    success: StatusCode,
) -> Result<Option<(StatusCode, String)>> {
    match result {
        Ok(value) => Ok(Some((
            success,
            serde_json::to_string(value).map_err(AppError::internal)?,
        ))),
        Err(e) => {
            let problem = e.to_problem();
            if problem.status >= 500 {
                return Ok(None);
            }
            Ok(Some((
                problem.status_code(),
                serde_json::to_string(&problem).map_err(AppError::internal)?,
            )))
        }
    }
}

/// Whether this keyed request should also delete expired keys (every [`PRUNE_EVERY`]th).
pub fn time_to_prune() -> bool {
    KEYED_REQUESTS.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1
}

/// Keys created before this are expired.
pub fn cutoff(at: Timestamp) -> Timestamp {
    at - chrono::Duration::from_std(RETENTION).unwrap_or_default()
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

    fn kept(hash: &str, age_hours: i64) -> (KeptKey, Timestamp) {
        let at = crate::time::now();
        let kept = KeptKey {
            request_hash: hash.into(),
            response_status: 201,
            response_body: "{}".into(),
            created_at: at - chrono::Duration::hours(age_hours),
        };
        (kept, at)
    }

    #[test]
    fn a_kept_key_replays_for_the_same_request_and_refuses_another() {
        let key = IdempotencyKey("k".into());
        let keyed = Keyed::new("u", &key, &[0xab]);
        let (row, at) = kept("ab", 1);
        assert!(
            matches!(keyed.judge(row, at), Ok(Seen::Answered(s)) if s.status == StatusCode::CREATED)
        );
        let (row, at) = kept("cd", 1);
        assert!(keyed.judge(row, at).is_err());
        let (row, at) = kept("cd", 25);
        assert!(
            matches!(keyed.judge(row, at), Ok(Seen::Expired)),
            "expired keys are free whatever they held"
        );
    }
}

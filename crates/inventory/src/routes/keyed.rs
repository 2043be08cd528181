//! Inventory's side of `Idempotency-Key` (the storage is [`kernel::idempotency`]): what a key
//! stands for — the caller, the route and the canonical request — and the answer an outcome
//! becomes.

use axum::{http::HeaderMap, response::Response};
use kernel::{
    auth::AuthUser,
    idempotency::{IdempotencyKey, Keyed, Outcome},
    AppError, Result,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A keyed request: `None` from the constructors when the client sent no key.
pub struct RequestKey {
    key: IdempotencyKey,
    user: String,
    digest: Vec<u8>,
}

impl RequestKey {
    /// For a JSON request: fingerprinted by its parsed form, so key order and whitespace in
    /// the body do not make a retry look like another request.
    pub fn json(
        headers: &HeaderMap,
        caller: &AuthUser,
        route: &str,
        request: &impl Serialize,
    ) -> Result<Option<Self>> {
        let canonical = serde_json::to_vec(request).map_err(AppError::internal)?;
        Self::bytes(headers, caller, route, &canonical)
    }

    /// For a request whose body is compared byte for byte (a CSV file).
    pub fn bytes(
        headers: &HeaderMap,
        caller: &AuthUser,
        route: &str,
        body: &[u8],
    ) -> Result<Option<Self>> {
        let Some(key) = IdempotencyKey::from_headers(headers)? else {
            return Ok(None);
        };
        let mut hasher = Sha256::new();
        hasher.update(route.as_bytes());
        hasher.update(b"\n");
        hasher.update(body);
        Ok(Some(Self {
            key,
            user: caller.claims.sub.clone(),
            digest: hasher.finalize().to_vec(),
        }))
    }

    pub fn keyed(&self) -> Keyed<'_> {
        Keyed::new(&self.user, &self.key, &self.digest)
    }
}

/// The answer: `fresh` builds it from a new result; a replay is the kept answer.
pub fn answer<T>(outcome: Outcome<T>, fresh: impl FnOnce(T) -> Response) -> Response {
    match outcome {
        Outcome::Fresh(value) => fresh(value),
        Outcome::Replayed(stored) => stored.replay(),
    }
}

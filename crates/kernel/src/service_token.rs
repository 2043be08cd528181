//! Service tokens for `/internal/` calls: a client-credentials grant from auth, cached until
//! shortly before it expires so a call costs no extra round trip.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::{config::Secret, AppError};

#[derive(Clone)]
pub struct ServiceTokens {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    secret: Secret,
    cached: Mutex<Option<(String, Instant)>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

impl ServiceTokens {
    pub fn new(http: reqwest::Client, auth_url: &str, client_id: &str, secret: Secret) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                token_url: format!("{}/api/auth/token", auth_url.trim_end_matches('/')),
                client_id: client_id.to_string(),
                secret,
                cached: Mutex::new(None),
            }),
        }
    }

    /// A valid service token, from the cache or freshly granted.
    pub async fn token(&self) -> Result<String, AppError> {
        let mut cached = self.inner.cached.lock().await;
        if let Some((token, renew_at)) = cached.as_ref() {
            if Instant::now() < *renew_at {
                return Ok(token.clone());
            }
        }
        let response = self
            .inner
            .http
            .post(&self.inner.token_url)
            .timeout(Duration::from_secs(2))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.inner.client_id.as_str()),
                ("client_secret", self.inner.secret.expose()),
            ])
            .send()
            .await
            .map_err(|e| AppError::Unavailable(format!("the auth service is unreachable: {e}")))?;
        if !response.status().is_success() {
            return Err(AppError::Unavailable(format!(
                "the auth service refused a service token ({})",
                response.status()
            )));
        }
        let body: TokenResponse = response.json().await.map_err(|e| {
            AppError::Unavailable(format!("the auth service sent a bad token response: {e}"))
        })?;
        // Renew at two thirds of the lifetime: never send a token about to expire.
        let renew_at = Instant::now() + Duration::from_secs(body.expires_in * 2 / 3);
        *cached = Some((body.access_token.clone(), renew_at));
        Ok(body.access_token)
    }

    /// Drops the cached token, e.g. after a 401 from a peer.
    pub async fn invalidate(&self) {
        *self.inner.cached.lock().await = None;
    }
}

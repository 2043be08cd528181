//! Service tokens for `/internal/` calls: a client-credentials grant from auth, cached until
//! shortly before it expires so a call costs no extra round trip.
//!
//! When auth cannot be reached to renew it, a token that has not expired yet is used on, so
//! auth being down does not stop orders. With [`ServiceTokens::from_config`] the token is
//! also kept on disk (mode 0600, in the data directory), so a service restarted while auth is
//! down still has one.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::{config::Secret, AppError};

/// After a failed renewal, the old token is used this long before auth is asked again, so a
/// dead auth costs one timeout per interval, not one per call.
const RENEW_RETRY: Duration = Duration::from_secs(5);
/// A token this close to expiry is not sent: it could expire on the way.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct ServiceTokens {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    secret: Secret,
    cache_file: Option<PathBuf>,
    cached: Mutex<Option<Cached>>,
}

/// A granted token; times are wall-clock seconds so the disk copy means the same after a
/// restart.
#[derive(Clone, Serialize, Deserialize)]
struct Cached {
    access_token: String,
    renew_at: u64,
    expires_at: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Cached {
    fn usable(&self) -> bool {
        now() + EXPIRY_MARGIN.as_secs() < self.expires_at
    }
}

impl ServiceTokens {
    /// Tokens for `client_id`, kept in memory only.
    pub fn new(http: reqwest::Client, auth_url: &str, client_id: &str, secret: Secret) -> Self {
        Self::build(http, auth_url, client_id, secret, None)
    }

    /// Tokens for `client_id` with this deployment's auth and secret, also kept on disk in the
    /// data directory so a restart while auth is down keeps calling peers.
    pub fn from_config(config: &crate::Config, http: reqwest::Client, client_id: &str) -> Self {
        let file = config
            .data_dir
            .join(format!("service-token-{client_id}.json"));
        Self::build(
            http,
            &config.auth_url,
            client_id,
            config.service_client_secret.clone(),
            Some(file),
        )
    }

    fn build(
        http: reqwest::Client,
        auth_url: &str,
        client_id: &str,
        secret: Secret,
        cache_file: Option<PathBuf>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                token_url: format!("{}/api/auth/token", auth_url.trim_end_matches('/')),
                client_id: client_id.to_string(),
                secret,
                cache_file,
                cached: Mutex::new(None),
            }),
        }
    }

    /// A valid service token: the cached one, a fresh grant, or (auth unreachable) the cached
    /// one until it expires.
    pub async fn token(&self) -> Result<String, AppError> {
        let mut cached = self.inner.cached.lock().await;
        if cached.is_none() {
            *cached = self.load().await;
        }
        if let Some(token) = cached.as_ref().filter(|c| now() < c.renew_at && c.usable()) {
            return Ok(token.access_token.clone());
        }
        match self.grant().await {
            Ok(fresh) => {
                self.save(&fresh).await;
                let token = fresh.access_token.clone();
                *cached = Some(fresh);
                Ok(token)
            }
            Err(e) => match cached.as_mut().filter(|c| c.usable()) {
                Some(old) => {
                    tracing::warn!(error = %e, "could not renew the service token: using the current one until it expires");
                    old.renew_at = now() + RENEW_RETRY.as_secs();
                    Ok(old.access_token.clone())
                }
                None => Err(e),
            },
        }
    }

    async fn grant(&self) -> Result<Cached, AppError> {
        let request = self
            .inner
            .http
            .post(&self.inner.token_url)
            .timeout(Duration::from_secs(2))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.inner.client_id.as_str()),
                ("client_secret", self.inner.secret.expose()),
            ]);
        let response = crate::context::apply(request)
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
        let issued = now();
        // Renew at two thirds of the lifetime: never send a token about to expire.
        Ok(Cached {
            access_token: body.access_token,
            renew_at: issued + body.expires_in * 2 / 3,
            expires_at: issued + body.expires_in,
        })
    }

    async fn load(&self) -> Option<Cached> {
        let bytes = tokio::fs::read(self.inner.cache_file.as_ref()?)
            .await
            .ok()?;
        serde_json::from_slice::<Cached>(&bytes)
            .ok()
            .filter(Cached::usable)
    }

    async fn save(&self, token: &Cached) {
        let (Some(path), Ok(bytes)) = (self.inner.cache_file.clone(), serde_json::to_vec(token))
        else {
            return;
        };
        let written =
            tokio::task::spawn_blocking(move || crate::files::write_private_atomic(&path, &bytes))
                .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!("could not keep the service token on disk");
        }
    }

    /// Drops the cached token, e.g. after a 401 from a peer.
    pub async fn invalidate(&self) {
        *self.inner.cached.lock().await = None;
        if let Some(path) = &self.inner.cache_file {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::{routing::post, Router};

    use super::*;

    /// A stand-in for auth's token endpoint; each grant is numbered. Its URL and a stopper.
    async fn token_endpoint(grants: Arc<AtomicUsize>) -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().route(
            "/api/auth/token",
            post(move || {
                let n = grants.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    axum::Json(
                        serde_json::json!({"access_token": format!("t{n}"), "expires_in": 3600}),
                    )
                }
            }),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (url, server)
    }

    fn tokens(auth_url: &str, data_dir: &std::path::Path) -> ServiceTokens {
        let mut config = crate::Config::from_env(crate::config::Mode::All).unwrap();
        config.auth_url = auth_url.to_string();
        config.data_dir = data_dir.to_path_buf();
        // A fresh client per instance: no pooled connection to the stopped endpoint survives.
        ServiceTokens::from_config(&config, reqwest::Client::new(), "orders")
    }

    #[tokio::test]
    async fn a_restart_while_auth_is_down_keeps_the_token_granted_before() {
        let data_dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let grants = Arc::new(AtomicUsize::new(0));
        let (url, server) = token_endpoint(grants.clone()).await;
        assert_eq!(tokens(&url, &data_dir).token().await.unwrap(), "t1");
        // A restart with auth up: the kept token is still fresh, auth is not asked again.
        assert_eq!(tokens(&url, &data_dir).token().await.unwrap(), "t1");
        assert_eq!(grants.load(Ordering::SeqCst), 1);

        server.abort();
        let _ = server.await;
        let restarted = tokens(&url, &data_dir);
        assert_eq!(restarted.token().await.unwrap(), "t1");

        // Past its renewal time with auth down, the unexpired token is used on.
        if let Some(cached) = restarted.inner.cached.lock().await.as_mut() {
            cached.renew_at = 0;
        }
        assert_eq!(restarted.token().await.unwrap(), "t1");

        // Refused by a peer: dropped everywhere, and with auth down there is none left.
        restarted.invalidate().await;
        assert!(tokens(&url, &data_dir).token().await.is_err());
        let _ = std::fs::remove_dir_all(data_dir);
    }
}

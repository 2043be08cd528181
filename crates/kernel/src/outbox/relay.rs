//! The relay: sends a service's recorded events to the events service in batches, oldest
//! first, and deletes them once it has answered 2xx. A crash between the answer and the delete
//! sends those events again, which the events service recognises by id.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use tokio::sync::{Mutex, Notify};

use super::Pending;
use crate::{db::Db, AppError};

/// Where a relay gets the service token `/internal/events` requires.
#[async_trait]
pub trait TokenSource: Send + Sync + 'static {
    async fn token(&self) -> Result<String, AppError>;
    /// The events service refused the token (401): drop it, so the next call gets a new one.
    async fn refused(&self) {}
}

#[async_trait]
impl TokenSource for crate::service_token::ServiceTokens {
    async fn token(&self) -> Result<String, AppError> {
        crate::service_token::ServiceTokens::token(self).await
    }
    async fn refused(&self) {
        self.invalidate().await;
    }
}

/// How a relay sends: `OUTBOX_*` in the README.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// The events service's base URL (`EVENTS_URL`).
    pub events_url: String,
    /// Events per call, at most.
    pub batch: i64,
    /// How often the outbox is looked at when nothing woke the relay.
    pub poll: Duration,
    /// First wait after a failed call; it doubles per failure up to `retry_max`, jittered.
    pub retry_base: Duration,
    pub retry_max: Duration,
}

impl RelayConfig {
    /// The relay settings of this deployment.
    pub fn from_common(common: &crate::Config) -> Self {
        Self {
            events_url: common.events_url.trim_end_matches('/').to_string(),
            batch: common
                .outbox
                .batch
                .clamp(1, contracts::events::MAX_BATCH as i64),
            poll: common.outbox.poll,
            retry_base: common.outbox.retry_base,
            retry_max: common.outbox.retry_max,
        }
    }
}

/// A running relay; cheap to clone. It stops when the last clone is dropped.
#[derive(Clone)]
pub struct Relay {
    inner: Arc<Inner>,
}

struct Inner {
    service: &'static str,
    db: Db,
    http: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
    config: RelayConfig,
    wake: Arc<Notify>,
    /// One batch in flight per relay: the timer and a test driving it never send side by side.
    sending: Mutex<()>,
}

impl Relay {
    /// Starts relaying `service`'s outbox in `db` in the background.
    pub fn start(
        service: &'static str,
        db: Db,
        http: reqwest::Client,
        tokens: Arc<dyn TokenSource>,
        config: RelayConfig,
    ) -> Self {
        let relay = Self {
            inner: Arc::new(Inner {
                service,
                db,
                http,
                tokens,
                config,
                wake: Arc::new(Notify::new()),
                sending: Mutex::new(()),
            }),
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(run(Arc::downgrade(&relay.inner), relay.inner.wake.clone()));
        }
        relay
    }

    /// Something was just recorded: look now instead of at the next poll.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Sends everything waiting now; how many events were delivered. Tests drive the relay
    /// with it instead of waiting for the timer.
    pub async fn drain(&self) -> Result<usize, AppError> {
        let mut total = 0;
        loop {
            let sent = self.send_batch().await?;
            total += sent;
            if (sent as i64) < self.inner.config.batch {
                return Ok(total);
            }
        }
    }

    /// Events recorded and not yet delivered.
    pub async fn pending(&self) -> Result<i64, AppError> {
        Ok(match &self.inner.db {
            Db::Postgres(pool) => super::postgres::count(pool).await?,
            Db::Sqlite(pool) => super::sqlite::count(pool).await?,
        })
    }

    /// Sends the oldest batch; how many it held.
    async fn send_batch(&self) -> Result<usize, AppError> {
        let _one = self.inner.sending.lock().await;
        let limit = self.inner.config.batch;
        let batch = match &self.inner.db {
            Db::Postgres(pool) => super::postgres::pending(pool, limit).await?,
            Db::Sqlite(pool) => super::sqlite::pending(pool, limit).await?,
        };
        if batch.is_empty() {
            return Ok(0);
        }
        self.post(&batch).await?;
        let seqs: Vec<i64> = batch.iter().map(|p| p.seq).collect();
        match &self.inner.db {
            Db::Postgres(pool) => super::postgres::delete(pool, &seqs).await?,
            Db::Sqlite(pool) => super::sqlite::delete(pool, &seqs).await?,
        }
        metrics::counter!("outbox_relayed_total", "service" => self.inner.service)
            .increment(batch.len() as u64);
        Ok(batch.len())
    }

    async fn post(&self, batch: &[Pending]) -> Result<(), AppError> {
        let events = batch
            .iter()
            .map(|p| {
                let mut event: serde_json::Value = serde_json::from_str(&p.event)
                    .map_err(|e| AppError::internal(format!("outbox row {}: {e}", p.seq)))?;
                if let Some(fields) = event.as_object_mut() {
                    fields.insert(
                        "origin".into(),
                        serde_json::to_value(&p.origin).map_err(AppError::internal)?,
                    );
                }
                Ok(event)
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let first = &batch[0].origin;
        let token = self.inner.tokens.token().await?;
        let mut request = self
            .inner
            .http
            .post(format!("{}/internal/events", self.inner.config.events_url))
            .bearer_auth(token)
            // The trace of the request that recorded the first event: the relay's call is a
            // later hop of it.
            .header(
                "traceparent",
                crate::context::next_hop(first.traceparent.as_deref()),
            )
            .json(&serde_json::json!({ "events": events }));
        if let Some(id) = &first.request_id {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.map_err(|e| {
            AppError::Unavailable(format!("the events service is unreachable: {e}"))
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::UNAUTHORIZED {
            self.inner.tokens.refused().await;
        }
        let detail = response.text().await.unwrap_or_default();
        Err(AppError::Unavailable(format!(
            "the events service refused {} events ({status}): {}",
            batch.len(),
            detail.chars().take(300).collect::<String>()
        )))
    }
}

/// The relay's loop: a batch, then the next at once if it was full, at the next poll or wake
/// if not, and after a growing, jittered wait if it failed (wakes do not cut that short, so a
/// down events service is not called once per request).
async fn run(inner: std::sync::Weak<Inner>, wake: Arc<Notify>) {
    let mut failures: u32 = 0;
    loop {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let relay = Relay { inner };
        let config = relay.inner.config.clone();
        let wait = match relay.send_batch().await {
            Ok(n) => {
                if failures > 0 {
                    tracing::info!(
                        service = relay.inner.service,
                        "outbox relay delivering again"
                    );
                }
                failures = 0;
                ((n as i64) < config.batch).then_some(config.poll)
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                metrics::counter!("outbox_relay_failures_total", "service" => relay.inner.service)
                    .increment(1);
                if failures == 1 || failures.is_power_of_two() {
                    tracing::warn!(service = relay.inner.service, error = %e, failures, "outbox relay could not deliver; retrying");
                }
                tokio::time::sleep(backoff(&config, failures)).await;
                None
            }
        };
        // Not held while waiting: dropping the last relay ends this loop.
        drop(relay);
        if let Some(wait) = wait {
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// `retry_base · 2^(failures-1)`, at most `retry_max`, of which a random half is waited on
/// top of the other half: relays of many replicas do not retry in step.
fn backoff(config: &RelayConfig, failures: u32) -> Duration {
    let exp = config
        .retry_base
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20))
        .min(config.retry_max);
    let half = exp / 2;
    half + half.mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_per_failure_up_to_the_cap_with_jitter() {
        let config = RelayConfig {
            events_url: String::new(),
            batch: 10,
            poll: Duration::from_secs(1),
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_secs(2),
        };
        for (failures, full) in [(1, 100), (2, 200), (3, 400), (10, 2000), (40, 2000)] {
            let wait = backoff(&config, failures).as_millis() as u64;
            assert!(
                (full / 2..=full).contains(&wait),
                "failure {failures}: {wait} ms"
            );
        }
    }
}

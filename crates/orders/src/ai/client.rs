//! The AI client every feature uses: retries with exponential backoff and full jitter on
//! retryable failures only, a circuit breaker, and the counters `/api/ai/status` shows.

use std::{
    future::Future,
    sync::Mutex,
    time::{Duration, Instant},
};

use kernel::{
    breaker::{BreakerState, CircuitBreaker},
    time::Timestamp,
};
use rand::Rng;

use crate::config::AiConfig;
use tokio::sync::Notify;

use super::provider::{CallError, Message, Provider, Reply, Tools};

#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error("AI is not configured (set OPENROUTER_API_KEY)")]
    Disabled,
    #[error("AI is paused after repeated provider failures; retry in {retry_after_secs} s")]
    Open { retry_after_secs: u64 },
    #[error("{0}")]
    Failed(String),
    /// The whole answer did not come within its time budget.
    #[error("the AI provider did not answer in time")]
    TimedOut,
    /// The provider or model does not take tools (the caller falls back to a snapshot).
    #[error("{0}")]
    ToolsUnsupported(String),
}

#[derive(Default, Debug, Clone)]
pub struct Counters {
    pub succeeded: u64,
    pub failed: u64,
    pub last_error: Option<String>,
    pub last_success_at: Option<Timestamp>,
}

/// The breaker's probe, until its outcome is known. A probe whose caller goes away mid-call
/// (a client hanging up, a gateway timeout, a shutdown) would otherwise never report, and the
/// breaker would let no other call through, ever: dropped armed, it counts as a failure, so
/// the breaker opens for one cooldown and then probes again.
struct AbandonedProbe<'a> {
    breaker: &'a CircuitBreaker,
    armed: bool,
}

impl AbandonedProbe<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for AbandonedProbe<'_> {
    fn drop(&mut self) {
        if self.armed {
            tracing::info!("the AI breaker's probe was abandoned: it counts as failed");
            self.breaker.on_failure();
        }
    }
}

/// Less time than this left is no time for another call.
const MIN_CALL: Duration = Duration::from_millis(20);

pub struct Ai {
    provider: Option<Provider>,
    breaker: CircuitBreaker,
    max_attempts: u32,
    retry_base: Duration,
    counters: Mutex<Counters>,
    /// Woken when a job is queued, so idle workers start at once.
    pub jobs_waiting: Notify,
}

impl Ai {
    pub fn new(config: &AiConfig) -> Self {
        let provider = config.api_key.clone().map(|key| Provider::new(config, key));
        match &provider {
            Some(p) => tracing::info!(model = %p.model, provider = %p.host, "AI enabled"),
            None => tracing::info!(
                "AI disabled: OPENROUTER_API_KEY is not set; every AI field says `disabled`"
            ),
        }
        Self {
            provider,
            breaker: CircuitBreaker::new(config.breaker_threshold, config.breaker_cooldown),
            max_attempts: config.max_attempts.max(1),
            retry_base: config.retry_base,
            counters: Mutex::new(Counters::default()),
            jobs_waiting: Notify::new(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.provider.is_some()
    }

    pub fn model(&self) -> Option<&str> {
        self.provider.as_ref().map(|p| p.model.as_str())
    }

    pub fn provider_host(&self) -> Option<&str> {
        self.provider.as_ref().map(|p| p.host.as_str())
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// `Some(seconds)` while the breaker refuses calls.
    pub fn open_for(&self) -> Option<u64> {
        (self.breaker.state() == BreakerState::Open).then(|| self.breaker.retry_after_secs())
    }

    /// How long until the breaker lets a probe through, while it is open.
    pub fn open_remaining(&self) -> Option<Duration> {
        self.breaker.open_remaining()
    }

    pub fn counters(&self) -> Counters {
        self.counters.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// One completion, retried on retryable failures within `attempts`.
    pub async fn complete(
        &self,
        messages: &[Message],
        max_tokens: u32,
        attempts: u32,
    ) -> Result<(String, String), AiError> {
        let provider = self.provider.as_ref().ok_or(AiError::Disabled)?;
        let text = self
            .attempts(attempts, None, |_| {
                provider.chat(messages, max_tokens, None)
            })
            .await?;
        Ok((text, provider.model.clone()))
    }

    /// Like [`Ai::complete`], all of it before `deadline`.
    pub async fn complete_by(
        &self,
        messages: &[Message],
        max_tokens: u32,
        attempts: u32,
        deadline: Instant,
    ) -> Result<(String, String), AiError> {
        let provider = self.provider.as_ref().ok_or(AiError::Disabled)?;
        let text = self
            .attempts(attempts, Some(deadline), |budget| {
                provider.chat(messages, max_tokens, budget)
            })
            .await?;
        Ok((text, provider.model.clone()))
    }

    /// One round of a conversation with tools, retried on retryable failures within
    /// `attempts`, and all of it (pauses between tries included) before `deadline`.
    pub async fn converse(
        &self,
        messages: &[Message],
        tools: &Tools<'_>,
        max_tokens: u32,
        attempts: u32,
        deadline: Instant,
    ) -> Result<(Reply, String), AiError> {
        let provider = self.provider.as_ref().ok_or(AiError::Disabled)?;
        let reply = self
            .attempts(attempts, Some(deadline), |budget| {
                provider.call(messages, Some(tools), max_tokens, budget)
            })
            .await?;
        Ok((reply, provider.model.clone()))
    }

    /// Runs `call` through the breaker, retrying retryable failures, counting outcomes.
    /// With a deadline, each try gets only the time left, so the whole never outlasts it.
    async fn attempts<T, F, Fut>(
        &self,
        attempts: u32,
        deadline: Option<Instant>,
        mut call: F,
    ) -> Result<T, AiError>
    where
        F: FnMut(Option<Duration>) -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let attempts = attempts.clamp(1, self.max_attempts);
        let time_left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        for attempt in 1..=attempts {
            if time_left().is_some_and(|left| left < MIN_CALL) {
                return Err(self.timed_out());
            }
            let probe = self.breaker.state() != BreakerState::Closed;
            if !self.breaker.allow() {
                return Err(AiError::Open {
                    retry_after_secs: self.breaker.retry_after_secs(),
                });
            }
            let started = Instant::now();
            let abandoned = AbandonedProbe {
                breaker: &self.breaker,
                armed: probe,
            };
            let result = call(time_left()).await;
            abandoned.disarm();
            metrics::histogram!("ai_call_duration_seconds").record(started.elapsed().as_secs_f64());
            match result {
                Ok(value) => {
                    self.breaker.on_success();
                    metrics::counter!("ai_calls_total", "outcome" => "success").increment(1);
                    self.record(|c| {
                        c.succeeded += 1;
                        c.last_success_at = Some(chrono::Utc::now());
                    });
                    return Ok(value);
                }
                // A clear answer from a working provider: not a failure, just no tools.
                Err(CallError::ToolsUnsupported(reason)) => {
                    self.breaker.on_success();
                    metrics::counter!("ai_calls_total", "outcome" => "no_tools").increment(1);
                    return Err(AiError::ToolsUnsupported(reason));
                }
                // The provider works; it refused this one request, which is no reason to
                // pause the AI for everyone, nor to try it again.
                Err(CallError::Rejected(reason)) => {
                    self.breaker.on_success();
                    metrics::counter!("ai_calls_total", "outcome" => "rejected").increment(1);
                    tracing::warn!(attempt, error = %reason, "AI call refused");
                    self.record(|c| {
                        c.failed += 1;
                        c.last_error = Some(reason.clone());
                    });
                    return Err(AiError::Failed(reason));
                }
                Err(e) => {
                    self.breaker.on_failure();
                    let outcome = if matches!(e, CallError::Fatal(_)) {
                        "fatal"
                    } else {
                        "retryable"
                    };
                    metrics::counter!("ai_calls_total", "outcome" => outcome).increment(1);
                    tracing::warn!(attempt, error = %e, "AI call failed");
                    if time_left().is_some_and(|left| left < MIN_CALL) {
                        return Err(self.timed_out());
                    }
                    let last = attempt == attempts;
                    match e {
                        CallError::Retryable { retry_after, .. } if !last => {
                            let pause = retry_after.unwrap_or_else(|| self.backoff(attempt));
                            if time_left().is_some_and(|left| left <= pause + MIN_CALL) {
                                return Err(self.timed_out());
                            }
                            tokio::time::sleep(pause).await;
                        }
                        e => {
                            let reason = e.to_string();
                            self.record(|c| {
                                c.failed += 1;
                                c.last_error = Some(reason.clone());
                            });
                            return Err(AiError::Failed(reason));
                        }
                    }
                }
            }
        }
        Err(AiError::Failed("no attempt was made".into()))
    }

    fn timed_out(&self) -> AiError {
        let e = AiError::TimedOut;
        let reason = e.to_string();
        self.record(|c| {
            c.failed += 1;
            c.last_error = Some(reason);
        });
        e
    }

    /// Full jitter: a random pause up to base × 2^(attempt-1), capped at 30 s.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .retry_base
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(Duration::from_secs(30));
        let millis = ceiling.as_millis().max(1) as u64;
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }

    fn record(&self, f: impl FnOnce(&mut Counters)) {
        if let Ok(mut c) = self.counters.lock() {
            f(&mut c);
        }
    }
}

//! The AI worker pool: bounded concurrency (`AI_WORKERS`), oldest job first, waits while the
//! breaker is open instead of burning retries, and never holds a database connection while
//! the provider thinks.

use std::{sync::Arc, time::Duration};

use kernel::config::AiSettings;
use tokio_util::sync::CancellationToken;

use super::{client::AiError, prompts, Ai};
use crate::store::{Job, Store};

/// A job claimed this many times (its workers kept dying) is given up.
const MAX_CLAIMS: i64 = 5;
const IDLE_POLL: Duration = Duration::from_secs(1);

pub fn spawn(ai: Arc<Ai>, store: Store, settings: &AiSettings, shutdown: CancellationToken) {
    if !ai.enabled() {
        return;
    }
    for _ in 0..settings.workers.max(1) {
        let (ai, store, shutdown, lease) = (
            ai.clone(),
            store.clone(),
            shutdown.clone(),
            settings.job_lease,
        );
        tokio::spawn(async move { work(ai, store, lease, shutdown).await });
    }
    let (queue_max, ai_for_shed) = (settings.queue_max, ai.clone());
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            match store.shed_jobs(queue_max).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(
                    dropped = n,
                    "AI backlog over AI_QUEUE_MAX: oldest jobs dropped"
                ),
                Err(e) => tracing::warn!(error = %e, "could not trim the AI queue"),
            }
            if let Ok(counts) = store.job_counts().await {
                metrics::gauge!("ai_queue_depth")
                    .set((counts["queued"] + counts["running"]) as f64);
            }
            metrics::gauge!("ai_breaker_open")
                .set(f64::from(u8::from(ai_for_shed.open_for().is_some())));
        }
    });
}

async fn work(ai: Arc<Ai>, store: Store, lease: Duration, shutdown: CancellationToken) {
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        if let Some(wait) = ai.open_remaining() {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait.max(Duration::from_millis(10))) => continue,
            }
        }
        match store.claim_job(lease).await {
            Ok(Some(job)) => process(&ai, &store, job).await,
            Ok(None) => {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = ai.jobs_waiting.notified() => {}
                    // Other replicas queue jobs too; they cannot wake us.
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not claim an AI job");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
        }
    }
}

#[tracing::instrument(skip_all, fields(order_id = %job.order_id))]
async fn process(ai: &Ai, store: &Store, job: Job) {
    let result = summarise(ai, store, &job).await;
    let written = match result {
        Ok((summary, message, model)) => {
            store
                .finish_summary(
                    &job,
                    "ready",
                    Some(&summary),
                    message.as_deref(),
                    Some(&model),
                    None,
                )
                .await
        }
        Err(AiError::Open { .. }) => {
            let wait = ai.open_remaining().unwrap_or(Duration::from_secs(1));
            store.requeue(&job, wait).await.map(|_| true)
        }
        Err(e) => {
            store
                .finish_summary(&job, "failed", None, None, None, Some(&e.to_string()))
                .await
        }
    };
    match written {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("AI job was taken over after its lease ran out; result discarded")
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not record an AI result; the job will be retried")
        }
    }
}

async fn summarise(
    ai: &Ai,
    store: &Store,
    job: &Job,
) -> Result<(String, Option<String>, String), AiError> {
    let order = match store.get_order(job.order_id).await {
        Ok(Some(order)) => order,
        Ok(None) => return Err(AiError::Failed("the order no longer exists".into())),
        Err(e) => return Err(AiError::Failed(format!("could not read the order: {e}"))),
    };
    if store.job_claims(&job.id).await.unwrap_or(0) > MAX_CLAIMS {
        return Err(AiError::Failed(
            "given up after repeated interruptions".into(),
        ));
    }
    let (answer, model) = ai
        .complete(&prompts::order_summary(&order), 400, u32::MAX)
        .await?;
    let (summary, message) = prompts::parse_summary(&answer);
    Ok((summary, message, model))
}

//! The AI worker pool: bounded concurrency (`AI_WORKERS`), oldest job first, waits while the
//! breaker is open instead of burning retries, and never holds a database connection while
//! the provider thinks.

use std::{sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use super::{client::AiError, prompts, Ai};
use crate::config::AiConfig;
use crate::store::{self, Job, JobResult, OrdersStore};

/// A job claimed this many times (its workers kept dying) is given up.
const MAX_CLAIMS: i64 = 5;
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Jobs one worker claims and works on together.
const BATCH: i64 = 8;

/// Starts `AI_WORKERS` workers and the queue trimmer. With no workers this process only
/// queues jobs: another replica does them, or a test drives the queue with [`drain`].
pub fn spawn(
    ai: Arc<Ai>,
    store: Arc<dyn OrdersStore>,
    config: &AiConfig,
    shutdown: CancellationToken,
) {
    if !ai.enabled() {
        return;
    }
    for _ in 0..config.workers {
        let (ai, store, shutdown, lease) = (
            ai.clone(),
            store.clone(),
            shutdown.clone(),
            config.job_lease,
        );
        tokio::spawn(async move { work(ai, store, lease, shutdown).await });
    }
    let (queue_max, ai_for_shed) = (config.queue_max, ai.clone());
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
                metrics::gauge!("ai_queue_depth").set(counts.waiting() as f64);
            }
            metrics::gauge!("ai_breaker_open")
                .set(f64::from(u8::from(ai_for_shed.open_for().is_some())));
        }
    });
}

/// Claims and does runnable jobs, batch after batch, until none is left to claim (a job put
/// back to wait for the breaker is not runnable yet). Returns how many were finished.
pub async fn drain(ai: &Ai, store: &dyn OrdersStore, lease: Duration) -> kernel::Result<usize> {
    let mut finished = 0;
    // Bounded: a batch whose results cannot be written comes back when its lease runs out,
    // not in this loop.
    for _ in 0..1000 {
        let jobs = claim(store, lease).await?;
        if jobs.is_empty() {
            break;
        }
        finished += process(ai, store, jobs).await;
    }
    Ok(finished)
}

async fn claim(store: &dyn OrdersStore, lease: Duration) -> kernel::Result<Vec<Job>> {
    let at = store::now();
    let until = at + chrono::Duration::from_std(lease).map_err(kernel::AppError::internal)?;
    store.claim_jobs(at, until, BATCH).await
}

async fn work(
    ai: Arc<Ai>,
    store: Arc<dyn OrdersStore>,
    lease: Duration,
    shutdown: CancellationToken,
) {
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
        match claim(store.as_ref(), lease).await {
            Ok(jobs) if !jobs.is_empty() => {
                process(&ai, store.as_ref(), jobs).await;
            }
            Ok(_) => {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = ai.jobs_waiting.notified() => {}
                    // Other replicas queue jobs too; they cannot wake us.
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not claim AI jobs");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                }
            }
        }
    }
}

/// Summarises a batch: the orders are read in one go, the provider is asked for each in
/// parallel, and the results are written in one transaction, so AI work costs the database
/// a few statements per batch rather than per order.
async fn process(ai: &Ai, store: &dyn OrdersStore, jobs: Vec<Job>) -> usize {
    let ids: Vec<_> = jobs.iter().map(|j| j.order_id).collect();
    let orders = match store.orders_by_ids(&ids).await {
        Ok(orders) => orders,
        // The leases run out and the jobs are claimed again.
        Err(e) => {
            tracing::warn!(error = %e, "could not read the orders of AI jobs");
            return 0;
        }
    };
    let outcomes = futures::future::join_all(jobs.iter().map(|job| {
        let order = orders.iter().find(|o| o.id == job.order_id);
        async move {
            match order {
                None => Err(AiError::Failed("the order no longer exists".into())),
                Some(_) if job.claims > MAX_CLAIMS => Err(AiError::Failed(
                    "given up after repeated interruptions".into(),
                )),
                Some(order) => {
                    ai.complete(&prompts::order_summary(order), 400, u32::MAX)
                        .await
                }
            }
        }
    }))
    .await;
    let mut finished = Vec::with_capacity(jobs.len());
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        match outcome {
            Ok((answer, model)) => {
                let (text, customer_message) = prompts::parse_summary(&answer);
                finished.push((
                    job,
                    JobResult::Ready {
                        text,
                        customer_message,
                        model,
                    },
                ));
            }
            Err(AiError::Open { .. }) => {
                let wait = ai.open_remaining().unwrap_or(Duration::from_secs(1));
                let run_after = store::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                if let Err(e) = store.requeue(&job, run_after).await {
                    tracing::warn!(error = %e, "could not put an AI job back; its lease will expire");
                }
            }
            Err(e) => finished.push((job, JobResult::Failed(e.to_string()))),
        }
    }
    match store.finish_jobs(&finished).await {
        Ok(n) => {
            if n < finished.len() {
                tracing::warn!(
                    discarded = finished.len() - n,
                    "AI jobs taken over after their lease ran out"
                );
            }
            n
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not record AI results; the jobs will be retried");
            0
        }
    }
}

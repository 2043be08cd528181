//! AI jobs: claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on
//! SQLite), completed only by the worker still holding the lease, so no job is done twice.

use std::collections::{BTreeMap, HashMap};

use kernel::{
    legacy::db::Backend,
    time::{now, now_db, to_db},
    AppError, Result,
};
use sqlx::Row;
use uuid::Uuid;

use super::Store;

/// Queues a summary job for an order, inside the caller's transaction.
pub(super) async fn queue_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ai_jobs (id, order_id, kind, status, attempts, run_after, created_at, updated_at)
         VALUES ($1, $2, 'order_summary', 'queued', 0, $3, $3, $3)",
    )
    .bind(Uuid::now_v7().to_string())
    .bind(order_id)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A claimed job. `lease` fences the completion: a worker whose lease expired and was
/// taken over cannot write.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub order_id: Uuid,
    pub lease: String,
    /// How many times the job has been claimed, this time included.
    pub claims: i64,
}

/// How a job ended, to be written with [`Store::finish_jobs`].
pub enum JobResult {
    Ready {
        text: String,
        customer_message: Option<String>,
        model: String,
    },
    Failed(String),
}

impl Store {
    /// Claims up to `max` runnable jobs, oldest first: queued ones, and running ones whose
    /// lease ran out (their worker died). One statement, so one round trip for a batch.
    pub async fn claim_jobs(&self, lease: std::time::Duration, max: i64) -> Result<Vec<Job>> {
        let at = now();
        let until = to_db(at + chrono::Duration::from_std(lease).map_err(AppError::internal)?);
        let lock = match self.db.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "UPDATE ai_jobs SET status = 'running', lease_until = $2, attempts = attempts + 1, updated_at = $1
             WHERE id IN (SELECT id FROM ai_jobs
                          WHERE (status = 'queued' AND run_after <= $1) OR (status = 'running' AND lease_until < $1)
                          ORDER BY created_at LIMIT $3 {lock})
             RETURNING id, order_id, attempts"
        ))
        .bind(to_db(at))
        .bind(&until)
        .bind(max.max(1))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Job {
                    id: r.try_get("id")?,
                    order_id: Uuid::parse_str(r.try_get::<&str, _>("order_id")?)
                        .map_err(AppError::internal)?,
                    lease: until.clone(),
                    claims: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Writes the summaries of finished jobs and closes them, in one transaction. A job whose
    /// lease was taken over is skipped. Returns how many were written.
    pub async fn finish_jobs(&self, results: &[(Job, JobResult)]) -> Result<usize> {
        if results.is_empty() {
            return Ok(0);
        }
        let at = now_db();
        let mut written = 0;
        let mut tx = self.db.pool.begin().await?;
        for (job, result) in results {
            let (job_status, error) = match result {
                JobResult::Ready { .. } => ("done", None),
                JobResult::Failed(e) => ("failed", Some(e.as_str())),
            };
            let held = sqlx::query(
                "UPDATE ai_jobs SET status = $3, last_error = $4, lease_until = NULL, updated_at = $5
                 WHERE id = $1 AND status = 'running' AND lease_until = $2",
            )
            .bind(&job.id)
            .bind(&job.lease)
            .bind(job_status)
            .bind(error)
            .bind(&at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !held {
                continue;
            }
            let (status, text, message, model) = match result {
                JobResult::Ready {
                    text,
                    customer_message,
                    model,
                } => (
                    "ready",
                    Some(text.as_str()),
                    customer_message.as_deref(),
                    Some(model.as_str()),
                ),
                JobResult::Failed(_) => ("failed", None, None, None),
            };
            sqlx::query(
                "UPDATE ai_summaries SET status = $2, text = $3, customer_message = $4, model = $5, generated_at = $6
                 WHERE order_id = $1",
            )
            .bind(job.order_id.to_string())
            .bind(status)
            .bind(text)
            .bind(message)
            .bind(model)
            .bind(text.map(|_| at.clone()))
            .execute(&mut *tx)
            .await?;
            written += 1;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Puts a job back to wait (the breaker is open): it is not counted as an attempt.
    pub async fn requeue(&self, job: &Job, after: std::time::Duration) -> Result<()> {
        let run_after =
            to_db(now() + chrono::Duration::from_std(after).map_err(AppError::internal)?);
        sqlx::query(
            "UPDATE ai_jobs SET status = 'queued', run_after = $3, attempts = attempts - 1, lease_until = NULL
             WHERE id = $1 AND status = 'running' AND lease_until = $2",
        )
        .bind(&job.id)
        .bind(&job.lease)
        .bind(run_after)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// A fresh summary for an order (staff asked for one). No-op while one is under way.
    pub async fn queue_summary(&self, order_id: Uuid) -> Result<()> {
        let oid = order_id.to_string();
        let at = now_db();
        let mut tx = self.db.pool.begin().await?;
        let busy = sqlx::query(
            "SELECT 1 AS one FROM ai_jobs WHERE order_id = $1 AND status IN ('queued', 'running')",
        )
        .bind(&oid)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !busy {
            queue_job(&mut tx, &oid, &at).await?;
            let updated =
                sqlx::query("UPDATE ai_summaries SET status = 'pending' WHERE order_id = $1")
                    .bind(&oid)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if updated == 0 {
                sqlx::query("INSERT INTO ai_summaries (order_id, status) VALUES ($1, 'pending')")
                    .bind(&oid)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Jobs by status.
    pub async fn job_counts(&self) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM ai_jobs GROUP BY status",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut counts: BTreeMap<String, i64> = ["queued", "running", "done", "failed"]
            .iter()
            .map(|s| (s.to_string(), 0))
            .collect();
        for r in rows {
            counts.insert(r.try_get("status")?, r.try_get("n")?);
        }
        Ok(counts)
    }

    /// Keeps at most `max` jobs queued: the oldest beyond that are dropped and their
    /// summaries marked failed, so an outage cannot grow the queue without bound.
    pub async fn shed_jobs(&self, max: i64) -> Result<u64> {
        let cut = sqlx::query("SELECT created_at FROM ai_jobs WHERE status = 'queued' ORDER BY created_at DESC LIMIT 1 OFFSET $1")
            .bind(max.max(0))
            .fetch_optional(&self.db.pool)
            .await?;
        let Some(cut) = cut else { return Ok(0) };
        let cut: String = cut.try_get("created_at")?;
        let mut tx = self.db.pool.begin().await?;
        sqlx::query(
            "UPDATE ai_summaries SET status = 'failed' WHERE order_id IN
                 (SELECT order_id FROM ai_jobs WHERE status = 'queued' AND created_at <= $1)",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?;
        let shed = sqlx::query(
            "UPDATE ai_jobs SET status = 'failed', last_error = 'dropped: the AI backlog was too long' \
             WHERE status = 'queued' AND created_at <= $1",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(shed)
    }

    /// Units sold per product (confirmed and fulfilled orders) since `since`.
    pub async fn demand(&self, since: chrono::DateTime<chrono::Utc>) -> Result<HashMap<Uuid, i64>> {
        let rows = sqlx::query(
            "SELECT l.product_id, CAST(SUM(l.quantity) AS BIGINT) AS qty
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.status IN ('confirmed', 'fulfilled') AND o.created_at >= $1 GROUP BY l.product_id",
        )
        .bind(to_db(since))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    Uuid::parse_str(r.try_get::<&str, _>("product_id")?)
                        .map_err(AppError::internal)?,
                    r.try_get("qty")?,
                ))
            })
            .collect()
    }
}

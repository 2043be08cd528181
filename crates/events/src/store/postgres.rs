//! The events service on PostgreSQL: native types, queries checked at compile time.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{pagination::PageRequest, Result};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    lease_end, patterns, patterns_text, AttemptOutcome, AttemptRecord, AuditFilter, DueDelivery,
    EventsStore, NewDelivery, NewEvent, NewNotification, NotificationRow, RecipientRow,
    StoredEvent, WebhookHealth, WebhookRow,
};

/// Taken by every ingest for its transaction: numbers are handed out and made visible in the
/// same order, so a reader that has seen number n will never later find a smaller one.
const INGEST_LOCK: i64 = 0x5354_4f43_4b00_0004;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

struct WebhookDb {
    id: Uuid,
    url: String,
    events: String,
    secret: String,
    active: bool,
    owner_id: Uuid,
    owner_email: Option<String>,
    failing_since: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<WebhookDb> for WebhookRow {
    type Error = kernel::AppError;
    fn try_from(r: WebhookDb) -> Result<Self> {
        Ok(WebhookRow {
            id: r.id,
            url: r.url,
            events: patterns(&r.events)?,
            secret: r.secret,
            active: r.active,
            owner_id: r.owner_id,
            owner_email: r.owner_email,
            failing_since: r.failing_since,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

struct AttemptDb {
    id: Uuid,
    delivery_id: Uuid,
    webhook_id: Uuid,
    event_id: Uuid,
    event_type: String,
    attempt: i32,
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
    outcome: String,
    next_retry_at: Option<DateTime<Utc>>,
    attempted_at: DateTime<Utc>,
}

impl TryFrom<AttemptDb> for AttemptRecord {
    type Error = kernel::AppError;
    fn try_from(r: AttemptDb) -> Result<Self> {
        Ok(AttemptRecord {
            id: r.id,
            delivery_id: r.delivery_id,
            webhook_id: r.webhook_id,
            event_id: r.event_id,
            event_type: r.event_type,
            attempt: r.attempt,
            status_code: r.status_code,
            error: r.error,
            duration_ms: r.duration_ms,
            outcome: AttemptOutcome::parse(&r.outcome)?,
            next_retry_at: r.next_retry_at,
            attempted_at: r.attempted_at,
        })
    }
}

#[async_trait]
impl EventsStore for PgStore {
    async fn ingest(&self, events: &[NewEvent]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            r#"SELECT true AS "locked!" FROM pg_advisory_xact_lock($1)"#,
            INGEST_LOCK
        )
        .fetch_one(&mut *tx)
        .await?;
        let now = Utc::now();
        let mut new = 0;
        for e in events {
            let inserted = sqlx::query_scalar!(
                "INSERT INTO events (id, type, occurred_at, received_at, actor_user_id, actor_email,
                     actor_service, entity_kind, entity_id, data, customer_id, request_id, traceparent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT (id) DO NOTHING
                 RETURNING seq",
                e.id,
                e.kind,
                e.occurred_at,
                now,
                e.actor_user_id,
                e.actor_email,
                e.actor_service,
                e.entity_kind,
                e.entity_id,
                e.data,
                e.customer_id,
                e.request_id,
                e.traceparent,
            )
            .fetch_optional(&mut *tx)
            .await?;
            new += usize::from(inserted.is_some());
        }
        tx.commit().await?;
        Ok(new)
    }

    async fn unfanned(&self, limit: i64) -> Result<Vec<StoredEvent>> {
        Ok(sqlx::query_as!(
            StoredEvent,
            r#"SELECT seq, id, type AS kind, occurred_at, received_at, actor_user_id, actor_email,
                      actor_service, entity_kind, entity_id, data, request_id, traceparent
               FROM events WHERE NOT fanned_out ORDER BY seq LIMIT $1"#,
            limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn fan_out(
        &self,
        seq: i64,
        deliveries: &[NewDelivery],
        notifications: &[NewNotification],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query!(
            "UPDATE events SET fanned_out = true WHERE seq = $1 AND NOT fanned_out",
            seq
        )
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            // Planned meanwhile by another replica.
            return Ok(());
        }
        let now = Utc::now();
        for d in deliveries {
            sqlx::query!(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, payload, status,
                     attempts, next_attempt_at, created_at, updated_at)
                 SELECT $1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6
                 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $2)
                 ON CONFLICT (webhook_id, event_id) DO NOTHING",
                d.id,
                d.webhook_id,
                d.event_id,
                d.event_type,
                d.payload,
                now,
            )
            .execute(&mut *tx)
            .await?;
        }
        for n in notifications {
            insert_notification(&mut tx, n, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit(&self, f: &AuditFilter) -> Result<Vec<StoredEvent>> {
        Ok(sqlx::query_as!(
            StoredEvent,
            r#"SELECT seq, id, type AS kind, occurred_at, received_at, actor_user_id, actor_email,
                      actor_service, entity_kind, entity_id, data, request_id, traceparent
               FROM events
               WHERE ($1::bigint IS NULL OR seq < $1)
                 AND ($2::text IS NULL OR actor_user_id::text = $2 OR actor_email = lower($2)
                      OR actor_service = $2)
                 AND ($3::text IS NULL OR entity_kind = $3)
                 AND ($4::text IS NULL OR entity_id = $4)
                 AND ($5::text IS NULL OR type = $5)
                 AND ($6::text IS NULL OR starts_with(type, $6))
                 AND ($7::timestamptz IS NULL OR occurred_at >= $7)
                 AND ($8::timestamptz IS NULL OR occurred_at < $8)
                 AND ($10::timestamptz IS NULL OR received_at >= $10)
               ORDER BY seq DESC
               LIMIT $9"#,
            f.before_seq,
            f.actor,
            f.entity_kind,
            f.entity_id,
            f.type_exact,
            f.type_prefix,
            f.from,
            f.to,
            f.limit,
            f.received_from,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn live_after(
        &self,
        seq: i64,
        customer: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        Ok(sqlx::query_as!(
            StoredEvent,
            r#"SELECT seq, id, type AS kind, occurred_at, received_at, actor_user_id, actor_email,
                      actor_service, entity_kind, entity_id, data, request_id, traceparent
               FROM events
               WHERE seq > $1
                 AND NOT starts_with(type, 'auth.') AND NOT starts_with(type, 'user.')
                 AND ($2::uuid IS NULL OR customer_id = $2)
               ORDER BY seq
               LIMIT $3"#,
            seq,
            customer,
            limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_seq(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar!(r#"SELECT COALESCE(MAX(seq), 0) AS "seq!" FROM events"#)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn insert_webhook(&self, w: &WebhookRow) -> Result<()> {
        sqlx::query!(
            "INSERT INTO webhooks (id, url, events, secret, active, owner_id, owner_email,
                 failing_since, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            w.id,
            w.url,
            patterns_text(&w.events)?,
            w.secret,
            w.active,
            w.owner_id,
            w.owner_email,
            w.failing_since,
            w.created_at,
            w.updated_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn webhooks(&self, page: &PageRequest) -> Result<Vec<WebhookRow>> {
        sqlx::query_as!(
            WebhookDb,
            "SELECT id, url, events, secret, active, owner_id, owner_email, failing_since,
                    created_at, updated_at
             FROM webhooks
             WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2::uuid))
             ORDER BY created_at DESC, id DESC
             LIMIT $3",
            page.after_time(),
            page.after_id(),
            page.fetch(),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(WebhookRow::try_from)
        .collect()
    }

    async fn active_webhooks(&self) -> Result<Vec<WebhookRow>> {
        sqlx::query_as!(
            WebhookDb,
            "SELECT id, url, events, secret, active, owner_id, owner_email, failing_since,
                    created_at, updated_at
             FROM webhooks WHERE active ORDER BY created_at, id"
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(WebhookRow::try_from)
        .collect()
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<WebhookRow>> {
        sqlx::query_as!(
            WebhookDb,
            "SELECT id, url, events, secret, active, owner_id, owner_email, failing_since,
                    created_at, updated_at
             FROM webhooks WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(WebhookRow::try_from)
        .transpose()
    }

    async fn update_webhook(&self, w: &WebhookRow) -> Result<()> {
        sqlx::query!(
            "UPDATE webhooks SET url = $2, events = $3, active = $4, failing_since = $5,
                 updated_at = $6
             WHERE id = $1",
            w.id,
            w.url,
            patterns_text(&w.events)?,
            w.active,
            w.failing_since,
            w.updated_at,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_webhook(&self, id: Uuid) -> Result<bool> {
        let done = sqlx::query!("DELETE FROM webhooks WHERE id = $1", id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn claim_deliveries(&self, lease: Duration, limit: i64) -> Result<Vec<DueDelivery>> {
        let now = Utc::now();
        Ok(sqlx::query_as!(
            DueDelivery,
            r#"UPDATE webhook_deliveries d SET next_attempt_at = $2
               FROM webhooks w
               WHERE w.id = d.webhook_id
                 AND d.id IN (
                   SELECT d2.id FROM webhook_deliveries d2
                   JOIN webhooks w2 ON w2.id = d2.webhook_id
                   WHERE d2.status = 'pending' AND w2.active AND d2.next_attempt_at <= $1
                   ORDER BY d2.next_attempt_at
                   LIMIT $3
                   FOR UPDATE OF d2 SKIP LOCKED)
               RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.payload, d.attempts,
                         d.created_at, w.url, w.secret, w.failing_since"#,
            now,
            lease_end(lease)?,
            limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn record_attempt(
        &self,
        a: &AttemptRecord,
        health: WebhookHealth,
        new_delivery: Option<&NewDelivery>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if let Some(d) = new_delivery {
            sqlx::query!(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, payload,
                     status, attempts, next_attempt_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, NULL, $6, $6)",
                d.id,
                d.webhook_id,
                d.event_id,
                d.event_type,
                d.payload,
                a.attempted_at,
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query!(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4,
                 updated_at = $5
             WHERE id = $1",
            a.delivery_id,
            a.outcome.delivery_status(),
            a.attempt,
            a.next_retry_at,
            a.attempted_at,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO webhook_attempts (id, delivery_id, webhook_id, event_id, event_type, attempt,
                 status_code, error, duration_ms, outcome, next_retry_at, attempted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            a.id,
            a.delivery_id,
            a.webhook_id,
            a.event_id,
            a.event_type,
            a.attempt,
            a.status_code,
            a.error,
            a.duration_ms,
            a.outcome.as_str(),
            a.next_retry_at,
            a.attempted_at,
        )
        .execute(&mut *tx)
        .await?;
        match health {
            WebhookHealth::Answered => sqlx::query!(
                "UPDATE webhooks SET failing_since = NULL WHERE id = $1",
                a.webhook_id
            ),
            WebhookHealth::Failing => sqlx::query!(
                "UPDATE webhooks SET failing_since = COALESCE(failing_since, $2) WHERE id = $1",
                a.webhook_id,
                a.attempted_at,
            ),
            WebhookHealth::Deactivate => sqlx::query!(
                "UPDATE webhooks SET active = false, updated_at = $2 WHERE id = $1",
                a.webhook_id,
                a.attempted_at,
            ),
        }
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn attempts(&self, webhook: Uuid, page: &PageRequest) -> Result<Vec<AttemptRecord>> {
        sqlx::query_as!(
            AttemptDb,
            "SELECT id, delivery_id, webhook_id, event_id, event_type, attempt, status_code, error,
                    duration_ms, outcome, next_retry_at, attempted_at
             FROM webhook_attempts
             WHERE webhook_id = $1
               AND ($2::timestamptz IS NULL OR (attempted_at, id) < ($2, $3::uuid))
             ORDER BY attempted_at DESC, id DESC
             LIMIT $4",
            webhook,
            page.after_time(),
            page.after_id(),
            page.fetch(),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(AttemptRecord::try_from)
        .collect()
    }

    async fn insert_notification(&self, n: &NewNotification) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_notification(&mut tx, n, Utc::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_notifications(
        &self,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        Ok(sqlx::query_as!(
            NotificationRow,
            r#"UPDATE notifications SET next_attempt_at = $2, attempts = attempts + 1
               WHERE id IN (
                 SELECT id FROM notifications
                 WHERE status = 'queued' AND next_attempt_at <= $1
                 ORDER BY next_attempt_at LIMIT $3
                 FOR UPDATE SKIP LOCKED)
               RETURNING id, event_id, template, to_addr AS "to", subject, body, status, error,
                         attempts, created_at, sent_at"#,
            Utc::now(),
            lease_end(lease)?,
            limit,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn finish_notification(
        &self,
        id: Uuid,
        error: Option<&str>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let now = Utc::now();
        let status = match (error, retry_at) {
            (None, _) => "sent",
            (Some(_), Some(_)) => "queued",
            (Some(_), None) => "failed",
        };
        sqlx::query!(
            "UPDATE notifications SET status = $2, error = $3, next_attempt_at = $4,
                 sent_at = CASE WHEN $2 = 'sent' THEN $5 ELSE sent_at END
             WHERE id = $1",
            id,
            status,
            error,
            retry_at,
            now,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn notifications(&self, page: &PageRequest) -> Result<Vec<NotificationRow>> {
        Ok(sqlx::query_as!(
            NotificationRow,
            r#"SELECT id, event_id, template, to_addr AS "to", subject, body, status, error,
                      attempts, created_at, sent_at
               FROM notifications
               WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2::uuid))
               ORDER BY created_at DESC, id DESC
               LIMIT $3"#,
            page.after_time(),
            page.after_id(),
            page.fetch(),
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_notification_at(&self, template: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar!(
            "SELECT created_at FROM notifications WHERE template = $1 ORDER BY created_at DESC LIMIT 1",
            template,
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn recipients(&self) -> Result<Vec<RecipientRow>> {
        Ok(sqlx::query_as!(
            RecipientRow,
            "SELECT kind, user_id, email FROM notification_recipients ORDER BY kind, email"
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_recipients(&self, rows: &[RecipientRow]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!("DELETE FROM notification_recipients")
            .execute(&mut *tx)
            .await?;
        for r in rows {
            sqlx::query!(
                "INSERT INTO notification_recipients (kind, user_id, email) VALUES ($1, $2, $3)
                 ON CONFLICT (kind, user_id) DO UPDATE SET email = EXCLUDED.email",
                r.kind,
                r.user_id,
                r.email,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_notification(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    n: &NewNotification,
    now: DateTime<Utc>,
) -> Result<()> {
    let due = (n.status == "queued").then_some(now);
    sqlx::query!(
        "INSERT INTO notifications (id, event_id, template, to_addr, subject, body, status,
             attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)
         ON CONFLICT (event_id, template, to_addr) DO NOTHING",
        n.id,
        n.event_id,
        n.template,
        n.to,
        n.subject,
        n.body,
        n.status,
        due,
        now,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

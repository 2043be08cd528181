//! The events service on SQLite: the typed driver with `FromRow` rows; ids are UUID text and
//! times `kernel::time::to_db` text. One connection: every transaction is serial, so numbers
//! are handed out and become visible in the same order without a lock of their own.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{pagination::PageRequest, time::to_db, Result};
use sqlx::{SqlitePool, Transaction};
use uuid::{fmt::Hyphenated, Uuid};

use super::{
    lease_end, patterns, patterns_text, AttemptOutcome, AttemptRecord, AuditFilter, DueDelivery,
    EventsStore, NewDelivery, NewEvent, NewNotification, NotificationRow, RecipientRow,
    StoredEvent, WebhookHealth, WebhookRow,
};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

const EVENT_COLUMNS: &str = "seq, id, type, occurred_at, received_at, actor_user_id, actor_email,
     actor_service, entity_kind, entity_id, data, request_id, traceparent";

#[derive(sqlx::FromRow)]
struct EventDb {
    seq: i64,
    id: Hyphenated,
    #[sqlx(rename = "type")]
    kind: String,
    occurred_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    actor_user_id: Option<Hyphenated>,
    actor_email: Option<String>,
    actor_service: String,
    entity_kind: String,
    entity_id: String,
    data: String,
    request_id: Option<String>,
    traceparent: Option<String>,
}

impl From<EventDb> for StoredEvent {
    fn from(r: EventDb) -> Self {
        StoredEvent {
            seq: r.seq,
            id: r.id.into_uuid(),
            kind: r.kind,
            occurred_at: r.occurred_at,
            received_at: r.received_at,
            actor_user_id: r.actor_user_id.map(Hyphenated::into_uuid),
            actor_email: r.actor_email,
            actor_service: r.actor_service,
            entity_kind: r.entity_kind,
            entity_id: r.entity_id,
            data: r.data,
            request_id: r.request_id,
            traceparent: r.traceparent,
        }
    }
}

const WEBHOOK_COLUMNS: &str = "id, url, events, secret, active, owner_id, owner_email,
     failing_since, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct WebhookDb {
    id: Hyphenated,
    url: String,
    events: String,
    secret: String,
    active: bool,
    owner_id: Hyphenated,
    owner_email: Option<String>,
    failing_since: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<WebhookDb> for WebhookRow {
    type Error = kernel::AppError;
    fn try_from(r: WebhookDb) -> Result<Self> {
        Ok(WebhookRow {
            id: r.id.into_uuid(),
            url: r.url,
            events: patterns(&r.events)?,
            secret: r.secret,
            active: r.active,
            owner_id: r.owner_id.into_uuid(),
            owner_email: r.owner_email,
            failing_since: r.failing_since,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DueDb {
    id: Hyphenated,
    webhook_id: Hyphenated,
    event_id: Hyphenated,
    event_type: String,
    payload: String,
    attempts: i32,
    created_at: DateTime<Utc>,
    url: String,
    secret: String,
    failing_since: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct AttemptDb {
    id: Hyphenated,
    delivery_id: Hyphenated,
    webhook_id: Hyphenated,
    event_id: Hyphenated,
    event_type: String,
    attempt: i32,
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
    outcome: String,
    next_retry_at: Option<DateTime<Utc>>,
    attempted_at: DateTime<Utc>,
}

const NOTIFICATION_COLUMNS: &str = "id, event_id, template, to_addr, subject, body, status, error,
     attempts, created_at, sent_at";

#[derive(sqlx::FromRow)]
struct NotificationDb {
    id: Hyphenated,
    event_id: Option<Hyphenated>,
    template: String,
    to_addr: String,
    subject: String,
    body: String,
    status: String,
    error: Option<String>,
    attempts: i32,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl From<NotificationDb> for NotificationRow {
    fn from(r: NotificationDb) -> Self {
        NotificationRow {
            id: r.id.into_uuid(),
            event_id: r.event_id.map(Hyphenated::into_uuid),
            template: r.template,
            to: r.to_addr,
            subject: r.subject,
            body: r.body,
            status: r.status,
            error: r.error,
            attempts: r.attempts,
            created_at: r.created_at,
            sent_at: r.sent_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct RecipientDb {
    kind: String,
    user_id: Hyphenated,
    email: String,
}

#[async_trait]
impl EventsStore for SqliteStore {
    async fn ingest(&self, events: &[NewEvent]) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let now = to_db(Utc::now());
        let mut new = 0;
        for e in events {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO events (id, type, occurred_at, received_at, actor_user_id, actor_email,
                     actor_service, entity_kind, entity_id, data, customer_id, request_id, traceparent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (id) DO NOTHING
                 RETURNING seq",
            )
            .bind(e.id.hyphenated())
            .bind(&e.kind)
            .bind(to_db(e.occurred_at))
            .bind(&now)
            .bind(e.actor_user_id.map(Uuid::hyphenated))
            .bind(&e.actor_email)
            .bind(&e.actor_service)
            .bind(&e.entity_kind)
            .bind(&e.entity_id)
            .bind(&e.data)
            .bind(e.customer_id.map(Uuid::hyphenated))
            .bind(&e.request_id)
            .bind(&e.traceparent)
            .fetch_optional(&mut *tx)
            .await?;
            new += usize::from(inserted.is_some());
        }
        tx.commit().await?;
        Ok(new)
    }

    async fn unfanned(&self, limit: i64) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query_as::<_, EventDb>(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE fanned_out = 0 ORDER BY seq LIMIT ?1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StoredEvent::from).collect())
    }

    async fn fan_out(
        &self,
        seq: i64,
        deliveries: &[NewDelivery],
        notifications: &[NewNotification],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let claimed =
            sqlx::query("UPDATE events SET fanned_out = 1 WHERE seq = ?1 AND fanned_out = 0")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        if claimed.rows_affected() == 0 {
            return Ok(());
        }
        let now = to_db(Utc::now());
        for d in deliveries {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, payload, status,
                     attempts, next_attempt_at, created_at, updated_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?6, ?6
                 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?2)
                 ON CONFLICT (webhook_id, event_id) DO NOTHING",
            )
            .bind(d.id.hyphenated())
            .bind(d.webhook_id.hyphenated())
            .bind(d.event_id.hyphenated())
            .bind(&d.event_type)
            .bind(&d.payload)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        for n in notifications {
            insert_notification(&mut tx, n, &now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit(&self, f: &AuditFilter) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query_as::<_, EventDb>(&format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE (?1 IS NULL OR seq < ?1)
               AND (?2 IS NULL OR actor_user_id = lower(?2) OR actor_email = lower(?2)
                    OR actor_service = ?2)
               AND (?3 IS NULL OR entity_kind = ?3)
               AND (?4 IS NULL OR entity_id = ?4)
               AND (?5 IS NULL OR type = ?5)
               AND (?6 IS NULL OR substr(type, 1, length(?6)) = ?6)
               AND (?7 IS NULL OR occurred_at >= ?7)
               AND (?8 IS NULL OR occurred_at < ?8)
               AND (?10 IS NULL OR received_at >= ?10)
             ORDER BY seq DESC
             LIMIT ?9"
        ))
        .bind(f.before_seq)
        .bind(&f.actor)
        .bind(&f.entity_kind)
        .bind(&f.entity_id)
        .bind(&f.type_exact)
        .bind(&f.type_prefix)
        .bind(f.from.map(to_db))
        .bind(f.to.map(to_db))
        .bind(f.limit)
        .bind(f.received_from.map(to_db))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StoredEvent::from).collect())
    }

    async fn live_after(
        &self,
        seq: i64,
        customer: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query_as::<_, EventDb>(&format!(
            "SELECT {EVENT_COLUMNS} FROM events
             WHERE seq > ?1
               AND substr(type, 1, 5) <> 'auth.' AND substr(type, 1, 5) <> 'user.'
               AND (?2 IS NULL OR customer_id = ?2)
             ORDER BY seq
             LIMIT ?3"
        ))
        .bind(seq)
        .bind(customer.map(Uuid::hyphenated))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StoredEvent::from).collect())
    }

    async fn last_seq(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn insert_webhook(&self, w: &WebhookRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhooks (id, url, events, secret, active, owner_id, owner_email,
                 failing_since, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(w.id.hyphenated())
        .bind(&w.url)
        .bind(patterns_text(&w.events)?)
        .bind(&w.secret)
        .bind(w.active)
        .bind(w.owner_id.hyphenated())
        .bind(&w.owner_email)
        .bind(w.failing_since.map(to_db))
        .bind(to_db(w.created_at))
        .bind(to_db(w.updated_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn webhooks(&self, page: &PageRequest) -> Result<Vec<WebhookRow>> {
        sqlx::query_as::<_, WebhookDb>(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks
             WHERE (?1 IS NULL OR (created_at, id) < (?1, ?2))
             ORDER BY created_at DESC, id DESC
             LIMIT ?3"
        ))
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(Uuid::hyphenated))
        .bind(page.fetch())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(WebhookRow::try_from)
        .collect()
    }

    async fn active_webhooks(&self) -> Result<Vec<WebhookRow>> {
        sqlx::query_as::<_, WebhookDb>(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE active = 1 ORDER BY created_at, id"
        ))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(WebhookRow::try_from)
        .collect()
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<WebhookRow>> {
        sqlx::query_as::<_, WebhookDb>(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1"
        ))
        .bind(id.hyphenated())
        .fetch_optional(&self.pool)
        .await?
        .map(WebhookRow::try_from)
        .transpose()
    }

    async fn update_webhook(&self, w: &WebhookRow) -> Result<()> {
        sqlx::query(
            "UPDATE webhooks SET url = ?2, events = ?3, active = ?4, failing_since = ?5,
                 updated_at = ?6
             WHERE id = ?1",
        )
        .bind(w.id.hyphenated())
        .bind(&w.url)
        .bind(patterns_text(&w.events)?)
        .bind(w.active)
        .bind(w.failing_since.map(to_db))
        .bind(to_db(w.updated_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_webhook(&self, id: Uuid) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webhooks WHERE id = ?1")
            .bind(id.hyphenated())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn claim_deliveries(&self, lease: Duration, limit: i64) -> Result<Vec<DueDelivery>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query_as::<_, DueDb>(
            "SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.payload, d.attempts,
                    d.created_at, w.url, w.secret, w.failing_since
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.status = 'pending' AND w.active = 1 AND d.next_attempt_at <= ?1
             ORDER BY d.next_attempt_at
             LIMIT ?2",
        )
        .bind(to_db(Utc::now()))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let until = to_db(lease_end(lease)?);
        for r in &rows {
            sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = ?2 WHERE id = ?1")
                .bind(r.id)
                .bind(&until)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| DueDelivery {
                id: r.id.into_uuid(),
                webhook_id: r.webhook_id.into_uuid(),
                event_id: r.event_id.into_uuid(),
                event_type: r.event_type,
                payload: r.payload,
                attempts: r.attempts,
                created_at: r.created_at,
                url: r.url,
                secret: r.secret,
                failing_since: r.failing_since,
            })
            .collect())
    }

    async fn record_attempt(
        &self,
        a: &AttemptRecord,
        health: WebhookHealth,
        new_delivery: Option<&NewDelivery>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let at = to_db(a.attempted_at);
        if let Some(d) = new_delivery {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, payload,
                     status, attempts, next_attempt_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, NULL, ?6, ?6)",
            )
            .bind(d.id.hyphenated())
            .bind(d.webhook_id.hyphenated())
            .bind(d.event_id.hyphenated())
            .bind(&d.event_type)
            .bind(&d.payload)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4,
                 updated_at = ?5
             WHERE id = ?1",
        )
        .bind(a.delivery_id.hyphenated())
        .bind(a.outcome.delivery_status())
        .bind(a.attempt)
        .bind(a.next_retry_at.map(to_db))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (id, delivery_id, webhook_id, event_id, event_type, attempt,
                 status_code, error, duration_ms, outcome, next_retry_at, attempted_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(a.id.hyphenated())
        .bind(a.delivery_id.hyphenated())
        .bind(a.webhook_id.hyphenated())
        .bind(a.event_id.hyphenated())
        .bind(&a.event_type)
        .bind(a.attempt)
        .bind(a.status_code)
        .bind(&a.error)
        .bind(a.duration_ms)
        .bind(a.outcome.as_str())
        .bind(a.next_retry_at.map(to_db))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let sql = match health {
            WebhookHealth::Answered => "UPDATE webhooks SET failing_since = NULL WHERE id = ?1",
            WebhookHealth::Failing => {
                "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?2) WHERE id = ?1"
            }
            WebhookHealth::Deactivate => {
                "UPDATE webhooks SET active = 0, updated_at = ?2 WHERE id = ?1"
            }
        };
        sqlx::query(sql)
            .bind(a.webhook_id.hyphenated())
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn attempts(&self, webhook: Uuid, page: &PageRequest) -> Result<Vec<AttemptRecord>> {
        sqlx::query_as::<_, AttemptDb>(
            "SELECT id, delivery_id, webhook_id, event_id, event_type, attempt, status_code, error,
                    duration_ms, outcome, next_retry_at, attempted_at
             FROM webhook_attempts
             WHERE webhook_id = ?1 AND (?2 IS NULL OR (attempted_at, id) < (?2, ?3))
             ORDER BY attempted_at DESC, id DESC
             LIMIT ?4",
        )
        .bind(webhook.hyphenated())
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(Uuid::hyphenated))
        .bind(page.fetch())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AttemptRecord {
                id: r.id.into_uuid(),
                delivery_id: r.delivery_id.into_uuid(),
                webhook_id: r.webhook_id.into_uuid(),
                event_id: r.event_id.into_uuid(),
                event_type: r.event_type,
                attempt: r.attempt,
                status_code: r.status_code,
                error: r.error,
                duration_ms: r.duration_ms,
                outcome: AttemptOutcome::parse(&r.outcome)?,
                next_retry_at: r.next_retry_at,
                attempted_at: r.attempted_at,
            })
        })
        .collect()
    }

    async fn insert_notification(&self, n: &NewNotification) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_notification(&mut tx, n, &to_db(Utc::now())).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_notifications(
        &self,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query_as::<_, NotificationDb>(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications
             WHERE status = 'queued' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at LIMIT ?2"
        ))
        .bind(to_db(Utc::now()))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let until = to_db(lease_end(lease)?);
        for r in &rows {
            sqlx::query(
                "UPDATE notifications SET next_attempt_at = ?2, attempts = attempts + 1
                 WHERE id = ?1",
            )
            .bind(r.id)
            .bind(&until)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| NotificationRow {
                attempts: r.attempts + 1,
                ..r.into()
            })
            .collect())
    }

    async fn finish_notification(
        &self,
        id: Uuid,
        error: Option<&str>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let status = match (error, retry_at) {
            (None, _) => "sent",
            (Some(_), Some(_)) => "queued",
            (Some(_), None) => "failed",
        };
        sqlx::query(
            "UPDATE notifications SET status = ?2, error = ?3, next_attempt_at = ?4,
                 sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END
             WHERE id = ?1",
        )
        .bind(id.hyphenated())
        .bind(status)
        .bind(error)
        .bind(retry_at.map(to_db))
        .bind(to_db(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn notifications(&self, page: &PageRequest) -> Result<Vec<NotificationRow>> {
        let rows = sqlx::query_as::<_, NotificationDb>(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications
             WHERE (?1 IS NULL OR (created_at, id) < (?1, ?2))
             ORDER BY created_at DESC, id DESC
             LIMIT ?3"
        ))
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(Uuid::hyphenated))
        .bind(page.fetch())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(NotificationRow::from).collect())
    }

    async fn last_notification_at(&self, template: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM notifications WHERE template = ?1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(template)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn recipients(&self) -> Result<Vec<RecipientRow>> {
        let rows = sqlx::query_as::<_, RecipientDb>(
            "SELECT kind, user_id, email FROM notification_recipients ORDER BY kind, email",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RecipientRow {
                kind: r.kind,
                user_id: r.user_id.into_uuid(),
                email: r.email,
            })
            .collect())
    }

    async fn set_recipients(&self, rows: &[RecipientRow]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM notification_recipients")
            .execute(&mut *tx)
            .await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO notification_recipients (kind, user_id, email) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, user_id) DO UPDATE SET email = excluded.email",
            )
            .bind(&r.kind)
            .bind(r.user_id.hyphenated())
            .bind(&r.email)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_notification(
    tx: &mut Transaction<'_, sqlx::Sqlite>,
    n: &NewNotification,
    now: &str,
) -> Result<()> {
    let due = (n.status == "queued").then_some(now);
    sqlx::query(
        "INSERT INTO notifications (id, event_id, template, to_addr, subject, body, status,
             attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9)
         ON CONFLICT (event_id, template, to_addr) DO NOTHING",
    )
    .bind(n.id.hyphenated())
    .bind(n.event_id.map(Uuid::hyphenated))
    .bind(&n.template)
    .bind(&n.to)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(n.status)
    .bind(due)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

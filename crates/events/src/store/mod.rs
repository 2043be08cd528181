//! The events service's storage: one trait, one implementation per backend (PostgreSQL with
//! checked queries and native types, SQLite with `FromRow` rows and text ids and times),
//! picked when the service starts. Handlers and workers never see SQL.

mod postgres;
mod sqlite;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{db::Db, pagination::PageRequest, Result};
use uuid::Uuid;

/// An event as the log keeps it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub actor_service: String,
    pub entity_kind: String,
    pub entity_id: String,
    /// The event's `data`, as JSON text.
    pub data: String,
    pub request_id: Option<String>,
    pub traceparent: Option<String>,
}

/// An event arriving from a relay, checked.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub actor_service: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub data: String,
    pub customer_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub traceparent: Option<String>,
}

/// The audit log's filters; `None` is "any". Newest first, before `before_seq`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub before_seq: Option<i64>,
    /// A user id, an email or a service name.
    pub actor: Option<String>,
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    pub type_exact: Option<String>,
    /// `order.` for the pattern `order.*`.
    pub type_prefix: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Arrived here at or after this (this service's clock, unlike `from`, the producer's).
    pub received_from: Option<DateTime<Utc>>,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub active: bool,
    pub owner_id: Uuid,
    pub owner_email: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A delivery planned for one webhook and one event.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// The exact body that is sent and signed, every attempt alike.
    pub payload: String,
}

/// A delivery whose attempt is due, claimed for a lease, with where it goes.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub payload: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub url: String,
    pub secret: String,
    pub failing_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Succeeded,
    /// Failed; another attempt follows at `next_retry_at`.
    Retrying,
    /// Failed, and no attempt follows.
    Failed,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "succeeded" => Ok(Self::Succeeded),
            "retrying" => Ok(Self::Retrying),
            "failed" => Ok(Self::Failed),
            other => Err(kernel::AppError::internal(format!(
                "stored attempt outcome {other:?}"
            ))),
        }
    }

    /// The delivery's status after this attempt.
    fn delivery_status(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Retrying => "pending",
            Self::Failed => "failed",
        }
    }
}

/// One attempt to deliver, as logged.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub outcome: AttemptOutcome,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub attempted_at: DateTime<Utc>,
}

/// What an attempt does to its webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookHealth {
    /// It answered: it is healthy again.
    Answered,
    /// It failed; it has been failing since the time kept (or now).
    Failing,
    /// It has failed for too long: deactivated.
    Deactivate,
}

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub id: Uuid,
    pub event_id: Option<Uuid>,
    pub template: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// `queued` (to send) or `not_sent` (no SMTP configured).
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: Uuid,
    pub event_id: Option<Uuid>,
    pub template: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub error: Option<String>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    pub kind: String,
    pub user_id: Uuid,
    pub email: String,
}

#[async_trait]
pub trait EventsStore: Send + Sync {
    /// Stores the events not stored yet (by id), numbered in the order given; how many were new.
    async fn ingest(&self, events: &[NewEvent]) -> Result<usize>;
    /// Events whose deliveries and emails have not been planned yet, oldest first.
    async fn unfanned(&self, limit: i64) -> Result<Vec<StoredEvent>>;
    /// Stores an event's deliveries and emails and marks it planned, in one transaction;
    /// planning it again adds nothing.
    async fn fan_out(
        &self,
        seq: i64,
        deliveries: &[NewDelivery],
        notifications: &[NewNotification],
    ) -> Result<()>;
    async fn audit(&self, filter: &AuditFilter) -> Result<Vec<StoredEvent>>;
    /// Events after `seq`, oldest first, that live streams show: none audit-only, and for a
    /// customer only their own.
    async fn live_after(
        &self,
        seq: i64,
        customer: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>>;
    /// The number of the newest event (0 when there is none).
    async fn last_seq(&self) -> Result<i64>;

    async fn insert_webhook(&self, webhook: &WebhookRow) -> Result<()>;
    async fn webhooks(&self, page: &PageRequest) -> Result<Vec<WebhookRow>>;
    async fn active_webhooks(&self) -> Result<Vec<WebhookRow>>;
    async fn webhook(&self, id: Uuid) -> Result<Option<WebhookRow>>;
    /// Writes url, events, active, failing_since and updated_at.
    async fn update_webhook(&self, webhook: &WebhookRow) -> Result<()>;
    async fn delete_webhook(&self, id: Uuid) -> Result<bool>;
    /// Claims up to `limit` due deliveries of active webhooks for `lease` (a crashed
    /// dispatcher's claims come due again after it).
    async fn claim_deliveries(&self, lease: Duration, limit: i64) -> Result<Vec<DueDelivery>>;
    /// Logs an attempt and moves its delivery and webhook on, in one transaction. A delivery
    /// not logged before (a ping) is created with it.
    async fn record_attempt(
        &self,
        attempt: &AttemptRecord,
        health: WebhookHealth,
        new_delivery: Option<&NewDelivery>,
    ) -> Result<()>;
    /// Attempts of one webhook, newest first.
    async fn attempts(&self, webhook: Uuid, page: &PageRequest) -> Result<Vec<AttemptRecord>>;

    /// Stores an email unless the same one (event, template, recipient) is stored already.
    async fn insert_notification(&self, notification: &NewNotification) -> Result<()>;
    async fn claim_notifications(
        &self,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<NotificationRow>>;
    /// `sent`, or failed with `error`: retried at `retry_at`, or `failed` when `None`.
    async fn finish_notification(
        &self,
        id: Uuid,
        error: Option<&str>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()>;
    async fn notifications(&self, page: &PageRequest) -> Result<Vec<NotificationRow>>;
    async fn recipients(&self) -> Result<Vec<RecipientRow>>;
    /// When the newest email written from `template` was queued, if one ever was.
    async fn last_notification_at(&self, template: &str) -> Result<Option<DateTime<Utc>>>;
    /// Replaces every recipient.
    async fn set_recipients(&self, rows: &[RecipientRow]) -> Result<()>;
}

/// The store for the backend `db` is on.
pub fn open(db: Db) -> Arc<dyn EventsStore> {
    match db {
        Db::Postgres(pool) => Arc::new(postgres::PgStore::new(pool)),
        Db::Sqlite(pool) => Arc::new(sqlite::SqliteStore::new(pool)),
    }
}

fn patterns(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text)
        .map_err(|e| kernel::AppError::internal(format!("stored webhook patterns: {e}")))
}

fn patterns_text(events: &[String]) -> Result<String> {
    serde_json::to_string(events).map_err(kernel::AppError::internal)
}

fn lease_end(lease: Duration) -> Result<DateTime<Utc>> {
    Ok(Utc::now() + chrono::Duration::from_std(lease).map_err(kernel::AppError::internal)?)
}

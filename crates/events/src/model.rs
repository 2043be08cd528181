//! What the events service's public API answers with.

use chrono::{DateTime, Utc};
use contracts::events::{Actor, Entity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::{AttemptRecord, NotificationRow, RecipientRow, StoredEvent, WebhookRow};

/// An event as webhooks receive it and live streams show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    pub entity: Entity,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&StoredEvent> for EventView {
    fn from(e: &StoredEvent) -> Self {
        Self {
            id: e.id,
            kind: e.kind.clone(),
            occurred_at: e.occurred_at,
            actor: Actor {
                user_id: e.actor_user_id,
                email: e.actor_email.clone(),
                service: e.actor_service.clone(),
            },
            entity: Entity {
                kind: e.entity_kind.clone(),
                id: e.entity_id.clone(),
            },
            // Stored from a parsed value: it parses back.
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// One entry of the audit log: the event, the order it arrived in and the request that
/// recorded it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// The log's own number: larger is later.
    pub seq: i64,
    #[serde(flatten)]
    pub event: EventView,
    pub received_at: DateTime<Utc>,
    /// The request that recorded it, and its W3C trace context.
    pub request_id: Option<String>,
    pub traceparent: Option<String>,
}

impl From<&StoredEvent> for AuditEntry {
    fn from(e: &StoredEvent) -> Self {
        Self {
            seq: e.seq,
            event: e.into(),
            received_at: e.received_at,
            request_id: e.request_id.clone(),
            traceparent: e.traceparent.clone(),
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// A webhook subscription. Its signing secret is shown once, when it is created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    /// Patterns: `*`, `order.*` or an exact type.
    pub events: Vec<String>,
    pub active: bool,
    /// Since when every delivery attempt has failed; deactivated after 24 h of that.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&WebhookRow> for Webhook {
    fn from(w: &WebhookRow) -> Self {
        Self {
            id: w.id,
            url: w.url.clone(),
            events: w.events.clone(),
            active: w.active,
            failing_since: w.failing_since,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new webhook with its signing secret: keep it now, it is not shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Verifies `Stockroom-Signature` (HMAC-SHA256 of `"<t>.<body>"`).
    pub secret: String,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    pub id: Uuid,
    /// The delivery: `Stockroom-Delivery`, the same on every attempt of it.
    pub delivery_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// 1 for the first attempt of a delivery.
    pub attempt: i32,
    /// The receiver's status, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did.
    pub error: Option<String>,
    pub duration_ms: i64,
    /// `succeeded`, `retrying` (see `next_retry_at`) or `failed` (no more attempts).
    #[schema(pattern = "^(succeeded|retrying|failed)$")]
    pub outcome: String,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub attempted_at: DateTime<Utc>,
}

impl From<&AttemptRecord> for DeliveryAttempt {
    fn from(a: &AttemptRecord) -> Self {
        Self {
            id: a.id,
            delivery_id: a.delivery_id,
            event_id: a.event_id,
            event_type: a.event_type.clone(),
            attempt: a.attempt,
            status_code: a.status_code,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
            outcome: a.outcome.as_str().to_string(),
            next_retry_at: a.next_retry_at,
            attempted_at: a.attempted_at,
        }
    }
}

/// An email sent, queued, or recorded without sending.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    /// `queued`, `sent`, `not_sent` (no SMTP configured) or `failed`.
    #[schema(pattern = "^(queued|sent|not_sent|failed)$")]
    pub status: String,
    pub error: Option<String>,
    /// The template that wrote it (`order_confirmed`, `new_order_alert`, …).
    pub template: String,
    /// The event that caused it.
    pub event_id: Option<Uuid>,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<&NotificationRow> for Notification {
    fn from(n: &NotificationRow) -> Self {
        Self {
            id: n.id,
            to: n.to.clone(),
            subject: n.subject.clone(),
            status: n.status.clone(),
            error: n.error.clone(),
            template: n.template.clone(),
            event_id: n.event_id,
            attempts: n.attempts,
            created_at: n.created_at,
            sent_at: n.sent_at,
        }
    }
}

/// A staff member who gets an email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub user_id: Uuid,
    #[schema(max_length = 254, pattern = r"^[^@\s]+@[^@\s]+$")]
    pub email: String,
}

/// Which staff get which emails.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Get the daily digest of products at or below their reorder point.
    #[schema(max_items = 100)]
    pub low_stock_digest: Vec<Recipient>,
    /// Get an email for every confirmed order.
    #[schema(max_items = 100)]
    pub new_order_alert: Vec<Recipient>,
}

pub const LOW_STOCK_DIGEST: &str = "low_stock_digest";
pub const NEW_ORDER_ALERT: &str = "new_order_alert";

impl NotificationSettings {
    pub fn from_rows(rows: &[RecipientRow]) -> Self {
        let of = |kind: &str| {
            rows.iter()
                .filter(|r| r.kind == kind)
                .map(|r| Recipient {
                    user_id: r.user_id,
                    email: r.email.clone(),
                })
                .collect()
        };
        Self {
            low_stock_digest: of(LOW_STOCK_DIGEST),
            new_order_alert: of(NEW_ORDER_ALERT),
        }
    }

    pub fn rows(&self) -> Vec<RecipientRow> {
        let of = |kind: &str, list: &[Recipient]| {
            list.iter()
                .map(|r| RecipientRow {
                    kind: kind.to_string(),
                    user_id: r.user_id,
                    email: r.email.trim().to_lowercase(),
                })
                .collect::<Vec<_>>()
        };
        let mut rows = of(LOW_STOCK_DIGEST, &self.low_stock_digest);
        rows.extend(of(NEW_ORDER_ALERT, &self.new_order_alert));
        rows
    }
}

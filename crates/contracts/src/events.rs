//! Domain events as they travel from a service's outbox to the events service
//! (`POST /internal/events`) and on to webhooks, live streams and the audit log.
//!
//! An event is immutable and named by its id: delivering it twice is the same as once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Events in one `POST /internal/events`, at most.
pub const MAX_BATCH: usize = 100;
/// Bytes of an event's `data` once serialised, at most.
pub const MAX_DATA_BYTES: usize = 64 * 1024;

/// Who caused an event: a signed-in user (id and email when known) acting through a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// The service that recorded the event (`auth`, `orders`, …).
    #[schema(max_length = 32)]
    pub service: String,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Entity {
    /// `order`, `product`, `user`, `account`, …
    #[schema(max_length = 32, pattern = "^[a-z_]{1,32}$")]
    pub kind: String,
    #[schema(max_length = 256)]
    pub id: String,
}

/// A domain event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub id: Uuid,
    /// `order.confirmed`, `user.registered`, …: lower case, dot separated.
    #[serde(rename = "type")]
    #[schema(max_length = 64, pattern = r"^[a-z_]+(\.[a-z_]+)+$")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    pub entity: Entity,
    /// Type-specific details.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// The request an event was recorded in, carried with it so a delivery can be traced back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Origin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 128)]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 55)]
    pub traceparent: Option<String>,
}

/// One event as relayed: the event and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Relayed {
    #[serde(flatten)]
    pub event: Event,
    #[serde(default)]
    pub origin: Origin,
}

/// The body of `POST /internal/events`: events in the order they were recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventBatch {
    pub events: Vec<Relayed>,
}

/// What `POST /internal/events` answers: how many were new (the rest were known already).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Ingested {
    pub accepted: usize,
    pub duplicates: usize,
}

/// Types only the audit log shows: sign-in and account events stay out of live streams.
pub fn is_audit_only(kind: &str) -> bool {
    kind.starts_with("auth.") || kind.starts_with("user.")
}

impl Event {
    /// A new event happening now, with a fresh time-ordered id.
    pub fn new(kind: &str, actor: Actor, entity: Entity, data: serde_json::Value) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: kind.to_string(),
            occurred_at: Utc::now(),
            actor,
            entity,
            data,
        }
    }
}

impl Actor {
    /// A service acting on its own (a sweeper, a retry), or for an anonymous caller.
    pub fn service(service: &str) -> Self {
        Self {
            user_id: None,
            email: None,
            service: service.to_string(),
        }
    }

    /// A signed-in user acting through `service`.
    pub fn user(service: &str, user_id: Uuid, email: Option<&str>) -> Self {
        Self {
            user_id: Some(user_id),
            email: email.map(str::to_string),
            service: service.to_string(),
        }
    }
}

impl Entity {
    pub fn new(kind: &str, id: impl ToString) -> Self {
        Self {
            kind: kind.to_string(),
            id: id.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relayed_event_is_the_event_with_its_origin_beside_it() {
        let event = Event::new(
            "user.registered",
            Actor::service("auth"),
            Entity::new("user", "u1"),
            serde_json::json!({"role": "customer"}),
        );
        let relayed = Relayed {
            event: event.clone(),
            origin: Origin {
                request_id: Some("r1".into()),
                traceparent: None,
            },
        };
        let json = serde_json::to_value(&relayed).unwrap();
        assert_eq!(json["type"], "user.registered");
        assert_eq!(json["entity"]["kind"], "user");
        assert_eq!(json["origin"]["request_id"], "r1");
        let back: Relayed = serde_json::from_value(json).unwrap();
        assert_eq!(back.event, event);
    }

    #[test]
    fn sign_in_and_account_events_are_audit_only() {
        assert!(is_audit_only("auth.login_failed"));
        assert!(is_audit_only("user.role_changed"));
        assert!(!is_audit_only("order.confirmed"));
    }
}

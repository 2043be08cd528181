//! `POST /internal/events`: where every service's outbox relay delivers (service tokens only;
//! never routed by the gateway).

use axum::{
    extract::{DefaultBodyLimit, State},
    routing::post,
    Router,
};
use contracts::events::{EventBatch, Ingested, Relayed, MAX_BATCH, MAX_DATA_BYTES};
use kernel::{auth::AuthUser, AppError, FieldError, Json, Result};

use crate::{patterns, store::NewEvent, EventsState};

/// A full batch of the largest events, with room for their envelopes: a relay's batch is never
/// refused for its size (it would be sent again forever).
const INGEST_BODY_LIMIT: usize = MAX_BATCH * (MAX_DATA_BYTES + 4 * 1024);

pub fn router() -> Router<EventsState> {
    Router::new()
        .route("/internal/events", post(ingest))
        .layer(DefaultBodyLimit::max(INGEST_BODY_LIMIT))
}

/// Stores the events not seen before (by id) in the order given, then plans what they cause;
/// a repeated event is counted as a duplicate and changes nothing.
async fn ingest(
    State(state): State<EventsState>,
    caller: AuthUser,
    Json(batch): Json<EventBatch>,
) -> Result<Json<Ingested>> {
    caller.require_service()?;
    // The token names the service; the event's own claim to be from another is not believed.
    let service = caller
        .claims
        .sub
        .strip_prefix("service:")
        .unwrap_or(&caller.claims.sub)
        .to_string();
    let events = check(batch.events, &service)?;
    let accepted = state.store.ingest(&events).await?;
    metrics::counter!("events_ingested_total", "service" => service_label(&service))
        .increment(accepted as u64);
    if accepted > 0 {
        state.live.send_modify(|n| *n += 1);
        state.background.wake();
    }
    Ok(Json(Ingested {
        accepted,
        duplicates: events.len() - accepted,
    }))
}

/// A metric label from a fixed set.
fn service_label(service: &str) -> &'static str {
    match service {
        "auth" => "auth",
        "inventory" => "inventory",
        "orders" => "orders",
        "gateway" => "gateway",
        _ => "other",
    }
}

fn check(events: Vec<Relayed>, service: &str) -> Result<Vec<NewEvent>> {
    if events.len() > MAX_BATCH {
        return Err(AppError::validation(
            "events",
            format!("send at most {MAX_BATCH} events at once"),
        ));
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(events.len());
    for (i, r) in events.into_iter().enumerate() {
        let e = r.event;
        let field = |name: &str| format!("events[{i}].{name}");
        if !patterns::is_type(&e.kind) {
            errors.push(FieldError::new(
                field("type"),
                "must look like order.confirmed",
            ));
        }
        let kind_ok = (1..=32).contains(&e.entity.kind.len())
            && e.entity
                .kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_');
        if !kind_ok {
            errors.push(FieldError::new(field("entity.kind"), "1-32 of a-z and _"));
        }
        if !(1..=256).contains(&e.entity.id.len()) {
            errors.push(FieldError::new(field("entity.id"), "1-256 characters"));
        }
        let data = serde_json::to_string(&e.data).unwrap_or_default();
        if data.len() > MAX_DATA_BYTES || !e.data.is_object() {
            errors.push(FieldError::new(
                field("data"),
                format!("must be an object of at most {MAX_DATA_BYTES} bytes"),
            ));
        }
        let email = e
            .actor
            .email
            .filter(|m| !m.is_empty())
            .map(|m| m.to_lowercase());
        if email.as_ref().is_some_and(|m| m.len() > 254) {
            errors.push(FieldError::new(
                field("actor.email"),
                "at most 254 characters",
            ));
        }
        let bounded = |s: Option<String>, max: usize| s.filter(|s| s.len() <= max && s.is_ascii());
        let customer_id = e
            .data
            .get("customer_id")
            .and_then(|v| v.as_str())
            .and_then(|s| uuid::Uuid::parse_str(s).ok());
        out.push(NewEvent {
            id: e.id,
            kind: e.kind,
            occurred_at: e.occurred_at,
            actor_user_id: e.actor.user_id,
            actor_email: email,
            actor_service: service.chars().take(32).collect(),
            entity_kind: e.entity.kind,
            entity_id: e.entity.id,
            data,
            customer_id,
            request_id: bounded(r.origin.request_id, 128),
            traceparent: bounded(r.origin.traceparent, 55),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Validation(errors))
    }
}

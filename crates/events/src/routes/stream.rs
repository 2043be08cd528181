//! `GET /api/events/stream`: Server-Sent Events of live events. Each carries its log number
//! as its `id`, so a client reconnecting with `Last-Event-ID` resumes right after the last
//! event it saw, missing none. Customers see their own orders' events only; staff see all
//! but the audit-only ones (sign-ins and accounts). A client that reads too slowly for its
//! bounded queue is disconnected (it resumes from its last id when it comes back).

use std::{
    convert::Infallible,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use kernel::{auth::AuthUser, Result};
use tokio::sync::mpsc;

use crate::{model::EventView, store::StoredEvent, EventsState};

/// Events read per query.
const PAGE: i64 = 100;

/// Live events (signed in). Send `Last-Event-ID` (or reconnect with `EventSource`, which
/// does) to resume after that event; without it the stream starts with the next event.
#[utoipa::path(get, path = "/api/events/stream", operation_id = "event_stream", tag = "events", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "the `id` of the last event received: the stream resumes after it")),
    responses((status = 200, description = "An event stream: `id` (the log number), `event` (the type), `data` (the event as JSON); comments as heartbeats", content_type = "text/event-stream", body = String),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem)))]
pub async fn stream(
    State(state): State<EventsState>,
    caller: AuthUser,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let user = caller.require_user()?;
    let customer = (!caller.role().is_staff()).then_some(user);
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0);
    let start = match resume {
        Some(n) => n,
        None => state.store.last_seq().await?,
    };
    let (tx, rx) = mpsc::channel(state.config.stream_buffer.max(1));
    let dropped = Arc::new(AtomicBool::new(false));
    tokio::spawn(produce(state.clone(), customer, start, tx, dropped.clone()));
    metrics::gauge!("event_streams_open").increment(1.0);
    let events = futures::stream::unfold(
        (rx, dropped, StreamGauge),
        |(mut rx, dropped, gauge)| async move {
            // Overflowed: end now rather than serve what is queued to a client this slow.
            if dropped.load(Ordering::Acquire) {
                return None;
            }
            let event = rx.recv().await?;
            Some((Ok(event), (rx, dropped, gauge)))
        },
    );
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(state.config.stream_heartbeat)
            .text("heartbeat"),
    ))
}

/// Counts the stream out when its response is dropped (client gone, overflow, shutdown).
struct StreamGauge;

impl Drop for StreamGauge {
    fn drop(&mut self) {
        metrics::gauge!("event_streams_open").decrement(1.0);
    }
}

/// Reads the log after `cursor` into the stream's queue: at once, whenever events arrive at
/// this replica, and every `stream_poll` for those that arrived at another.
async fn produce(
    state: EventsState,
    customer: Option<uuid::Uuid>,
    mut cursor: i64,
    tx: mpsc::Sender<Event>,
    dropped: Arc<AtomicBool>,
) {
    let mut arrived = state.live.subscribe();
    loop {
        let batch = match state.store.live_after(cursor, customer, PAGE).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "live stream could not read the log");
                Vec::new()
            }
        };
        for event in &batch {
            if tx.try_send(frame(event, customer.is_some())).is_err() {
                if !tx.is_closed() {
                    metrics::counter!("event_streams_dropped_total").increment(1);
                    tracing::info!("a live stream's client reads too slowly: disconnected");
                }
                dropped.store(true, Ordering::Release);
                return;
            }
            cursor = event.seq;
        }
        if batch.len() as i64 == PAGE {
            continue;
        }
        tokio::select! {
            () = tx.closed() => return,
            changed = arrived.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(state.config.stream_poll) => {}
        }
    }
}

/// Staff see events whole. A customer sees which service acted, never which member of staff:
/// a colleague's email or id is nobody else's business (and an email is half a sign-in).
fn view_for(event: &StoredEvent, for_customer: bool) -> EventView {
    let mut view = EventView::from(event);
    if for_customer {
        view.actor = contracts::events::Actor::service(&view.actor.service);
        if let Some(data) = view.data.as_object_mut() {
            data.remove("placed_by");
        }
    }
    view
}

fn frame(event: &StoredEvent, for_customer: bool) -> Event {
    let data = serde_json::to_string(&view_for(event, for_customer)).unwrap_or_default();
    Event::default()
        .id(event.seq.to_string())
        .event(event.kind.as_str())
        .data(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_never_sees_which_member_of_staff_acted() {
        let staff = uuid::Uuid::now_v7();
        let event = StoredEvent {
            seq: 1,
            id: uuid::Uuid::now_v7(),
            kind: "order.shipped".into(),
            occurred_at: chrono::Utc::now(),
            received_at: chrono::Utc::now(),
            actor_user_id: Some(staff),
            actor_email: Some("sam@shop.example".into()),
            actor_service: "orders".into(),
            entity_kind: "order".into(),
            entity_id: "o1".into(),
            data: serde_json::json!({"customer_id": "c1", "placed_by": staff, "carrier": "DHL"})
                .to_string(),
            request_id: None,
            traceparent: None,
        };
        let theirs = serde_json::to_value(view_for(&event, true)).unwrap();
        assert_eq!(theirs["actor"], serde_json::json!({"service": "orders"}));
        assert!(theirs["data"].get("placed_by").is_none());
        assert_eq!(theirs["data"]["carrier"], "DHL");
        let staffs = serde_json::to_value(view_for(&event, false)).unwrap();
        assert_eq!(staffs["actor"]["email"], "sam@shop.example");
        assert_eq!(staffs["data"]["placed_by"], staff.to_string());
    }
}

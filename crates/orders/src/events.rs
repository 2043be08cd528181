//! orders' domain events, recorded in its outbox in the same transaction as the change they
//! describe and relayed to the events service: `order.confirmed`, `order.rejected`,
//! `order.cancelled`, `order.shipped` (one per shipment), `order.fulfilled`,
//! `order.delivered`, `order.summary_ready`, `return.requested`, `return.received`,
//! `return.rejected`.
//!
//! Every event's `data` names the customer (`customer_id`): the events service shows a
//! customer's live stream only the events that name them. Orders that only failed (inventory
//! could not be asked) record nothing: the customer was answered 503 and nothing happened to
//! their order that anyone needs to hear of.

use contracts::{
    events::{Origin, MAX_DATA_BYTES},
    OrderId, OrderStatus,
};
use kernel::{
    auth::AuthUser,
    outbox::{Actor, Entity, Event},
};
use serde_json::{json, Map, Value};

use crate::{
    domain::Order,
    returns::{Condition, Return, ReturnStatus},
    shipments::Shipment,
    store::OrderChange,
    SERVICE,
};

/// The most of the AI's note to a customer an event carries, in characters.
const MAX_NOTE: usize = 2_000;

/// The longest actor email the events service takes. A longer one would have it refuse the
/// whole batch, and every later event would wait behind it.
const MAX_EMAIL: usize = 254;

/// The signed-in caller acting through orders.
pub fn actor(caller: &AuthUser) -> Actor {
    match caller.user_id() {
        Ok(id) => Actor::user(
            SERVICE,
            id,
            caller
                .claims
                .email
                .as_deref()
                .filter(|e| e.len() <= MAX_EMAIL),
        ),
        Err(_) => Actor::service(SERVICE),
    }
}

/// orders acting on its own: the sweeper settling an order a crash left pending.
pub fn background() -> Actor {
    Actor::service(SERVICE)
}

/// The request an event is recorded in (kernel's `record_*` keep the same), for the write that
/// inserts its outbox row itself.
pub fn origin() -> Origin {
    match kernel::context::current() {
        Some(ctx) => Origin {
            request_id: Some(ctx.request_id),
            traceparent: ctx.traceparent,
        },
        None => Origin::default(),
    }
}

/// What every order event says of its order.
pub struct Facts<'a> {
    pub id: OrderId,
    pub number: &'a str,
    pub customer_id: &'a str,
    pub customer_email: &'a str,
    pub total_cents: i64,
    pub currency: &'a str,
    pub placed_by: Option<&'a str>,
}

impl<'a> Facts<'a> {
    pub fn of(order: &'a Order) -> Self {
        Self {
            id: order.id,
            number: &order.number,
            customer_id: &order.customer_id,
            customer_email: &order.customer_email,
            total_cents: order.total.cents,
            currency: order.total.currency.as_str(),
            placed_by: order.placed_by.as_deref(),
        }
    }

    fn data(&self, status: OrderStatus) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert("customer_id".into(), json!(self.customer_id));
        data.insert("customer_email".into(), json!(self.customer_email));
        data.insert("number".into(), json!(self.number));
        data.insert("status".into(), json!(status.as_str()));
        data.insert("total_cents".into(), json!(self.total_cents));
        data.insert("currency".into(), json!(self.currency));
        if let Some(staff) = self.placed_by {
            data.insert("placed_by".into(), json!(staff));
        }
        data
    }

    fn event(&self, kind: &str, actor: &Actor, data: Map<String, Value>) -> Event {
        Event::new(
            kind,
            actor.clone(),
            Entity::new("order", self.id),
            bounded(data),
        )
    }
}

/// The customer's AI-written note is ready: the events service puts it in the order
/// confirmation when it has it before that email is written, and live pages show the new
/// summary. Only the note meant for the customer travels: staff's summary stays in orders.
pub fn summary_ready(
    order: OrderId,
    number: &str,
    customer_id: &str,
    customer_email: &str,
    customer_message: &str,
) -> Event {
    // The provider decides the note's length: a note too long for the events service would
    // hold up every later event, so it travels cut to what an email needs.
    let note: String = customer_message.chars().take(MAX_NOTE).collect();
    let mut data = Map::new();
    data.insert("customer_id".into(), json!(customer_id));
    data.insert("customer_email".into(), json!(customer_email));
    data.insert("number".into(), json!(number));
    data.insert("customer_message".into(), json!(note));
    Event::new(
        "order.summary_ready",
        background(),
        Entity::new("order", order),
        bounded(data),
    )
}

/// What writing a new order records: `order.confirmed` with its lines, or `order.rejected`
/// with why; nothing for an order that failed. `number` is the one the write gives it.
pub fn placed(order: &Order, number: &str, actor: &Actor) -> Option<Event> {
    let facts = Facts {
        number,
        ..Facts::of(order)
    };
    let mut data = facts.data(order.status);
    match order.status {
        OrderStatus::Confirmed => {
            let lines: Vec<Value> = order
                .lines
                .iter()
                .map(|l| {
                    json!({"product_id": l.product_id, "sku": l.sku, "name": l.name,
                           "quantity": l.quantity.get(), "unit_price_cents": l.unit_price.cents})
                })
                .collect();
            data.insert("lines".into(), Value::Array(lines));
            data.insert("placed_at".into(), json!(order.created_at));
            // Staff recording an order taken long ago (`placed_at`): receivers can tell, and
            // nobody is emailed about it as if it were new.
            if chrono::Utc::now() - order.created_at > chrono::Duration::hours(1) {
                data.insert("recorded_later".into(), json!(true));
            }
            Some(facts.event("order.confirmed", actor, data))
        }
        OrderStatus::Rejected => {
            let reason = order.history.last().and_then(|h| h.reason.as_deref());
            data.insert("reason".into(), json!(reason));
            Some(facts.event("order.rejected", actor, data))
        }
        _ => None,
    }
}

/// What an order's move to `to` records, if anything: rejected and cancelled say why.
pub fn status_changed(
    facts: &Facts<'_>,
    to: OrderStatus,
    reason: Option<&str>,
    actor: &Actor,
) -> Option<Event> {
    let kind = match to {
        OrderStatus::Rejected => "order.rejected",
        OrderStatus::Cancelled => "order.cancelled",
        OrderStatus::Fulfilled => "order.fulfilled",
        OrderStatus::Delivered => "order.delivered",
        _ => return None,
    };
    let mut data = facts.data(to);
    if matches!(to, OrderStatus::Rejected | OrderStatus::Cancelled) {
        data.insert("reason".into(), json!(reason));
    }
    Some(facts.event(kind, actor, data))
}

/// What a fulfilment step on `order` (as it was before the step) records.
pub fn of_change(order: &Order, change: &OrderChange, actor: &Actor) -> Vec<Event> {
    let facts = Facts::of(order);
    match change {
        OrderChange::Replayed(_) => Vec::new(),
        OrderChange::Ship { shipment, status } => {
            let now = status.as_ref().map_or(order.status, |s| s.to);
            let mut data = facts.data(now);
            data.insert("shipment_id".into(), json!(shipment.id));
            data.insert("carrier".into(), json!(shipment.carrier));
            data.insert("tracking_number".into(), json!(shipment.tracking_number));
            data.insert("lines".into(), shipped_lines(order, shipment));
            let mut events = vec![facts.event("order.shipped", actor, data)];
            if now == OrderStatus::Fulfilled && order.status != now {
                events.extend(status_changed(&facts, now, None, actor));
            }
            events
        }
        OrderChange::Deliver {
            shipment_id,
            status: Some(step),
            ..
        } if step.to == OrderStatus::Delivered => {
            let mut data = facts.data(step.to);
            data.insert("shipment_id".into(), json!(shipment_id));
            vec![facts.event("order.delivered", actor, data)]
        }
        OrderChange::Deliver { .. } => Vec::new(),
        OrderChange::NewReturn(r) => vec![returned("return.requested", order, r, actor)],
        OrderChange::UpdateReturn(r) => match r.status {
            ReturnStatus::Received => vec![returned("return.received", order, r, actor)],
            ReturnStatus::Rejected => vec![returned("return.rejected", order, r, actor)],
            ReturnStatus::Requested => Vec::new(),
        },
    }
}

/// A shipment's lines with the names the order gave them.
fn shipped_lines(order: &Order, shipment: &Shipment) -> Value {
    shipment
        .lines
        .iter()
        .map(|s| {
            let line = order.lines.iter().find(|l| l.product_id == s.product_id);
            json!({"product_id": s.product_id, "sku": line.map(|l| l.sku.as_str()),
                   "name": line.map(|l| l.name.as_str()), "quantity": s.quantity})
        })
        .collect()
}

/// A return event: the return, its order's number and its customer. A received return lists
/// its units per condition; a requested one the units asked back.
fn returned(kind: &str, order: &Order, r: &Return, actor: &Actor) -> Event {
    let mut data = Map::new();
    data.insert("order_id".into(), json!(r.order_id));
    data.insert("order_number".into(), json!(order.number));
    data.insert("customer_id".into(), json!(r.customer_id));
    data.insert("customer_email".into(), json!(order.customer_email));
    data.insert("status".into(), json!(r.status.as_str()));
    data.insert("refund_cents".into(), json!(r.refund_cents));
    data.insert("currency".into(), json!(r.currency));
    let lines: Vec<Value> = match r.status {
        ReturnStatus::Received => r
            .lines
            .iter()
            .flat_map(|l| {
                [
                    (Condition::Restock, l.restocked),
                    (Condition::Damaged, l.damaged),
                ]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(move |(condition, n)| {
                    json!({"product_id": l.product_id, "sku": l.sku, "name": l.name,
                           "quantity": n, "condition": condition})
                })
            })
            .collect(),
        _ => r
            .lines
            .iter()
            .map(|l| {
                json!({"product_id": l.product_id, "sku": l.sku, "name": l.name,
                       "quantity": l.quantity})
            })
            .collect(),
    };
    data.insert("lines".into(), Value::Array(lines));
    let reason = match r.status {
        ReturnStatus::Rejected => r.reject_reason.as_deref(),
        _ => Some(r.reason.as_str()),
    };
    data.insert("reason".into(), json!(reason));
    Event::new(
        kind,
        actor.clone(),
        Entity::new("return", r.id),
        bounded(data),
    )
}

/// `data` as the events service takes it: within its size limit. Only the lines can make it
/// that large (100 long names); past the limit they are left out and the event says so,
/// since an event refused would hold up every later one.
fn bounded(mut data: Map<String, Value>) -> Value {
    let size = |d: &Map<String, Value>| serde_json::to_vec(d).map_or(usize::MAX, |v| v.len());
    if size(&data) > MAX_DATA_BYTES {
        data.remove("lines");
        data.insert("lines_omitted".into(), json!(true));
    }
    Value::Object(data)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use contracts::{Currency, Money, ProductId, Quantity};

    use super::*;
    use crate::{
        domain::Line,
        model::{AiSummary, HistoryEntry},
        shipments::ShipmentLine,
        store::StatusStep,
    };

    fn order(status: OrderStatus, name: &str, lines: usize) -> Order {
        let usd = Currency::parse("USD").unwrap();
        Order {
            id: OrderId::new_v7(),
            number: "SR-001001".into(),
            customer_id: uuid::Uuid::now_v7().to_string(),
            customer_email: "ana@example.com".into(),
            status,
            lines: (0..lines)
                .map(|_| Line {
                    product_id: ProductId::new_v7(),
                    sku: "TEA".into(),
                    name: name.into(),
                    quantity: Quantity::new(2).unwrap(),
                    unit_price: Money::new(450, usd.clone()),
                    line_total: Money::new(900, usd.clone()),
                })
                .collect(),
            total: Money::new(900 * lines as i64, usd),
            note: None,
            shipping_address: None,
            placed_by: None,
            ai_summary: AiSummary::disabled(),
            history: vec![HistoryEntry {
                status,
                at: Utc::now(),
                by: None,
                reason: Some("out of stock".into()),
            }],
            shipments: Vec::new(),
            returns: Vec::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_placed_order_records_confirmed_with_its_lines_or_rejected_with_why_and_failed_nothing() {
        let actor = background();
        let confirmed = order(OrderStatus::Confirmed, "Tea", 2);
        let event = placed(&confirmed, "SR-001002", &actor).expect("an event");
        assert_eq!(event.kind, "order.confirmed");
        assert_eq!(event.entity, Entity::new("order", confirmed.id));
        assert_eq!(event.data["customer_id"], confirmed.customer_id);
        assert_eq!(event.data["number"], "SR-001002", "the number written");
        assert_eq!(event.data["total_cents"], 1800);
        assert_eq!(event.data["lines"][1]["unit_price_cents"], 450);
        assert!(event.data.get("placed_by").is_none());
        let rejected = placed(&order(OrderStatus::Rejected, "Tea", 1), "SR-1", &actor).unwrap();
        assert_eq!(rejected.kind, "order.rejected");
        assert_eq!(rejected.data["reason"], "out of stock");
        assert!(placed(&order(OrderStatus::Failed, "Tea", 1), "SR-1", &actor).is_none());
    }

    #[test]
    fn the_last_shipment_records_shipped_then_fulfilled() {
        let mut o = order(OrderStatus::Confirmed, "Tea", 1);
        let shipment = Shipment {
            id: uuid::Uuid::now_v7(),
            lines: vec![ShipmentLine {
                product_id: o.lines[0].product_id,
                quantity: 2,
            }],
            carrier: Some("DHL".into()),
            tracking_number: Some("JD1".into()),
            shipped_at: Utc::now(),
            shipped_by: None,
            delivered_at: None,
            idempotency_key: None,
            request_hash: None,
        };
        let step = StatusStep::new(
            OrderStatus::Confirmed,
            OrderStatus::Fulfilled,
            Utc::now(),
            "s",
            None,
        );
        let change = OrderChange::Ship {
            shipment,
            status: Some(step),
        };
        o.placed_by = Some("staff-1".into());
        let events = of_change(&o, &change, &background());
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["order.shipped", "order.fulfilled"]);
        assert_eq!(events[0].data["lines"][0]["name"], "Tea");
        assert_eq!(events[0].data["carrier"], "DHL");
        assert_eq!(events[1].data["status"], "fulfilled");
        assert_eq!(events[1].data["placed_by"], "staff-1");
        assert!(of_change(&o, &OrderChange::Replayed(uuid::Uuid::nil()), &background()).is_empty());
    }

    #[test]
    fn lines_too_large_for_the_events_service_are_left_out() {
        let o = order(OrderStatus::Confirmed, &"名".repeat(200), 100);
        let event = placed(&o, "SR-1", &background()).unwrap();
        assert!(serde_json::to_vec(&event.data).unwrap().len() <= MAX_DATA_BYTES);
        assert_eq!(event.data["lines_omitted"], true);
        assert_eq!(event.data["customer_id"], o.customer_id);
    }

    #[test]
    fn an_ai_note_of_any_length_makes_an_event_the_events_service_takes() {
        let huge = "é".repeat(300_000);
        let event = summary_ready(OrderId::new_v7(), "SR-000001", "c1", "a@b.example", &huge);
        let note = event.data["customer_message"].as_str().unwrap();
        assert_eq!(note.chars().count(), MAX_NOTE);
        assert!(serde_json::to_vec(&event.data).unwrap().len() < MAX_DATA_BYTES);
    }
}

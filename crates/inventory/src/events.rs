//! inventory's domain events, recorded in its outbox in the same transaction as the change
//! (after the statement that locks the product or purchase order) and relayed to the events
//! service. The actor is the signed-in user (`user_id`, `email`) for staff requests, and
//! inventory itself (`{"service": "inventory"}`) for what orders asks (reservations, returns).
//!
//! | type | entity | data |
//! |---|---|---|
//! | `product.created` | product | sku, name, category, price_cents, currency, on_hand (initial stock), reorder_point, reorder_quantity, supplier_id, cost_cents, active |
//! | `product.updated` | product | sku, changes: {field: {before, after}} for the fields that changed only: name, description, category, price_cents, reorder_point, reorder_quantity, supplier_id, cost_cents, active (only `false` → `true`) |
//! | `product.archived` | product | sku, name |
//! | `stock.adjusted` | product | sku, name, delta, kind (`received`, `returned`, `damaged`, `lost`, `correction`), note, on_hand, available (after); a receipt adds purchase_order_id, number; a return adds order_id, return_id |
//! | `stock.low` | product | sku, name, available, reorder_point (the effective one), kind (the movement that crossed it); a reservation adds order_id |
//! | `stock.out` | product | as `stock.low` |
//! | `purchase_order.created` | purchase_order | number, supplier_id, supplier_name, status, expected_at, lines [{product_id, sku, quantity_ordered, unit_cost_cents}], total_cents, currency |
//! | `purchase_order.ordered` | purchase_order | number, supplier_id, supplier_name, status, expected_at |
//! | `purchase_order.received` | purchase_order | as `.ordered`, plus lines [{product_id, sku, received (this receipt), quantity_received, quantity_ordered}], note |
//! | `purchase_order.cancelled`, `.closed` | purchase_order | as `.ordered`, plus reason |
//! | `supplier.created` | supplier | name, contact_email, phone, lead_time_days |
//! | `supplier.updated` | supplier | name, changes: {field: {before, after}} |
//!
//! `stock.low` is recorded when an active product's available stock falls from above its
//! reorder point to at or below it (a point of 0 records none), `stock.out` when it falls to 0;
//! a fall through both records both, low first. Only falls record them: manual adjustments,
//! stocktake corrections and reservations.
//!
//! `data` stays well under the events service's limit whatever staff type: an event it
//! refused would hold up every later one in the outbox, so free text is cut here.

use kernel::{
    auth::{AuthUser, Role},
    outbox::{Actor, Entity, Event},
};
use serde_json::{json, Map, Value};

use crate::{
    domain::Reason,
    model::{Product, Supplier},
    purchasing_model::PurchaseOrder,
    store::NewAdjustment,
    SERVICE,
};

/// Characters of a description (or a note) an event carries; the rest is cut.
const MAX_TEXT: usize = 1000;

/// Who a request acts as: the signed-in user, or inventory itself for a service's call.
pub fn actor(caller: &AuthUser) -> Actor {
    match caller.user_id() {
        Ok(id) if caller.role() != Role::Service => {
            Actor::user(SERVICE, id, caller.claims.email.as_deref())
        }
        _ => Actor::service(SERVICE),
    }
}

/// `text` with at most [`MAX_TEXT`] characters.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_TEXT) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Adds `field` to `changes` as `{before, after}` when the two differ.
fn change(changes: &mut Map<String, Value>, field: &str, before: Value, after: Value) {
    if before != after {
        changes.insert(field.into(), json!({"before": before, "after": after}));
    }
}

fn product_entity(id: impl ToString) -> Entity {
    Entity::new("product", id)
}

pub fn product_created(p: &Product, by: &Actor) -> Event {
    Event::new(
        "product.created",
        by.clone(),
        product_entity(p.id),
        json!({
            "sku": p.sku, "name": p.name, "category": p.category, "price_cents": p.price_cents,
            "currency": p.currency, "on_hand": p.on_hand, "reorder_point": p.reorder_point,
            "reorder_quantity": p.reorder_quantity, "supplier_id": p.supplier_id,
            "cost_cents": p.cost_cents, "active": p.active,
        }),
    )
}

/// What an edit of `before` into `after` records: `product.updated` with the fields that
/// changed (none: nothing), and `product.archived` when it stopped being sold. Bringing an
/// archived product back is an update of `active`.
pub fn product_changed(before: &Product, after: &Product, by: &Actor) -> Vec<Event> {
    let mut changes = Map::new();
    let c = &mut changes;
    change(c, "name", json!(before.name), json!(after.name));
    // Compared whole, recorded cut: a change past the cut is still a change.
    if before.description != after.description {
        let (old, new) = (cut(&before.description), cut(&after.description));
        c.insert("description".into(), json!({"before": old, "after": new}));
    }
    change(c, "category", json!(before.category), json!(after.category));
    change(
        c,
        "price_cents",
        json!(before.price_cents),
        json!(after.price_cents),
    );
    change(
        c,
        "reorder_point",
        json!(before.reorder_point),
        json!(after.reorder_point),
    );
    change(
        c,
        "reorder_quantity",
        json!(before.reorder_quantity),
        json!(after.reorder_quantity),
    );
    change(
        c,
        "supplier_id",
        json!(before.supplier_id),
        json!(after.supplier_id),
    );
    change(
        c,
        "cost_cents",
        json!(before.cost_cents),
        json!(after.cost_cents),
    );
    if !before.active && after.active {
        change(c, "active", json!(false), json!(true));
    }
    let mut events = Vec::new();
    if !changes.is_empty() {
        events.push(Event::new(
            "product.updated",
            by.clone(),
            product_entity(after.id),
            json!({"sku": after.sku, "changes": changes}),
        ));
    }
    if before.active && !after.active {
        events.push(Event::new(
            "product.archived",
            by.clone(),
            product_entity(after.id),
            json!({"sku": after.sku, "name": after.name}),
        ));
    }
    events
}

/// A product's stock as a change left it, and what its stock events name.
#[derive(Debug, Clone)]
pub struct Level<'a> {
    pub product_id: uuid::Uuid,
    pub sku: &'a str,
    pub name: &'a str,
    pub on_hand: i64,
    pub reserved: i64,
}

impl Level<'_> {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

impl<'a> From<&'a Product> for Level<'a> {
    fn from(p: &'a Product) -> Self {
        Self {
            product_id: p.id.as_uuid(),
            sku: &p.sku,
            name: &p.name,
            on_hand: p.on_hand,
            reserved: p.reserved,
        }
    }
}

/// `stock.adjusted`: `delta` units on hand for `kind`; `context` adds what the movement
/// names (the purchase order, the order and return).
pub fn stock_adjusted(
    level: &Level<'_>,
    delta: i64,
    kind: Reason,
    note: Option<&str>,
    context: Value,
    by: &Actor,
) -> Event {
    let mut data = json!({
        "sku": level.sku, "name": level.name, "delta": delta, "kind": kind.as_str(),
        "note": note.map(cut), "on_hand": level.on_hand, "available": level.available(),
    });
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), context) {
        data.extend(extra);
    }
    Event::new(
        "stock.adjusted",
        by.clone(),
        product_entity(level.product_id),
        data,
    )
}

/// What a manual adjustment records, given the product as it left it: `stock.adjusted`, and
/// for an active product the thresholds its available stock fell through.
pub fn adjusted(product: &Product, a: &NewAdjustment<'_>, by: &Actor) -> Vec<Event> {
    let level = Level::from(product);
    let mut events = vec![stock_adjusted(
        &level,
        a.delta,
        a.reason,
        a.note,
        json!({}),
        by,
    )];
    if product.active {
        let cause = json!({"kind": a.reason.as_str()});
        let before = level.available() - a.delta;
        let point = product.effective_reorder_point;
        events.extend(thresholds(&level, before, point, cause, by));
    }
    events
}

/// Which thresholds a fall of available stock from `before` to `after` went through: the
/// reorder point (low stock is `available <= reorder_point`; a point of 0 means none) and 0.
pub fn crossed(before: i64, after: i64, reorder_point: i64) -> (bool, bool) {
    let low = reorder_point > 0 && before > reorder_point && after <= reorder_point;
    let out = before > 0 && after <= 0;
    (low, out)
}

/// `stock.low` and `stock.out` for a fall of available stock from `before` to where `level`
/// stands, for an active product judged at `reorder_point` (the effective one). A fall
/// through both records both, low first. `context` names the cause (the movement's kind, the
/// order that reserved).
pub fn thresholds(
    level: &Level<'_>,
    before: i64,
    reorder_point: i64,
    context: Value,
    by: &Actor,
) -> Vec<Event> {
    let (low, out) = crossed(before, level.available(), reorder_point);
    let mut data = json!({
        "sku": level.sku, "name": level.name, "available": level.available(),
        "reorder_point": reorder_point,
    });
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), context) {
        data.extend(extra);
    }
    [(low, "stock.low"), (out, "stock.out")]
        .into_iter()
        .filter(|(happened, _)| *happened)
        .map(|(_, kind)| {
            Event::new(
                kind,
                by.clone(),
                product_entity(level.product_id),
                data.clone(),
            )
        })
        .collect()
}

/// `purchase_order.<step>` (`created`, `ordered`, `cancelled`, `closed`) for `order` as it
/// now stands; `reason` is a cancel's or close's.
pub fn purchase_order(
    step: &str,
    order: &PurchaseOrder,
    reason: Option<&str>,
    by: &Actor,
) -> Event {
    let mut data = po_head(order);
    if step == "created" {
        let lines: Vec<Value> = order
            .lines
            .iter()
            .map(|l| {
                json!({"product_id": l.product_id, "sku": l.sku, "quantity_ordered": l.quantity_ordered,
                       "unit_cost_cents": l.unit_cost_cents})
            })
            .collect();
        data["lines"] = json!(lines);
        data["total_cents"] = json!(order.total_cents);
        data["currency"] = json!(order.currency);
    }
    if let Some(reason) = reason {
        data["reason"] = json!(cut(reason));
    }
    Event::new(
        &format!("purchase_order.{step}"),
        by.clone(),
        Entity::new("purchase_order", order.id),
        data,
    )
}

/// `purchase_order.received`: one receipt, `received` units per product, into `order` as it
/// now stands.
pub fn purchase_order_received(
    order: &PurchaseOrder,
    received: &[(uuid::Uuid, i64)],
    note: Option<&str>,
    by: &Actor,
) -> Event {
    let mut data = po_head(order);
    let lines: Vec<Value> = received
        .iter()
        .filter_map(|(product, units)| {
            let line = order.lines.iter().find(|l| l.product_id == *product)?;
            Some(json!({
                "product_id": product, "sku": line.sku, "received": units,
                "quantity_received": line.quantity_received, "quantity_ordered": line.quantity_ordered,
            }))
        })
        .collect();
    data["lines"] = json!(lines);
    data["note"] = json!(note.map(cut));
    Event::new(
        "purchase_order.received",
        by.clone(),
        Entity::new("purchase_order", order.id),
        data,
    )
}

fn po_head(order: &PurchaseOrder) -> Value {
    json!({
        "number": order.number, "supplier_id": order.supplier_id,
        "supplier_name": order.supplier_name, "status": order.status.as_str(),
        "expected_at": order.expected_at,
    })
}

pub fn supplier_created(s: &Supplier, by: &Actor) -> Event {
    Event::new(
        "supplier.created",
        by.clone(),
        Entity::new("supplier", s.id),
        json!({"name": s.name, "contact_email": s.contact_email, "phone": s.phone,
               "lead_time_days": s.lead_time_days}),
    )
}

/// `supplier.updated` with the fields that changed; none: no event.
pub fn supplier_changed(before: &Supplier, after: &Supplier, by: &Actor) -> Option<Event> {
    let mut changes = Map::new();
    let c = &mut changes;
    change(c, "name", json!(before.name), json!(after.name));
    change(
        c,
        "contact_email",
        json!(before.contact_email),
        json!(after.contact_email),
    );
    change(c, "phone", json!(before.phone), json!(after.phone));
    change(
        c,
        "lead_time_days",
        json!(before.lead_time_days),
        json!(after.lead_time_days),
    );
    (!changes.is_empty()).then(|| {
        Event::new(
            "supplier.updated",
            by.clone(),
            Entity::new("supplier", after.id),
            json!({"name": after.name, "changes": changes}),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fall_records_each_threshold_it_goes_through_once() {
        // (before, after, reorder point) → (low, out)
        let cases = [
            ((15, 12, 10), (false, false)),
            ((15, 10, 10), (true, false)),
            ((10, 8, 10), (false, false)),
            ((8, 0, 10), (false, true)),
            ((15, 0, 10), (true, true)),
            ((0, 0, 10), (false, false)),
            ((5, 0, 0), (false, true)),
            ((5, 3, 0), (false, false)),
            ((3, 12, 10), (false, false)),
        ];
        for ((before, after, point), expected) in cases {
            assert_eq!(
                crossed(before, after, point),
                expected,
                "{before} → {after} at {point}"
            );
        }
    }

    fn product() -> Product {
        let at = chrono::Utc::now();
        Product {
            id: contracts::ProductId(uuid::Uuid::now_v7()),
            sku: "TEA".into(),
            name: "Tea".into(),
            description: "é".repeat(3000),
            category: "drinks".into(),
            supplier_id: None,
            price_cents: 450,
            currency: "EUR".into(),
            on_hand: 10,
            reserved: 0,
            available: 10,
            reorder_point: 0,
            effective_reorder_point: 10,
            reorder_quantity: 0,
            on_order: 0,
            cost_cents: None,
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn an_update_names_only_what_changed_and_archiving_is_its_own_event() {
        let by = Actor::service(SERVICE);
        let before = product();
        let same = product_changed(&before, &before.clone(), &by);
        assert!(same.is_empty(), "no change, no event");
        let after = Product {
            price_cents: 500,
            description: "ê".repeat(3000),
            active: false,
            ..before.clone()
        };
        let events = product_changed(&before, &after, &by);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["product.updated", "product.archived"]);
        let changes = events[0].data["changes"].as_object().unwrap();
        let mut fields: Vec<&str> = changes.keys().map(String::as_str).collect();
        fields.sort();
        assert_eq!(fields, ["description", "price_cents"]);
        assert_eq!(changes["price_cents"], json!({"before": 450, "after": 500}));
        let cut = changes["description"]["after"].as_str().unwrap();
        assert_eq!(cut.chars().count(), MAX_TEXT, "long text is cut");
        let back = product_changed(&after, &before, &by);
        assert_eq!(back.len(), 1);
        assert_eq!(
            back[0].data["changes"]["active"],
            json!({"before": false, "after": true})
        );
    }
}

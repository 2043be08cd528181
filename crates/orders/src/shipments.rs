//! Shipments: which units of an order left, with which carrier, and when they arrived. The
//! rules are here, on an order read under its lock ([`crate::store::OrdersStore::change_order`]);
//! [`crate::fulfilment`] carries them out across orders and inventory.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use contracts::{OrderStatus, ProductId, Quantity};
use kernel::{idempotency::mismatch, AppError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{invalid_transition, LineRequest, Order},
    store::{OrderChange, StatusStep},
};

/// Units of one product in a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShipmentLine {
    pub product_id: ProductId,
    #[schema(minimum = 1, maximum = 10_000)]
    pub quantity: i64,
}

/// Units that left together.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Shipment {
    pub id: Uuid,
    pub lines: Vec<ShipmentLine>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub shipped_at: DateTime<Utc>,
    /// The staff member who shipped it.
    pub shipped_by: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The `Idempotency-Key` it was created with, and a fingerprint of its request.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
    #[serde(skip)]
    pub request_hash: Option<String>,
}

/// `POST /api/orders/{id}/shipments`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShipment {
    /// The units to ship; everything not yet shipped when absent.
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Option<Vec<LineRequest>>,
    #[schema(min_length = 1, max_length = 100)]
    pub carrier: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9 ._/-]+$")]
    pub tracking_number: Option<String>,
}

/// A valid shipment request.
#[derive(Debug, Clone)]
pub struct ShipRequest {
    /// `None`: all that is left.
    pub lines: Option<Vec<(ProductId, Quantity)>>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub key: Option<String>,
}

impl ShipRequest {
    pub fn parse(req: CreateShipment, key: Option<String>) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let lines = req.lines.map(|lines| {
            if lines.is_empty() || lines.len() > crate::domain::MAX_LINES {
                errors.push(FieldError::new("lines", "must have 1 to 100 lines"));
            }
            let mut parsed: Vec<(ProductId, Quantity)> = Vec::with_capacity(lines.len());
            for (i, line) in lines.iter().enumerate() {
                match Quantity::new(line.quantity) {
                    Ok(_) if parsed.iter().any(|(p, _)| *p == line.product_id) => {
                        errors.push(FieldError::new(
                            format!("lines[{i}].product_id"),
                            "appears twice; merge the lines",
                        ))
                    }
                    Ok(q) => parsed.push((line.product_id, q)),
                    Err(e) => errors.push(FieldError::new(
                        format!("lines[{i}].quantity"),
                        e.to_string(),
                    )),
                }
            }
            parsed
        });
        let carrier = text_field("carrier", req.carrier, &mut errors, |_| true);
        let tracking_number =
            text_field("tracking_number", req.tracking_number, &mut errors, |c| {
                c.is_ascii_alphanumeric() || " ._/-".contains(c)
            });
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self {
            lines,
            carrier,
            tracking_number,
            key,
        })
    }

    /// Tells a retry from another request with the same key.
    pub fn fingerprint(&self) -> String {
        let lines: Option<BTreeMap<String, i64>> = self
            .lines
            .as_ref()
            .map(|l| l.iter().map(|(p, q)| (p.to_string(), q.get())).collect());
        crate::domain::digest(&serde_json::json!({
            "lines": lines, "carrier": self.carrier, "tracking_number": self.tracking_number,
        }))
    }
}

/// A trimmed optional text of at most 100 characters allowed by `ok`.
fn text_field(
    field: &str,
    value: Option<String>,
    errors: &mut Vec<FieldError>,
    ok: impl Fn(char) -> bool,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())?;
    if value.chars().count() > 100 {
        errors.push(FieldError::new(field, "must be at most 100 characters"));
    } else if !value.chars().all(ok) {
        errors.push(FieldError::new(
            field,
            "may hold only letters, digits, spaces and . _ / -",
        ));
    }
    Some(value)
}

/// Units of each product (in the order's line order) not shipped yet.
pub fn unshipped(order: &Order) -> Vec<(ProductId, i64)> {
    order
        .lines
        .iter()
        .map(|l| {
            let shipped: i64 = shipped_of(order, l.product_id);
            (l.product_id, l.quantity.get() - shipped)
        })
        .collect()
}

/// Units of `product` shipped so far.
pub fn shipped_of(order: &Order, product: ProductId) -> i64 {
    order
        .shipments
        .iter()
        .flat_map(|s| &s.lines)
        .filter(|l| l.product_id == product)
        .map(|l| l.quantity)
        .sum()
}

/// What shipping `req` does to `order`: a new shipment (and the order's next state), the
/// shipment a retry of the same key already made, or why not.
pub fn plan(
    order: &Order,
    req: &ShipRequest,
    fingerprint: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<OrderChange, AppError> {
    if let Some(key) = &req.key {
        if let Some(done) = order
            .shipments
            .iter()
            .find(|s| s.idempotency_key.as_deref() == Some(key))
        {
            return if done.request_hash.as_deref() == Some(fingerprint) {
                Ok(OrderChange::Replayed(done.id))
            } else {
                Err(mismatch())
            };
        }
    }
    if !order.status.ships() {
        return Err(AppError::conflict(
            "invalid-transition",
            "Invalid status change",
            format!(
                "an order that is {} cannot ship; only confirmed and partially fulfilled orders do",
                order.status
            ),
        ));
    }
    let left = unshipped(order);
    let lines: Vec<ShipmentLine> = match &req.lines {
        None => left
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|&(product_id, quantity)| ShipmentLine {
                product_id,
                quantity,
            })
            .collect(),
        Some(asked) => {
            let mut unknown = Vec::new();
            let mut over = Vec::new();
            for (i, (product, quantity)) in asked.iter().enumerate() {
                match left.iter().find(|(p, _)| p == product) {
                    None => unknown.push(FieldError::new(
                        format!("lines[{i}].product_id"),
                        "is not in this order",
                    )),
                    Some((_, n)) if quantity.get() > *n => over.push(FieldError::new(
                        format!("lines[{i}].quantity"),
                        format!("only {n} left to ship"),
                    )),
                    Some(_) => {}
                }
            }
            if !unknown.is_empty() {
                return Err(AppError::Validation(unknown));
            }
            if !over.is_empty() {
                return Err(over_shipment(over));
            }
            asked
                .iter()
                .map(|&(product_id, q)| ShipmentLine {
                    product_id,
                    quantity: q.get(),
                })
                .collect()
        }
    };
    if lines.is_empty() {
        return Err(over_shipment(Vec::new()));
    }
    let shipped_now: i64 = lines.iter().map(|l| l.quantity).sum();
    let left_total: i64 = left.iter().map(|(_, n)| n).sum();
    let to = if shipped_now == left_total {
        OrderStatus::Fulfilled
    } else {
        OrderStatus::PartiallyFulfilled
    };
    let status = (to != order.status)
        .then(|| {
            order
                .status
                .transition(to)
                .map(|to| StatusStep::new(order.status, to, at, by, None))
        })
        .transpose()
        .map_err(invalid_transition)?;
    Ok(OrderChange::Ship {
        shipment: Shipment {
            id: Uuid::now_v7(),
            lines,
            carrier: req.carrier.clone(),
            tracking_number: req.tracking_number.clone(),
            shipped_at: at,
            shipped_by: Some(by.to_string()),
            delivered_at: None,
            idempotency_key: req.key.clone(),
            request_hash: Some(fingerprint.to_string()),
        },
        status,
    })
}

fn over_shipment(errors: Vec<FieldError>) -> AppError {
    let mut problem = kernel::Problem::new(
        axum::http::StatusCode::CONFLICT,
        "over-shipment",
        "More than is left to ship",
    )
    .detail(if errors.is_empty() {
        "nothing is left to ship".to_string()
    } else {
        "some lines ask for more units than are left to ship".to_string()
    });
    problem.errors = errors;
    AppError::Problem(Box::new(problem))
}

/// Marks shipment `id` delivered; the order is `delivered` once it is fulfilled and every
/// shipment has arrived.
pub fn deliver(
    order: &Order,
    id: Uuid,
    by: &str,
    at: DateTime<Utc>,
) -> Result<OrderChange, AppError> {
    let shipment = order
        .shipments
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::NotFound("no shipment with this id in this order".into()))?;
    if let Some(when) = shipment.delivered_at {
        return Err(AppError::conflict(
            "already-delivered",
            "Already delivered",
            format!(
                "this shipment was marked delivered at {}",
                when.to_rfc3339()
            ),
        ));
    }
    let all_arrived = order
        .shipments
        .iter()
        .all(|s| s.id == id || s.delivered_at.is_some());
    let status = (order.status == OrderStatus::Fulfilled && all_arrived)
        .then(|| StatusStep::new(order.status, OrderStatus::Delivered, at, by, None));
    Ok(OrderChange::Deliver {
        shipment_id: id,
        at,
        status,
    })
}

#[cfg(test)]
mod tests {
    use contracts::{Currency, Money, OrderId};

    use super::*;
    use crate::{domain::Line, model::AiSummary};

    fn order(status: OrderStatus, lines: &[(ProductId, i64)]) -> Order {
        let usd = Money::zero(Currency::parse("USD").unwrap());
        Order {
            id: OrderId::new_v7(),
            number: "SR-001001".into(),
            customer_id: "c".into(),
            customer_email: "c@example.com".into(),
            status,
            lines: lines
                .iter()
                .map(|&(product_id, q)| Line {
                    product_id,
                    sku: "S".into(),
                    name: "N".into(),
                    quantity: Quantity::new(q).unwrap(),
                    unit_price: usd.clone(),
                    line_total: usd.clone(),
                })
                .collect(),
            total: usd,
            note: None,
            shipping_address: None,
            placed_by: None,
            ai_summary: AiSummary::disabled(),
            history: Vec::new(),
            shipments: Vec::new(),
            returns: Vec::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn ask(lines: Option<Vec<(ProductId, i64)>>) -> ShipRequest {
        ShipRequest {
            lines: lines.map(|l| {
                l.into_iter()
                    .map(|(p, q)| (p, Quantity::new(q).unwrap()))
                    .collect()
            }),
            carrier: None,
            tracking_number: None,
            key: Some("k".into()),
        }
    }

    fn shipped(change: OrderChange) -> (Shipment, Option<StatusStep>) {
        match change {
            OrderChange::Ship { shipment, status } => (shipment, status),
            _ => panic!("expected a shipment"),
        }
    }

    #[test]
    fn a_partial_shipment_then_the_rest_fulfils_the_order() {
        let (tea, mug) = (ProductId::new_v7(), ProductId::new_v7());
        let mut o = order(OrderStatus::Confirmed, &[(tea, 3), (mug, 1)]);
        let (first, status) =
            shipped(plan(&o, &ask(Some(vec![(tea, 2)])), "h1", "s", Utc::now()).unwrap());
        assert_eq!(status.unwrap().to, OrderStatus::PartiallyFulfilled);
        o.shipments.push(first);
        o.status = OrderStatus::PartiallyFulfilled;
        let mut rest = ask(None);
        rest.key = Some("k2".into());
        let (second, status) = shipped(plan(&o, &rest, "h2", "s", Utc::now()).unwrap());
        assert_eq!(
            second.lines,
            [
                ShipmentLine {
                    product_id: tea,
                    quantity: 1
                },
                ShipmentLine {
                    product_id: mug,
                    quantity: 1
                }
            ]
        );
        assert_eq!(status.unwrap().to, OrderStatus::Fulfilled);
    }

    #[test]
    fn over_shipping_and_foreign_products_are_refused_and_a_key_replays() {
        let tea = ProductId::new_v7();
        let mut o = order(OrderStatus::Confirmed, &[(tea, 2)]);
        let over = plan(&o, &ask(Some(vec![(tea, 3)])), "h", "s", Utc::now()).unwrap_err();
        assert_eq!(over.to_problem().status, 409);
        let foreign = plan(
            &o,
            &ask(Some(vec![(ProductId::new_v7(), 1)])),
            "h",
            "s",
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(foreign.to_problem().status, 422);
        let (first, _) = shipped(plan(&o, &ask(None), "h", "s", Utc::now()).unwrap());
        let id = first.id;
        o.shipments.push(first);
        o.status = OrderStatus::Fulfilled;
        assert!(matches!(
            plan(&o, &ask(None), "h", "s", Utc::now()),
            Ok(OrderChange::Replayed(same)) if same == id
        ));
        assert_eq!(
            plan(&o, &ask(None), "other", "s", Utc::now())
                .unwrap_err()
                .to_problem()
                .status,
            422
        );
        let mut fresh = ask(None);
        fresh.key = None;
        assert_eq!(
            plan(&o, &fresh, "h", "s", Utc::now())
                .unwrap_err()
                .to_problem()
                .status,
            409
        );
    }

    #[test]
    fn the_order_is_delivered_when_fulfilled_and_every_shipment_arrived() {
        let tea = ProductId::new_v7();
        let mut o = order(OrderStatus::Confirmed, &[(tea, 2)]);
        let (a, _) = shipped(plan(&o, &ask(Some(vec![(tea, 1)])), "h", "s", Utc::now()).unwrap());
        o.shipments.push(a.clone());
        o.status = OrderStatus::PartiallyFulfilled;
        match deliver(&o, a.id, "s", Utc::now()).unwrap() {
            OrderChange::Deliver { status, .. } => assert!(status.is_none()),
            _ => panic!("expected a delivery"),
        }
        o.shipments[0].delivered_at = Some(Utc::now());
        assert_eq!(
            deliver(&o, a.id, "s", Utc::now())
                .unwrap_err()
                .to_problem()
                .status,
            409
        );
        let mut rest = ask(None);
        rest.key = None;
        let (b, _) = shipped(plan(&o, &rest, "h", "s", Utc::now()).unwrap());
        o.shipments.push(b.clone());
        o.status = OrderStatus::Fulfilled;
        match deliver(&o, b.id, "s", Utc::now()).unwrap() {
            OrderChange::Deliver { status, .. } => {
                assert_eq!(status.unwrap().to, OrderStatus::Delivered)
            }
            _ => panic!("expected a delivery"),
        }
        assert_eq!(
            deliver(&o, Uuid::now_v7(), "s", Utc::now())
                .unwrap_err()
                .to_problem()
                .status,
            404
        );
    }
}

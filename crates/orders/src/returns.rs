//! Returns: a customer (within the return window) or staff asks to send shipped units back;
//! staff receive each unit as `restock` (back on hand at inventory) or `damaged` (recorded on
//! the return, not on hand), or reject the request. The rules are here, on an order read
//! under its lock; [`crate::fulfilment`] carries them out across orders and inventory.
//!
//! What counts as returned already: a requested return its requested units, a received one
//! the units received, a rejected one nothing. So two requests together never ask back more
//! than was shipped.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use contracts::{OrderId, ProductId, Quantity};
use kernel::{idempotency::mismatch, AppError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{LineRequest, Order},
    shipments::shipped_of,
    store::OrderChange,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnStatus {
    Requested,
    Received,
    Rejected,
}

impl ReturnStatus {
    pub const ALL: [ReturnStatus; 3] = [Self::Requested, Self::Received, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Received => "received",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// How a returned unit came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Sellable: back on hand at inventory as a `returned` movement.
    Restock,
    /// Not sellable: recorded on the return, never on hand.
    Damaged,
}

/// One product of a return, priced as the order was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReturnLine {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    /// Units asked back.
    pub quantity: i64,
    pub unit_price_cents: i64,
    /// Units received back on hand, and units received damaged (0 until received).
    pub restocked: i64,
    pub damaged: i64,
}

/// A return of shipped units.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Return {
    pub id: Uuid,
    pub order_id: OrderId,
    /// The order's human number, e.g. SR-001001
    pub order_number: String,
    pub customer_id: String,
    pub status: ReturnStatus,
    pub lines: Vec<ReturnLine>,
    pub reason: String,
    /// At the order's prices: the units asked back while `requested`, the units received once
    /// `received`, 0 when `rejected`.
    pub refund_cents: i64,
    pub currency: String,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub received_at: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub rejected_by: Option<String>,
    pub reject_reason: Option<String>,
    /// The receipt's `Idempotency-Key` and request fingerprint.
    #[serde(skip)]
    pub receipt_key: Option<String>,
    #[serde(skip)]
    pub receipt_hash: Option<String>,
    /// Restocked units inventory has not put back yet.
    #[serde(skip)]
    pub inventory_owed: bool,
}

impl Return {
    /// Units of `product` this return takes out of what can still be returned.
    fn counted(&self, product: ProductId) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.product_id == product)
            .map(|l| match self.status {
                ReturnStatus::Requested => l.quantity,
                ReturnStatus::Received => l.restocked + l.damaged,
                ReturnStatus::Rejected => 0,
            })
            .sum()
    }

    /// The units to put back on the shelf.
    pub fn restock_lines(&self) -> Vec<(ProductId, Quantity)> {
        self.lines
            .iter()
            .filter_map(|l| Quantity::new(l.restocked).ok().map(|q| (l.product_id, q)))
            .collect()
    }
}

/// `POST /api/orders/{id}/returns`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReturn {
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineRequest>,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// One product (and condition) received back.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceivedLine {
    pub product_id: ProductId,
    #[schema(minimum = 1, maximum = 10_000)]
    pub quantity: i64,
    pub condition: Condition,
}

/// `POST /api/returns/{id}/receive`: what came back; a product may be split over both
/// conditions. Units asked back but not received are not refunded.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveReturn {
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<ReceivedLine>,
}

/// `POST /api/returns/{id}/reject`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectReturn {
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// A 1–500 character reason, trimmed.
pub fn parse_reason(reason: &str) -> Result<String, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::validation(
            "reason",
            "must be 1 to 500 characters",
        ));
    }
    Ok(reason.to_string())
}

/// Lines of distinct products, quantities 1–10,000.
pub fn parse_lines(lines: &[LineRequest]) -> Result<Vec<(ProductId, Quantity)>, AppError> {
    let mut errors = Vec::new();
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
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Who asks for a return, and when.
pub struct Requester<'a> {
    pub user: &'a str,
    pub is_staff: bool,
    /// Customers only: how long after delivery (or shipping) they may ask.
    pub window: Duration,
    pub at: DateTime<Utc>,
}

/// Units of `product` that can still be asked back: shipped minus returned or asked.
pub fn returnable(order: &Order, product: ProductId) -> i64 {
    let returned: i64 = order.returns.iter().map(|r| r.counted(product)).sum();
    shipped_of(order, product) - returned
}

/// When the return window of `order` opened: its last delivery (or shipping, for what has not
/// arrived). `None` before anything shipped.
pub fn window_opened(order: &Order) -> Option<DateTime<Utc>> {
    order
        .shipments
        .iter()
        .map(|s| s.delivered_at.unwrap_or(s.shipped_at))
        .max()
}

/// Until when `order`'s customer may ask for a return; `None` while nothing is left to return.
pub fn returnable_until(order: &Order, window: Duration) -> Option<DateTime<Utc>> {
    let anything = order
        .lines
        .iter()
        .any(|l| returnable(order, l.product_id) > 0);
    window_opened(order)
        .filter(|_| anything)
        .map(|opened| opened + window)
}

/// A new return of `lines` from `order`, or why not.
pub fn request(
    order: &Order,
    lines: &[(ProductId, Quantity)],
    reason: String,
    who: &Requester<'_>,
) -> Result<OrderChange, AppError> {
    if order.shipments.is_empty() {
        return Err(AppError::conflict(
            "nothing-shipped",
            "Nothing shipped",
            "only shipped units can be returned, and this order has none",
        ));
    }
    if !who.is_staff {
        let last = window_opened(order).unwrap_or(order.updated_at);
        if who.at >= last + who.window {
            return Err(AppError::conflict(
                "return-window-closed",
                "Return window closed",
                format!(
                    "returns must be asked for within {} days of delivery; this order arrived on {}",
                    who.window.num_days(),
                    last.format("%Y-%m-%d")
                ),
            ));
        }
    }
    let mut errors = Vec::new();
    let mut over = Vec::new();
    let mut return_lines = Vec::with_capacity(lines.len());
    for (i, &(product, quantity)) in lines.iter().enumerate() {
        let Some(line) = order.lines.iter().find(|l| l.product_id == product) else {
            errors.push(FieldError::new(
                format!("lines[{i}].product_id"),
                "is not in this order",
            ));
            continue;
        };
        let left = returnable(order, product);
        if quantity.get() > left {
            over.push(FieldError::new(
                format!("lines[{i}].quantity"),
                format!(
                    "only {} can be returned (shipped minus returned or asked)",
                    left.max(0)
                ),
            ));
        }
        return_lines.push(ReturnLine {
            product_id: product,
            sku: line.sku.clone(),
            name: line.name.clone(),
            quantity: quantity.get(),
            unit_price_cents: line.unit_price.cents,
            restocked: 0,
            damaged: 0,
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if !over.is_empty() {
        return Err(over_return(
            "some lines ask back more units than were shipped and not yet returned",
            over,
        ));
    }
    let refund_cents = refund(&return_lines, |l| l.quantity)?;
    Ok(OrderChange::NewReturn(Return {
        id: Uuid::now_v7(),
        order_id: order.id,
        order_number: order.number.clone(),
        customer_id: order.customer_id.clone(),
        status: ReturnStatus::Requested,
        lines: return_lines,
        reason,
        refund_cents,
        currency: order.total.currency.to_string(),
        requested_by: who.user.to_string(),
        created_at: who.at,
        updated_at: who.at,
        received_at: None,
        received_by: None,
        rejected_at: None,
        rejected_by: None,
        reject_reason: None,
        receipt_key: None,
        receipt_hash: None,
        inventory_owed: false,
    }))
}

/// A receipt as asked: units per product and condition.
pub struct Receipt {
    pub lines: Vec<(ProductId, Quantity, Condition)>,
    pub key: Option<String>,
}

impl Receipt {
    pub fn parse(req: &ReceiveReturn, key: Option<String>) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        if req.lines.is_empty() || req.lines.len() > 200 {
            errors.push(FieldError::new("lines", "must have 1 to 200 lines"));
        }
        let mut lines = Vec::with_capacity(req.lines.len());
        for (i, line) in req.lines.iter().enumerate() {
            match Quantity::new(line.quantity) {
                Ok(q) => lines.push((line.product_id, q, line.condition)),
                Err(e) => errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    e.to_string(),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self { lines, key })
    }

    pub fn fingerprint(&self) -> String {
        let mut lines: Vec<(String, i64, Condition)> = self
            .lines
            .iter()
            .map(|(p, q, c)| (p.to_string(), q.get(), *c))
            .collect();
        // The whole line orders it: a retry listing one product's restocked and damaged units
        // the other way round is the same receipt.
        lines.sort();
        crate::domain::digest(&serde_json::json!({ "lines": lines }))
    }
}

/// The return in `order` with this id.
fn find(order: &Order, id: Uuid) -> Result<&Return, AppError> {
    order
        .returns
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::NotFound("no return with this id".into()))
}

fn not_requested(r: &Return) -> AppError {
    AppError::conflict(
        "invalid-transition",
        "Invalid status change",
        format!("the return is already {}", r.status.as_str()),
    )
}

/// Receives return `id` as `receipt` says, or replays a receipt made with the same key.
pub fn receive(
    order: &Order,
    id: Uuid,
    receipt: &Receipt,
    by: &str,
    at: DateTime<Utc>,
) -> Result<OrderChange, AppError> {
    let current = find(order, id)?;
    let fingerprint = receipt.fingerprint();
    if let (Some(key), Some(kept)) = (&receipt.key, &current.receipt_key) {
        if key == kept {
            return if current.receipt_hash.as_deref() == Some(fingerprint.as_str()) {
                Ok(OrderChange::Replayed(id))
            } else {
                Err(mismatch())
            };
        }
    }
    if current.status != ReturnStatus::Requested {
        return Err(not_requested(current));
    }
    let mut got: BTreeMap<ProductId, (i64, i64)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, &(product, quantity, condition)) in receipt.lines.iter().enumerate() {
        if !current.lines.iter().any(|l| l.product_id == product) {
            errors.push(FieldError::new(
                format!("lines[{i}].product_id"),
                "is not in this return",
            ));
            continue;
        }
        let entry = got.entry(product).or_default();
        match condition {
            Condition::Restock => entry.0 += quantity.get(),
            Condition::Damaged => entry.1 += quantity.get(),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut received = current.clone();
    let mut over = Vec::new();
    for line in &mut received.lines {
        let (restocked, damaged) = got.get(&line.product_id).copied().unwrap_or_default();
        if restocked + damaged > line.quantity {
            over.push(FieldError::new(
                format!("lines[product_id={}]", line.product_id),
                format!("only {} were asked back", line.quantity),
            ));
        }
        line.restocked = restocked;
        line.damaged = damaged;
    }
    if !over.is_empty() {
        return Err(over_return(
            "more units received than the return asked back",
            over,
        ));
    }
    received.status = ReturnStatus::Received;
    received.refund_cents = refund(&received.lines, |l| l.restocked + l.damaged)?;
    received.received_at = Some(at);
    received.received_by = Some(by.to_string());
    received.updated_at = at;
    received.receipt_key = receipt.key.clone();
    received.receipt_hash = Some(fingerprint);
    received.inventory_owed = received.lines.iter().any(|l| l.restocked > 0);
    Ok(OrderChange::UpdateReturn(received))
}

/// Rejects return `id`: nothing comes back, nothing is refunded.
pub fn reject(
    order: &Order,
    id: Uuid,
    reason: String,
    by: &str,
    at: DateTime<Utc>,
) -> Result<OrderChange, AppError> {
    let current = find(order, id)?;
    if current.status != ReturnStatus::Requested {
        return Err(not_requested(current));
    }
    let mut rejected = current.clone();
    rejected.status = ReturnStatus::Rejected;
    rejected.refund_cents = 0;
    rejected.rejected_at = Some(at);
    rejected.rejected_by = Some(by.to_string());
    rejected.reject_reason = Some(reason);
    rejected.updated_at = at;
    Ok(OrderChange::UpdateReturn(rejected))
}

fn refund(lines: &[ReturnLine], units: impl Fn(&ReturnLine) -> i64) -> Result<i64, AppError> {
    lines
        .iter()
        .try_fold(0i64, |sum, l| {
            l.unit_price_cents
                .checked_mul(units(l))
                .and_then(|v| sum.checked_add(v))
        })
        .ok_or_else(|| AppError::internal("a refund larger than its order"))
}

fn over_return(detail: &str, errors: Vec<FieldError>) -> AppError {
    let mut problem = kernel::Problem::new(
        axum::http::StatusCode::CONFLICT,
        "over-return",
        "More than can be returned",
    )
    .detail(detail);
    problem.errors = errors;
    AppError::Problem(Box::new(problem))
}

#[cfg(test)]
mod tests {
    use contracts::{Currency, Money, OrderStatus};

    use super::*;
    use crate::{
        domain::Line,
        model::AiSummary,
        shipments::{Shipment, ShipmentLine},
    };

    #[test]
    fn a_receipt_listing_its_lines_in_another_order_is_the_same_receipt() {
        let tea = ProductId::new_v7();
        let units = || Quantity::new(2).unwrap();
        let receipt = |lines| Receipt { lines, key: None };
        let one = receipt(vec![
            (tea, units(), Condition::Restock),
            (tea, units(), Condition::Damaged),
        ]);
        let other = receipt(vec![
            (tea, units(), Condition::Damaged),
            (tea, units(), Condition::Restock),
        ]);
        assert_eq!(one.fingerprint(), other.fingerprint());
        let different = receipt(vec![
            (tea, units(), Condition::Damaged),
            (tea, units(), Condition::Damaged),
        ]);
        assert_ne!(one.fingerprint(), different.fingerprint());
    }

    fn shipped_order(tea: ProductId, ordered: i64, shipped: i64, at: DateTime<Utc>) -> Order {
        let usd = Currency::parse("USD").unwrap();
        Order {
            id: OrderId::new_v7(),
            number: "SR-001001".into(),
            customer_id: "c".into(),
            customer_email: "c@example.com".into(),
            status: OrderStatus::Fulfilled,
            lines: vec![Line {
                product_id: tea,
                sku: "TEA".into(),
                name: "Tea".into(),
                quantity: Quantity::new(ordered).unwrap(),
                unit_price: Money::new(450, usd.clone()),
                line_total: Money::new(450 * ordered, usd.clone()),
            }],
            total: Money::new(450 * ordered, usd),
            note: None,
            shipping_address: None,
            placed_by: None,
            ai_summary: AiSummary::disabled(),
            history: Vec::new(),
            shipments: vec![Shipment {
                id: Uuid::now_v7(),
                lines: vec![ShipmentLine {
                    product_id: tea,
                    quantity: shipped,
                }],
                carrier: None,
                tracking_number: None,
                shipped_at: at,
                shipped_by: None,
                delivered_at: None,
                idempotency_key: None,
                request_hash: None,
            }],
            returns: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }

    fn customer(at: DateTime<Utc>) -> Requester<'static> {
        Requester {
            user: "c",
            is_staff: false,
            window: Duration::days(30),
            at,
        }
    }

    fn q(n: i64) -> Quantity {
        Quantity::new(n).unwrap()
    }

    fn new_return(change: OrderChange) -> Return {
        match change {
            OrderChange::NewReturn(r) => r,
            _ => panic!("expected a new return"),
        }
    }

    #[test]
    fn two_requests_together_never_exceed_what_was_shipped() {
        let tea = ProductId::new_v7();
        let now = Utc::now();
        let mut o = shipped_order(tea, 5, 3, now);
        let first =
            new_return(request(&o, &[(tea, q(2))], "too many".into(), &customer(now)).unwrap());
        assert_eq!(first.refund_cents, 900);
        o.returns.push(first.clone());
        let second = request(&o, &[(tea, q(2))], "more".into(), &customer(now)).unwrap_err();
        assert_eq!(second.to_problem().status, 409);
        // Rejected, the first no longer counts; received, only what came back counts.
        let rejected = match reject(&o, first.id, "no".into(), "s", now).unwrap() {
            OrderChange::UpdateReturn(r) => r,
            _ => panic!("expected an update"),
        };
        o.returns[0] = rejected;
        assert!(request(&o, &[(tea, q(3))], "all".into(), &customer(now)).is_ok());
    }

    #[test]
    fn customers_ask_within_the_window_and_staff_any_time() {
        let tea = ProductId::new_v7();
        let long_ago = Utc::now() - Duration::days(31);
        let o = shipped_order(tea, 1, 1, long_ago);
        let late = request(&o, &[(tea, q(1))], "late".into(), &customer(Utc::now())).unwrap_err();
        assert_eq!(late.to_problem().kind, "/problems/return-window-closed");
        let staff = Requester {
            is_staff: true,
            ..customer(Utc::now())
        };
        assert!(request(&o, &[(tea, q(1))], "late".into(), &staff).is_ok());
    }

    #[test]
    fn a_receipt_splits_conditions_refunds_what_came_back_and_replays_its_key() {
        let tea = ProductId::new_v7();
        let now = Utc::now();
        let mut o = shipped_order(tea, 3, 3, now);
        let asked =
            new_return(request(&o, &[(tea, q(3))], "broken".into(), &customer(now)).unwrap());
        o.returns.push(asked.clone());
        let receipt = Receipt {
            lines: vec![
                (tea, q(1), Condition::Restock),
                (tea, q(1), Condition::Damaged),
            ],
            key: Some("r1".into()),
        };
        let too_many = Receipt {
            lines: vec![(tea, q(4), Condition::Restock)],
            key: None,
        };
        assert_eq!(
            receive(&o, asked.id, &too_many, "s", now)
                .unwrap_err()
                .to_problem()
                .status,
            409
        );
        let received = match receive(&o, asked.id, &receipt, "s", now).unwrap() {
            OrderChange::UpdateReturn(r) => r,
            _ => panic!("expected an update"),
        };
        assert_eq!(
            (received.lines[0].restocked, received.lines[0].damaged),
            (1, 1)
        );
        assert_eq!(received.refund_cents, 900);
        assert!(received.inventory_owed);
        assert_eq!(received.restock_lines(), [(tea, q(1))]);
        o.returns[0] = received;
        assert!(matches!(
            receive(&o, asked.id, &receipt, "s", now),
            Ok(OrderChange::Replayed(id)) if id == asked.id
        ));
        let unkeyed = Receipt {
            key: None,
            ..receipt
        };
        assert_eq!(
            receive(&o, asked.id, &unkeyed, "s", now)
                .unwrap_err()
                .to_problem()
                .status,
            409
        );
        // The unit not received can be asked back again.
        assert_eq!(returnable(&o, tea), 1);
    }
}

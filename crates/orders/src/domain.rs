//! Order rules: states and their transitions, what a valid order request is.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
pub use contracts::OrderStatus;
use contracts::{
    order::InvalidTransition, Currency, Money, MoneyError, OrderId, ProductId, Quantity,
};
use kernel::{AppError, FieldError};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    address::ShippingAddress,
    model::{self, AiSummary, HistoryEntry, SummaryStatus},
    returns::Return,
    shipments::Shipment,
};

/// An order as the service holds it, quantities and amounts typed; its wire form is
/// [`model::Order`].
#[derive(Debug, Clone)]
pub struct Order {
    pub id: OrderId,
    /// Human order number, e.g. SR-001001
    pub number: String,
    pub customer_id: String,
    pub customer_email: String,
    pub status: OrderStatus,
    pub lines: Vec<Line>,
    /// In the service's currency; zero until inventory prices the lines.
    pub total: Money,
    pub note: Option<String>,
    /// Where it ships; `None` is pickup.
    pub shipping_address: Option<ShippingAddress>,
    /// Staff who placed it for its customer; `None` when the customer placed it.
    pub placed_by: Option<String>,
    pub ai_summary: AiSummary,
    pub history: Vec<HistoryEntry>,
    /// Oldest first.
    pub shipments: Vec<Shipment>,
    /// Oldest first.
    pub returns: Vec<Return>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One product's line, in the order's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub line_total: Money,
}

/// A line as inventory priced it.
pub struct PricedLine {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub unit_price_cents: i64,
}

/// Why an order cannot be priced.
#[derive(Debug, thiserror::Error)]
pub enum Unpriced {
    /// Inventory answered for other products than the order's.
    #[error("inventory priced a different set of lines")]
    Mismatch,
    /// A line total or the order total does not fit: the client can order less.
    #[error("the order's total is too large to represent ({0}); order fewer units")]
    TooLarge(MoneyError),
}

impl Order {
    /// A new order as requested, before inventory has priced it: pending, zero amounts.
    /// `placed_by` is the staff member placing it for the customer, if one is.
    pub fn new(
        id: OrderId,
        customer_id: &str,
        customer_email: &str,
        placed_by: Option<&str>,
        request: &OrderRequest,
        currency: &Currency,
    ) -> Self {
        let entered = crate::store::now();
        let at = request.placed_at.unwrap_or(entered);
        // A backdated order says when it was really entered, for whoever audits it.
        let recorded = request.placed_at.map(|_| {
            format!(
                "recorded {}",
                entered.to_rfc3339_opts(SecondsFormat::Secs, true)
            )
        });
        let zero = Money::zero(currency.clone());
        Self {
            id,
            number: String::new(),
            customer_id: customer_id.to_string(),
            customer_email: customer_email.to_string(),
            status: OrderStatus::Pending,
            lines: request
                .lines
                .iter()
                .map(|&(product_id, quantity)| Line {
                    product_id,
                    sku: String::new(),
                    name: String::new(),
                    quantity,
                    unit_price: zero.clone(),
                    line_total: zero.clone(),
                })
                .collect(),
            total: zero,
            note: request.note.clone(),
            shipping_address: request.shipping_address.clone(),
            placed_by: placed_by.map(str::to_string),
            ai_summary: AiSummary::disabled(),
            history: vec![HistoryEntry {
                status: OrderStatus::Pending,
                at,
                by: Some(placed_by.unwrap_or(customer_id).to_string()),
                reason: recorded,
            }],
            shipments: Vec::new(),
            returns: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }

    /// Confirmed by its customer, its summary starting as `summary`.
    pub fn confirmed(self, summary: SummaryStatus) -> Self {
        let mut order = self.moved_to(OrderStatus::Confirmed, None);
        order.ai_summary.status = summary;
        order
    }

    /// Rejected, for `reason`.
    pub fn rejected(self, reason: &str) -> Self {
        self.moved_to(OrderStatus::Rejected, Some(reason.to_string()))
    }

    /// Moved to `status` by whoever placed it (its customer, or staff for them).
    pub fn moved_to(mut self, status: OrderStatus, reason: Option<String>) -> Self {
        let at = crate::store::now();
        self.status = status;
        self.updated_at = at;
        let by = self
            .placed_by
            .clone()
            .unwrap_or_else(|| self.customer_id.clone());
        self.history.push(HistoryEntry {
            status,
            at,
            by: Some(by),
            reason,
        });
        self
    }

    /// The lines at inventory's prices, and their total; nothing wraps.
    pub fn price(&mut self, priced: &[PricedLine]) -> Result<(), Unpriced> {
        let currency = self.total.currency.clone();
        let mut total = Money::zero(currency.clone());
        for line in &mut self.lines {
            let price = priced
                .iter()
                .find(|p| p.product_id == line.product_id)
                .ok_or(Unpriced::Mismatch)?;
            line.sku = price.sku.clone();
            line.name = price.name.clone();
            line.unit_price = Money::new(price.unit_price_cents, currency.clone());
            line.line_total = line
                .unit_price
                .times(line.quantity.get())
                .map_err(Unpriced::TooLarge)?;
            total = total.plus(&line.line_total).map_err(Unpriced::TooLarge)?;
        }
        self.total = total;
        Ok(())
    }
}

impl From<Order> for model::Order {
    fn from(o: Order) -> Self {
        Self {
            id: o.id,
            number: o.number,
            customer_id: o.customer_id,
            customer_email: o.customer_email,
            status: o.status,
            lines: o.lines.into_iter().map(model::OrderLine::from).collect(),
            total_cents: o.total.cents,
            currency: o.total.currency.into(),
            note: o.note,
            shipping_address: o.shipping_address,
            placed_by: o.placed_by,
            ai_summary: o.ai_summary,
            history: o.history,
            shipments: o.shipments,
            returns: o.returns,
            returnable_until: None,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

impl From<Line> for model::OrderLine {
    fn from(l: Line) -> Self {
        Self {
            product_id: l.product_id,
            sku: l.sku,
            name: l.name,
            quantity: l.quantity.get(),
            unit_price_cents: l.unit_price.cents,
            line_total_cents: l.line_total.cents,
        }
    }
}

/// The one place a transition becomes HTTP: anything the state machine (contracts'
/// [`OrderStatus::transition`]) refuses is a 409.
pub fn transition(from: OrderStatus, to: OrderStatus) -> Result<OrderStatus, AppError> {
    from.transition(to).map_err(invalid_transition)
}

pub fn invalid_transition(e: InvalidTransition) -> AppError {
    AppError::conflict("invalid-transition", "Invalid status change", e.to_string())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    pub product_id: ProductId,
    #[schema(minimum = 1, maximum = 10_000)]
    pub quantity: i64,
}

/// A valid order request: 1–100 lines of distinct products, quantities 1–10,000.
#[derive(Debug, Clone)]
pub struct OrderRequest {
    pub lines: Vec<(ProductId, Quantity)>,
    pub note: Option<String>,
    /// Validated ([`ShippingAddress::parse`]); `None` is pickup.
    pub shipping_address: Option<ShippingAddress>,
    /// The customer staff place the order for; `None`: the caller's own order.
    pub on_behalf_of: Option<uuid::Uuid>,
    /// Staff recording an order taken earlier: when it was taken. `None`: now.
    pub placed_at: Option<DateTime<Utc>>,
}

pub const MAX_LINES: usize = contracts::limits::MAX_LINES;
pub const MAX_QUANTITY: i64 = contracts::limits::MAX_LINE_QUANTITY;

impl OrderRequest {
    /// Validates and merges duplicate products (their quantities add up).
    pub fn parse(lines: &[LineRequest], note: Option<&str>) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        if lines.is_empty() || lines.len() > MAX_LINES {
            errors.push(FieldError::new(
                "lines",
                format!("must have 1 to {MAX_LINES} lines"),
            ));
        }
        let mut parsed = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            match Quantity::new(line.quantity) {
                Ok(q) => parsed.push((line.product_id, q)),
                Err(e) => errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    e.to_string(),
                )),
            }
        }
        let note = note
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            errors.push(FieldError::new("note", "must be at most 1000 characters"));
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        // Keep first-seen order for display; merge quantities of repeated products (at most
        // 100 lines of at most 10,000 each: the sums cannot overflow).
        let mut sums: Vec<(ProductId, i64)> = Vec::with_capacity(parsed.len());
        for (product_id, quantity) in parsed {
            match sums.iter_mut().find(|(id, _)| *id == product_id) {
                Some((_, q)) => *q += quantity.get(),
                None => sums.push((product_id, quantity.get())),
            }
        }
        let mut merged = Vec::with_capacity(sums.len());
        for (product_id, sum) in sums {
            let Ok(quantity) = Quantity::new(sum) else {
                let i = lines.iter().position(|l| l.product_id == product_id);
                return Err(AppError::validation(
                    format!("lines[{}].quantity", i.unwrap_or(0)),
                    format!("all lines of this product add up to more than {MAX_QUANTITY}"),
                ));
            };
            merged.push((product_id, quantity));
        }
        Ok(Self {
            lines: merged,
            note,
            shipping_address: None,
            on_behalf_of: None,
            placed_at: None,
        })
    }

    /// A fingerprint of the request, to tell a retry from a different request with the same key.
    /// The address and customer enter it only when given, so a request without them has the
    /// fingerprint it always had (keys kept by earlier versions still replay).
    pub fn fingerprint(&self) -> String {
        let canonical: BTreeMap<String, i64> = self
            .lines
            .iter()
            .map(|(id, q)| (id.to_string(), q.get()))
            .collect();
        let mut request = serde_json::json!({"lines": canonical, "note": self.note});
        if let Some(address) = &self.shipping_address {
            request["shipping_address"] = serde_json::json!(address);
        }
        if let Some(customer) = &self.on_behalf_of {
            request["customer_id"] = serde_json::json!(customer);
        }
        if let Some(at) = &self.placed_at {
            request["placed_at"] = serde_json::json!(at);
        }
        digest(&request)
    }
}

/// SHA-256 of a JSON value's text, in hex: request fingerprints for idempotency keys.
pub fn digest(value: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `SR-001234`
pub fn order_number(n: i64) -> String {
    format!("SR-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::Currency;

    fn order_of(lines: &[(ProductId, i64)]) -> Order {
        let eur = Currency::parse("EUR").unwrap();
        let zero = Money::zero(eur);
        Order {
            id: OrderId::new_v7(),
            number: String::new(),
            customer_id: "c".into(),
            customer_email: "c@example.com".into(),
            status: OrderStatus::Pending,
            lines: lines
                .iter()
                .map(|&(product_id, q)| Line {
                    product_id,
                    sku: String::new(),
                    name: String::new(),
                    quantity: Quantity::new(q).unwrap(),
                    unit_price: zero.clone(),
                    line_total: zero.clone(),
                })
                .collect(),
            total: zero,
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

    fn priced(product_id: ProductId, unit_price_cents: i64) -> PricedLine {
        PricedLine {
            product_id,
            sku: "SKU".into(),
            name: "Thing".into(),
            unit_price_cents,
        }
    }

    #[test]
    fn an_order_is_priced_line_by_line_and_totalled() {
        let (a, b) = (ProductId::new_v7(), ProductId::new_v7());
        let mut order = order_of(&[(a, 3), (b, 2)]);
        order.price(&[priced(b, 50), priced(a, 250)]).unwrap();
        assert_eq!(order.lines[0].line_total.cents, 750);
        assert_eq!(order.lines[1].line_total.cents, 100);
        assert_eq!(order.total.cents, 850);
        assert_eq!(order.total.currency.as_str(), "EUR");
        let wire = model::Order::from(order);
        assert_eq!((wire.total_cents, wire.currency.as_str()), (850, "EUR"));
        assert_eq!(wire.lines[0].unit_price_cents, 250);
    }

    #[test]
    fn a_total_too_large_to_represent_is_refused_not_wrapped() {
        let (a, b) = (ProductId::new_v7(), ProductId::new_v7());
        let mut line_overflows = order_of(&[(a, 10_000)]);
        assert!(matches!(
            line_overflows.price(&[priced(a, i64::MAX / 2)]),
            Err(Unpriced::TooLarge(MoneyError::Overflow))
        ));
        let mut sum_overflows = order_of(&[(a, 1), (b, 1)]);
        assert!(matches!(
            sum_overflows.price(&[priced(a, i64::MAX), priced(b, 1)]),
            Err(Unpriced::TooLarge(MoneyError::Overflow))
        ));
        let mut unpriced = order_of(&[(a, 1)]);
        assert!(matches!(
            unpriced.price(&[priced(b, 1)]),
            Err(Unpriced::Mismatch)
        ));
    }
    use OrderStatus::*;

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let allowed = matches!(
                    (from, to),
                    (Pending, Confirmed | Rejected | Failed)
                        | (Confirmed, Cancelled | Fulfilled | PartiallyFulfilled)
                        | (PartiallyFulfilled, Cancelled | Fulfilled)
                        | (Fulfilled, Delivered)
                );
                assert_eq!(transition(from, to).is_ok(), allowed, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn duplicate_products_are_merged_and_limits_checked() {
        let a = ProductId::new_v7();
        let b = ProductId::new_v7();
        let line = |product_id, quantity| LineRequest {
            product_id,
            quantity,
        };
        let r = OrderRequest::parse(&[line(a, 2), line(b, 1), line(a, 3)], Some("  ")).unwrap();
        let q = |n| Quantity::new(n).unwrap();
        assert_eq!(r.lines, vec![(a, q(5)), (b, q(1))]);
        assert_eq!(r.note, None);
        assert!(OrderRequest::parse(&[], None).is_err());
        assert!(OrderRequest::parse(&[line(a, 0)], None).is_err());
        assert!(OrderRequest::parse(&[line(a, 6000), line(a, 6000)], None).is_err());
        let same = OrderRequest::parse(&[line(b, 1), line(a, 5)], None).unwrap();
        assert_eq!(
            same.fingerprint(),
            OrderRequest::parse(&[line(a, 5), line(b, 1)], None)
                .unwrap()
                .fingerprint()
        );
    }
}

//! Purchasing storage: the part of [`super::InventoryStore`] that keeps purchase orders. Each
//! change loads the order (locked on PostgreSQL), asks [`crate::purchasing`] what it may do,
//! and writes the lines, the products' `on_order` and `on_hand`, the ledger and the history in
//! one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::ProductId;
use kernel::{
    idempotency::Outcome, outbox::Actor, pagination::PageRequest, AppError, FieldError, Result,
};
use uuid::Uuid;

use super::Once;
use crate::{
    purchasing::{LineState, PoStatus, ReceiptLine, RestockFacts},
    purchasing_model::{FromRestockResult, PurchaseOrder, SkippedProduct},
};

/// A validated line; the cost falls back to the product's.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub product_id: ProductId,
    pub quantity: i64,
    pub unit_cost_cents: Option<i64>,
}

/// A validated new draft.
#[derive(Debug, Clone)]
pub struct NewPurchaseOrder {
    pub supplier_id: Uuid,
    pub lines: Vec<NewLine>,
    pub expected_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_by: String,
}

/// Validated draft edits; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct PoPatch {
    pub supplier_id: Option<Uuid>,
    pub lines: Option<Vec<NewLine>>,
    pub expected_at: Option<Option<DateTime<Utc>>>,
    pub note: Option<Option<String>>,
}

#[derive(Debug, Default)]
pub struct PoFilter {
    pub status: Option<PoStatus>,
    pub supplier_id: Option<Uuid>,
}

/// A step that is not a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoStep {
    Order,
    Cancel,
    Close,
}

impl PoStep {
    /// The event type's last part.
    pub fn event(self) -> &'static str {
        match self {
            PoStep::Order => "ordered",
            PoStep::Cancel => "cancelled",
            PoStep::Close => "closed",
        }
    }

    pub fn target(self) -> PoStatus {
        match self {
            PoStep::Order => PoStatus::Ordered,
            PoStep::Cancel => PoStatus::Cancelled,
            PoStep::Close => PoStatus::Closed,
        }
    }
}

/// A validated receipt.
#[derive(Debug)]
pub struct NewReceipt {
    pub lines: Vec<ReceiptLine>,
    pub note: Option<String>,
    pub user_id: String,
}

#[async_trait]
pub trait PurchasingStore: Send + Sync {
    /// A new draft (201); 422 for an unknown supplier or product. Records
    /// `purchase_order.created`.
    async fn create_purchase_order(
        &self,
        once: Once<'_>,
        new: &NewPurchaseOrder,
        actor: &Actor,
    ) -> Result<Outcome<PurchaseOrder>>;

    /// Several drafts at once, all or none, answered with the products left out. Records
    /// `purchase_order.created` for each.
    async fn create_purchase_orders(
        &self,
        once: Once<'_>,
        new: &[NewPurchaseOrder],
        skipped: Vec<SkippedProduct>,
        actor: &Actor,
    ) -> Result<Outcome<FromRestockResult>>;

    async fn get_purchase_order(&self, id: Uuid) -> Result<Option<PurchaseOrder>>;

    /// Newest first, filtered.
    async fn list_purchase_orders(
        &self,
        filter: &PoFilter,
        page: &PageRequest,
    ) -> Result<Vec<PurchaseOrder>>;

    /// Edits a draft; 409 once it is not one.
    async fn update_purchase_order(
        &self,
        id: Uuid,
        patch: &PoPatch,
        by: &str,
    ) -> Result<PurchaseOrder>;

    /// Orders, cancels or closes, moving `on_order` with it; 409 when the state forbids it.
    /// Records `purchase_order.ordered`, `.cancelled` or `.closed`.
    async fn step_purchase_order(
        &self,
        id: Uuid,
        step: PoStep,
        by: &str,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<PurchaseOrder>;

    /// Goods in: `received` movements naming the order; 409 beyond what is still to come.
    /// Records `purchase_order.received` and a `stock.adjusted` per product.
    async fn receive_purchase_order(
        &self,
        once: Once<'_>,
        id: Uuid,
        receipt: &NewReceipt,
        actor: &Actor,
    ) -> Result<Outcome<PurchaseOrder>>;

    /// Restock facts of the given products, or of every active product when `ids` is empty.
    async fn restock_facts(&self, ids: &[ProductId]) -> Result<Vec<RestockFacts>>;
}

pub fn po_not_found() -> AppError {
    AppError::NotFound("no purchase order with this id".into())
}

pub fn unknown_supplier() -> AppError {
    AppError::validation("supplier_id", "no supplier with this id")
}

/// 422 naming each line whose product does not exist (or is archived).
pub fn unknown_products(missing: &[usize]) -> AppError {
    AppError::Validation(
        missing
            .iter()
            .map(|i| {
                FieldError::new(
                    format!("lines[{i}].product_id"),
                    "no active product with this id",
                )
            })
            .collect(),
    )
}

/// A stored line's quantities as the rules see them.
pub fn line_state(product_id: Uuid, ordered: i64, received: i64) -> LineState {
    LineState {
        product_id: ProductId(product_id),
        ordered,
        received,
    }
}

/// The note a receipt's movements carry: the order's number, then the receipt's note.
pub fn receipt_note(number: &str, note: Option<&str>) -> String {
    match note {
        Some(n) => format!("{number}: {n}"),
        None => number.to_string(),
    }
}

/// A stored order's head, as either backend reads it.
pub struct HeadParts {
    pub id: Uuid,
    pub number: i64,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub status: String,
    pub expected_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct LineParts {
    pub purchase_order_id: Uuid,
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
    pub unit_cost_cents: Option<i64>,
}

pub struct EventParts {
    pub purchase_order_id: Uuid,
    pub status: String,
    pub at: DateTime<Utc>,
    pub by_user: String,
    pub note: Option<String>,
}

/// Puts heads, their lines (in line order) and their history (oldest first) together, in the
/// order of `heads`.
pub fn assemble(
    heads: Vec<HeadParts>,
    lines: Vec<LineParts>,
    events: Vec<EventParts>,
    currency: &str,
) -> Result<Vec<PurchaseOrder>> {
    use crate::{
        purchasing::po_number,
        purchasing_model::{PurchaseOrderEvent, PurchaseOrderLine},
    };
    let mut orders = Vec::with_capacity(heads.len());
    for h in heads {
        let lines: Vec<PurchaseOrderLine> = lines
            .iter()
            .filter(|l| l.purchase_order_id == h.id)
            .map(|l| PurchaseOrderLine {
                product_id: l.product_id,
                sku: l.sku.clone(),
                name: l.name.clone(),
                quantity_ordered: l.quantity_ordered,
                quantity_received: l.quantity_received,
                unit_cost_cents: l.unit_cost_cents,
            })
            .collect();
        let history = events
            .iter()
            .filter(|e| e.purchase_order_id == h.id)
            .map(|e| {
                Ok(PurchaseOrderEvent {
                    status: PoStatus::stored(&e.status)?,
                    at: e.at,
                    by: e.by_user.clone(),
                    note: e.note.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let total_cents = lines
            .iter()
            .filter_map(|l| l.unit_cost_cents.map(|c| c * l.quantity_ordered))
            .sum();
        orders.push(PurchaseOrder {
            id: h.id,
            number: po_number(h.number),
            supplier_id: h.supplier_id,
            supplier_name: h.supplier_name,
            status: PoStatus::stored(&h.status)?,
            lines,
            total_cents,
            currency: currency.to_string(),
            expected_at: h.expected_at,
            note: h.note,
            created_by: h.created_by,
            history,
            created_at: h.created_at,
            updated_at: h.updated_at,
        });
    }
    Ok(orders)
}

/// What a receipt brought in, for the history: `3 × TEA-01, 2 × MUG-2`, then the note.
pub fn receipt_summary(
    order: &PurchaseOrder,
    effects: &[crate::purchasing::LineEffect],
    note: Option<&str>,
) -> String {
    let parts: Vec<String> = effects
        .iter()
        .map(|e| {
            let sku = order
                .lines
                .iter()
                .find(|l| l.product_id == e.product_id.as_uuid())
                .map_or("?", |l| l.sku.as_str());
            format!("{} × {sku}", e.received)
        })
        .collect();
    match note {
        Some(n) => format!("{}: {n}", parts.join(", ")),
        None => parts.join(", "),
    }
}

/// A product's stock as a step left it.
pub struct Stocked {
    pub effect: crate::purchasing::LineEffect,
    pub on_hand: i64,
    pub reserved: i64,
}

/// What a receipt into `order` (as it now stands) records: `purchase_order.received`, then a
/// `stock.adjusted` (kind `received`) per product that came in.
pub fn receipt_events(
    order: &PurchaseOrder,
    stocked: &[Stocked],
    receipt: &NewReceipt,
    by: &Actor,
) -> Vec<kernel::outbox::Event> {
    use crate::{domain::Reason, events};
    let received: Vec<(Uuid, i64)> = stocked
        .iter()
        .filter(|s| s.effect.received > 0)
        .map(|s| (s.effect.product_id.as_uuid(), s.effect.received))
        .collect();
    let note = receipt.note.as_deref();
    let mut out = vec![events::purchase_order_received(order, &received, note, by)];
    for s in stocked.iter().filter(|s| s.effect.received > 0) {
        let product = s.effect.product_id.as_uuid();
        let Some(line) = order.lines.iter().find(|l| l.product_id == product) else {
            continue;
        };
        let level = events::Level {
            product_id: product,
            sku: &line.sku,
            name: &line.name,
            on_hand: s.on_hand,
            reserved: s.reserved,
        };
        let context = serde_json::json!({"purchase_order_id": order.id, "number": order.number});
        let kind = Reason::Received;
        out.push(events::stock_adjusted(
            &level,
            s.effect.received,
            kind,
            note,
            context,
            by,
        ));
    }
    out
}

/// The lines of a loaded order as the rules see them.
pub fn line_states(order: &PurchaseOrder) -> Vec<LineState> {
    order
        .lines
        .iter()
        .map(|l| line_state(l.product_id, l.quantity_ordered, l.quantity_received))
        .collect()
}

/// When an order placed now should arrive: after the supplier's lead time.
pub fn expected_from_lead_time(now: DateTime<Utc>, lead_time_days: i64) -> DateTime<Utc> {
    now + chrono::Duration::days(lead_time_days.max(0))
}

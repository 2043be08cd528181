//! Purchasing rules: the states of a purchase order and what each step may do, receipts
//! checked against what is still to come, and the drafts restock advice turns into. Both
//! stores load an order, ask these functions, and write what they answer.

use std::collections::BTreeMap;

use contracts::ProductId;
use kernel::{AppError, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a purchase order stands. `draft` → `ordered` → `partially_received` → `received`;
/// `draft`/`ordered` → `cancelled`; `partially_received` → `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoStatus {
    Draft,
    Ordered,
    PartiallyReceived,
    Received,
    Cancelled,
    Closed,
}

impl PoStatus {
    pub const ALL: [PoStatus; 6] = [
        PoStatus::Draft,
        PoStatus::Ordered,
        PoStatus::PartiallyReceived,
        PoStatus::Received,
        PoStatus::Cancelled,
        PoStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PoStatus::Draft => "draft",
            PoStatus::Ordered => "ordered",
            PoStatus::PartiallyReceived => "partially_received",
            PoStatus::Received => "received",
            PoStatus::Cancelled => "cancelled",
            PoStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Stored text back to a status; anything else is a bug, not bad input.
    pub fn stored(s: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| AppError::internal(format!("stored PO status {s:?}")))
    }

    /// Units of an order in this state count as `on_order` on its products.
    pub fn is_open(self) -> bool {
        matches!(self, PoStatus::Ordered | PoStatus::PartiallyReceived)
    }

    /// The one place the state machine lives: `Ok(to)` or the 409 explaining why not.
    pub fn transition(self, to: PoStatus) -> Result<PoStatus> {
        use PoStatus::*;
        let allowed = matches!(
            (self, to),
            (Draft, Ordered)
                | (Ordered, PartiallyReceived)
                | (Ordered, Received)
                | (PartiallyReceived, PartiallyReceived)
                | (PartiallyReceived, Received)
                | (Draft, Cancelled)
                | (Ordered, Cancelled)
                | (PartiallyReceived, Closed)
        );
        if allowed {
            Ok(to)
        } else {
            Err(invalid_transition(self, to))
        }
    }
}

fn invalid_transition(from: PoStatus, to: PoStatus) -> AppError {
    let why = match (from, to) {
        (PoStatus::PartiallyReceived, PoStatus::Cancelled) => {
            "goods have been received; close it instead".to_string()
        }
        (_, PoStatus::Closed) => "only a partially received order can be closed".to_string(),
        (PoStatus::Draft, PoStatus::PartiallyReceived | PoStatus::Received) => {
            "a draft must be ordered before goods can be received".to_string()
        }
        _ => format!("the purchase order is {}", from.as_str()),
    };
    AppError::conflict(
        "invalid-transition",
        "Invalid state transition",
        format!("cannot go from {} to {}: {why}", from.as_str(), to.as_str()),
    )
}

/// A draft can be edited; 409 once it has gone to the supplier.
pub fn check_editable(status: PoStatus) -> Result<()> {
    if status == PoStatus::Draft {
        Ok(())
    } else {
        Err(AppError::conflict(
            "invalid-transition",
            "Purchase order not editable",
            format!(
                "only a draft can be edited; this one is {}",
                status.as_str()
            ),
        ))
    }
}

/// `PO-000123`: six digits at least, more when the count outgrows them.
pub fn po_number(n: i64) -> String {
    format!("PO-{n:06}")
}

/// What a step does to one line's product: `on_order` moves by `on_order_delta`, and a receipt
/// also brings `received` units in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineEffect {
    pub product_id: ProductId,
    pub received: i64,
    pub on_order_delta: i64,
}

/// One line as stored, as far as the rules need it.
#[derive(Debug, Clone, Copy)]
pub struct LineState {
    pub product_id: ProductId,
    pub ordered: i64,
    pub received: i64,
}

impl LineState {
    pub fn rest(&self) -> i64 {
        self.ordered - self.received
    }
}

/// The `on_order` changes of ordering, cancelling or closing an order now `from`, in product
/// order (the order rows are locked in everywhere). Lines with no change are left out.
pub fn on_order_effects(from: PoStatus, to: PoStatus, lines: &[LineState]) -> Vec<LineEffect> {
    let sign = match (from.is_open(), to.is_open()) {
        (false, true) => 1,
        (true, false) => -1,
        _ => 0,
    };
    let mut effects: Vec<LineEffect> = lines
        .iter()
        .filter(|l| sign != 0 && l.rest() > 0)
        .map(|l| LineEffect {
            product_id: l.product_id,
            received: 0,
            on_order_delta: sign * l.rest(),
        })
        .collect();
    effects.sort_by_key(|e| e.product_id);
    effects
}

/// A validated receipt line.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptLine {
    pub product_id: ProductId,
    pub quantity: i64,
}

/// Checks a receipt against an order in `status` with `lines`: every product must be on the
/// order and no line may bring more than its rest (409 naming each line that would). Answers
/// the effects in product order and the status the order moves to.
pub fn plan_receipt(
    status: PoStatus,
    lines: &[LineState],
    receipt: &[ReceiptLine],
) -> Result<(Vec<LineEffect>, PoStatus)> {
    if !matches!(status, PoStatus::Ordered | PoStatus::PartiallyReceived) {
        return Err(invalid_transition(status, PoStatus::Received));
    }
    let mut wanted: BTreeMap<ProductId, i64> = BTreeMap::new();
    for r in receipt {
        *wanted.entry(r.product_id).or_default() += r.quantity;
    }
    let mut unknown = Vec::new();
    let mut over = Vec::new();
    let mut effects = Vec::new();
    for (i, (product_id, quantity)) in wanted.iter().enumerate() {
        match lines.iter().find(|l| l.product_id == *product_id) {
            None => unknown.push(kernel::FieldError::new(
                format!("lines[{i}].product_id"),
                "is not on this purchase order",
            )),
            Some(line) if *quantity > line.rest() => over.push(kernel::FieldError::new(
                format!("lines[{i}].quantity"),
                format!("only {} still to come", line.rest()),
            )),
            Some(_) => effects.push(LineEffect {
                product_id: *product_id,
                received: *quantity,
                on_order_delta: -quantity,
            }),
        }
    }
    if !unknown.is_empty() {
        return Err(AppError::Validation(unknown));
    }
    if !over.is_empty() {
        let mut problem = kernel::Problem::new(
            axum::http::StatusCode::CONFLICT,
            "over-receipt",
            "More than was ordered",
        )
        .detail(format!(
            "{} of the lines would bring in more than is still to come",
            over.len()
        ));
        problem.errors = over;
        return Err(AppError::Problem(Box::new(problem)));
    }
    let all_in = lines.iter().all(|l| {
        let now = wanted.get(&l.product_id).copied().unwrap_or(0);
        l.received + now >= l.ordered
    });
    let to = if all_in {
        PoStatus::Received
    } else {
        PoStatus::PartiallyReceived
    };
    Ok((effects, status.transition(to)?))
}

/// What restock needs to know about one product.
#[derive(Debug, Clone)]
pub struct RestockFacts {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub supplier_id: Option<Uuid>,
    pub available: i64,
    pub on_order: i64,
    /// Units already on draft purchase orders: not yet on order, but already planned.
    pub on_drafts: i64,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
}

/// How much to order: enough to lift available + on order (+ drafts) above the reorder point,
/// at least the configured batch; 0 when what is coming already covers it.
pub fn restock_quantity(f: &RestockFacts) -> i64 {
    let position = f.available + f.on_order + f.on_drafts;
    if position > f.reorder_point {
        return 0;
    }
    (f.reorder_point - position + 1)
        .max(f.reorder_quantity)
        .max(1)
}

/// The drafts restock advice becomes: per supplier, the lines to order (product order).
pub struct RestockPlan {
    pub drafts: BTreeMap<Uuid, Vec<(ProductId, i64)>>,
    pub skipped: Vec<RestockFacts>,
}

pub fn plan_restock(facts: Vec<RestockFacts>) -> RestockPlan {
    let mut drafts: BTreeMap<Uuid, Vec<(ProductId, i64)>> = BTreeMap::new();
    let mut skipped = Vec::new();
    for f in facts {
        let quantity = restock_quantity(&f);
        if quantity == 0 {
            continue;
        }
        match f.supplier_id {
            Some(s) => drafts.entry(s).or_default().push((f.product_id, quantity)),
            None => skipped.push(f),
        }
    }
    for lines in drafts.values_mut() {
        lines.sort_by_key(|(p, _)| *p);
    }
    RestockPlan { drafts, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PoStatus::*;

    fn line(n: u128, ordered: i64, received: i64) -> LineState {
        LineState {
            product_id: ProductId(Uuid::from_u128(n)),
            ordered,
            received,
        }
    }

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        let allowed = [
            (Draft, Ordered),
            (Draft, Cancelled),
            (Ordered, Cancelled),
            (Ordered, PartiallyReceived),
            (Ordered, Received),
            (PartiallyReceived, PartiallyReceived),
            (PartiallyReceived, Received),
            (PartiallyReceived, Closed),
        ];
        for from in PoStatus::ALL {
            for to in PoStatus::ALL {
                assert_eq!(
                    from.transition(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn numbers_are_zero_padded() {
        assert_eq!(po_number(123), "PO-000123");
        assert_eq!(po_number(1_234_567), "PO-1234567");
    }

    #[test]
    fn a_receipt_moves_the_status_and_refuses_more_than_the_rest() {
        let lines = [line(1, 10, 0), line(2, 5, 0)];
        let part = [ReceiptLine {
            product_id: lines[0].product_id,
            quantity: 4,
        }];
        let (effects, to) = plan_receipt(Ordered, &lines, &part).unwrap();
        assert_eq!(to, PartiallyReceived);
        assert_eq!((effects[0].received, effects[0].on_order_delta), (4, -4));

        let rest = [line(1, 10, 4), line(2, 5, 0)];
        let all = [
            ReceiptLine {
                product_id: rest[1].product_id,
                quantity: 5,
            },
            ReceiptLine {
                product_id: rest[0].product_id,
                quantity: 6,
            },
        ];
        let (effects, to) = plan_receipt(PartiallyReceived, &rest, &all).unwrap();
        assert_eq!(to, Received);
        assert!(
            effects[0].product_id < effects[1].product_id,
            "product order"
        );

        let too_much = [ReceiptLine {
            product_id: rest[0].product_id,
            quantity: 7,
        }];
        let err = plan_receipt(PartiallyReceived, &rest, &too_much).unwrap_err();
        assert_eq!(err.to_problem().status, 409);
        assert!(plan_receipt(Draft, &lines, &part).is_err());
    }

    #[test]
    fn closing_or_cancelling_takes_the_rest_off_order() {
        let lines = [line(2, 10, 4), line(1, 3, 3)];
        let effects = on_order_effects(PartiallyReceived, Closed, &lines);
        assert_eq!(effects.len(), 1);
        assert_eq!(effects[0].on_order_delta, -6);
        assert_eq!(
            on_order_effects(Draft, Ordered, &[line(1, 5, 0)])[0].on_order_delta,
            5
        );
        assert!(on_order_effects(Draft, Cancelled, &[line(1, 5, 0)]).is_empty());
    }

    #[test]
    fn restock_nets_out_what_is_coming() {
        let facts = |on_order| RestockFacts {
            product_id: ProductId(Uuid::from_u128(1)),
            sku: "A".into(),
            name: "A".into(),
            supplier_id: None,
            available: 2,
            on_order,
            on_drafts: 0,
            reorder_point: 5,
            reorder_quantity: 20,
        };
        assert_eq!(restock_quantity(&facts(0)), 20);
        assert_eq!(restock_quantity(&facts(20)), 0);
        let mut small = facts(0);
        small.reorder_quantity = 0;
        assert_eq!(restock_quantity(&small), 4, "up past the reorder point");
    }
}

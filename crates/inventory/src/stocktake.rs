//! A stocktake: staff count what is on the shelf, and every difference from the books becomes
//! a `correction` movement, all in one transaction, with one note. A count below what open
//! orders have reserved is refused: those units are promised, so the count must be wrong (or
//! the orders must be cancelled first).

use kernel::{error::FieldError, AppError, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use contracts::ProductId;

use kernel::outbox::{Actor, Event};
use serde_json::json;

use crate::{
    domain::{Reason, MAX_STOCK},
    events::{self, Level},
    model::Movement,
};

/// Lines one stocktake may carry: a whole aisle, not the whole warehouse in one request.
pub const MAX_LINES: usize = 500;
const MAX_NOTE: usize = 500;

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Stocktake {
    /// What was counted, one line per product.
    #[schema(min_items = 1, max_items = 500)]
    pub counts: Vec<CountLine>,
    /// Why, or where: kept on every correction this stocktake writes.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLine {
    #[schema(value_type = Uuid)]
    pub product_id: ProductId,
    /// Units physically there, reserved ones included.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub counted: i64,
}

/// A checked stocktake, as the store takes it.
#[derive(Debug)]
pub struct Counted<'a> {
    pub counts: Vec<(ProductId, i64)>,
    pub note: Option<&'a str>,
    pub user_id: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StocktakeResult {
    /// One per counted product, in the order sent.
    pub lines: Vec<CountedLine>,
    /// How many products had a difference (and so a correction).
    pub corrected: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountedLine {
    #[schema(value_type = Uuid)]
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub previous_on_hand: i64,
    pub counted: i64,
    /// `counted - previous_on_hand`; 0 writes nothing.
    pub difference: i64,
    pub reserved: i64,
    /// The correction written, when there was a difference.
    pub movement: Option<Movement>,
}

/// Checks the request's shape: 1–500 lines, each count in range, no product twice, a note
/// of at most 500 characters. Field errors name the JSON path (`counts[2].counted`).
pub fn check<'a>(req: &'a Stocktake, user_id: &'a str) -> Result<Counted<'a>> {
    let mut errors = Vec::new();
    if req.counts.is_empty() || req.counts.len() > MAX_LINES {
        errors.push(FieldError::new(
            "counts",
            format!("must have 1 to {MAX_LINES} lines"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, line) in req.counts.iter().enumerate() {
        if !(0..=MAX_STOCK).contains(&line.counted) {
            errors.push(FieldError::new(
                format!("counts[{i}].counted"),
                format!("must be between 0 and {MAX_STOCK}"),
            ));
        }
        if !seen.insert(line.product_id) {
            errors.push(FieldError::new(
                format!("counts[{i}].product_id"),
                "this product is counted twice; add the counts up into one line",
            ));
        }
    }
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE) {
        errors.push(FieldError::new(
            "note",
            format!("must be at most {MAX_NOTE} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Counted {
        counts: req
            .counts
            .iter()
            .map(|l| (l.product_id, l.counted))
            .collect(),
        note,
        user_id,
    })
}

/// The books as they stand for one counted product, read under its row lock.
pub struct Books {
    pub sku: String,
    pub name: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub active: bool,
    /// The point its low stock is judged at (its own, or the deployment's default).
    pub reorder_point: i64,
}

impl Books {
    /// What correcting `id` to `count` records: `stock.adjusted` (kind `correction`), and for
    /// an active product the thresholds its available stock fell through.
    pub fn corrected(
        &self,
        id: ProductId,
        count: i64,
        note: Option<&str>,
        by: &Actor,
    ) -> Vec<Event> {
        let level = Level {
            product_id: id.as_uuid(),
            sku: &self.sku,
            name: &self.name,
            on_hand: count,
            reserved: self.reserved,
        };
        let delta = count - self.on_hand;
        let kind = Reason::Correction;
        let mut events = vec![events::stock_adjusted(
            &level,
            delta,
            kind,
            note,
            json!({}),
            by,
        )];
        if self.active {
            let before = self.on_hand - self.reserved;
            let cause = json!({"kind": kind.as_str()});
            events.extend(events::thresholds(
                &level,
                before,
                self.reorder_point,
                cause,
                by,
            ));
        }
        events
    }
}

/// Matches each count with its product's books: every unknown product and every count below
/// what is reserved is a field error, all reported at once.
pub fn differences(
    counted: &Counted<'_>,
    mut books: impl FnMut(ProductId) -> Option<Books>,
) -> Result<Vec<(ProductId, i64, Books)>> {
    let mut errors = Vec::new();
    let mut lines = Vec::with_capacity(counted.counts.len());
    for (i, &(id, count)) in counted.counts.iter().enumerate() {
        match books(id) {
            None => errors.push(FieldError::new(
                format!("counts[{i}].product_id"),
                "no product with this id",
            )),
            Some(b) if count < b.reserved => errors.push(FieldError::new(
                format!("counts[{i}].counted"),
                format!(
                    "{} units of {} are reserved by open orders; a count below that is refused (fulfil or cancel them first)",
                    b.reserved, b.sku
                ),
            )),
            Some(b) => lines.push((id, count, b)),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Ids in ascending order: rows are locked in one order so two stocktakes cannot deadlock.
pub fn lock_order(counted: &Counted<'_>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = counted.counts.iter().map(|(id, _)| id.as_uuid()).collect();
    ids.sort_unstable();
    ids
}

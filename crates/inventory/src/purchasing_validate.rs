//! Turning purchasing requests into validated store inputs; field errors name the JSON path.

use std::collections::HashSet;

use contracts::ProductId;
use kernel::FieldError;

use crate::{
    domain::{range, text, MAX_PRICE_CENTS, MAX_STOCK},
    purchasing::ReceiptLine,
    purchasing_model::{CreatePurchaseOrder, LineInput, Receipt, UpdatePurchaseOrder},
    store::{NewLine, NewPurchaseOrder, NewReceipt, PoPatch},
};

pub const MAX_LINES: usize = 100;

fn note(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    value
        .map(|v| text(field, v, 0, max, errors))
        .filter(|v| !v.is_empty())
}

fn count(field: &str, n: usize, errors: &mut Vec<FieldError>) {
    if !(1..=MAX_LINES).contains(&n) {
        errors.push(FieldError::new(
            field,
            format!("must have 1 to {MAX_LINES} lines"),
        ));
    }
}

fn lines(input: &[LineInput], errors: &mut Vec<FieldError>) -> Vec<NewLine> {
    count("lines", input.len(), errors);
    let mut seen = HashSet::new();
    input
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if !seen.insert(l.product_id) {
                errors.push(FieldError::new(
                    format!("lines[{i}].product_id"),
                    "appears on an earlier line",
                ));
            }
            NewLine {
                product_id: ProductId(l.product_id),
                quantity: range(
                    &format!("lines[{i}].quantity"),
                    l.quantity,
                    1,
                    MAX_STOCK,
                    errors,
                ),
                unit_cost_cents: l.unit_cost_cents.map(|c| {
                    range(
                        &format!("lines[{i}].unit_cost_cents"),
                        c,
                        0,
                        MAX_PRICE_CENTS,
                        errors,
                    )
                }),
            }
        })
        .collect()
}

pub fn new_order(
    req: &CreatePurchaseOrder,
    user: &str,
) -> Result<NewPurchaseOrder, Vec<FieldError>> {
    let mut errors = Vec::new();
    let order = NewPurchaseOrder {
        supplier_id: req.supplier_id,
        lines: lines(&req.lines, &mut errors),
        expected_at: req.expected_at,
        note: note("note", req.note.as_deref(), 1000, &mut errors),
        created_by: user.to_string(),
    };
    if errors.is_empty() {
        Ok(order)
    } else {
        Err(errors)
    }
}

pub fn patch(req: &UpdatePurchaseOrder) -> Result<PoPatch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let patch = PoPatch {
        supplier_id: req.supplier_id,
        lines: req.lines.as_deref().map(|l| lines(l, &mut errors)),
        expected_at: req.expected_at,
        note: req
            .note
            .as_ref()
            .map(|n| note("note", n.as_deref(), 1000, &mut errors)),
    };
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

pub fn receipt(req: &Receipt, user: &str) -> Result<NewReceipt, Vec<FieldError>> {
    let mut errors = Vec::new();
    count("lines", req.lines.len(), &mut errors);
    let lines = req
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| ReceiptLine {
            product_id: ProductId(l.product_id),
            quantity: range(
                &format!("lines[{i}].quantity"),
                l.quantity,
                1,
                MAX_STOCK,
                &mut errors,
            ),
        })
        .collect();
    let receipt = NewReceipt {
        lines,
        note: note("note", req.note.as_deref(), 500, &mut errors),
        user_id: user.to_string(),
    };
    if errors.is_empty() {
        Ok(receipt)
    } else {
        Err(errors)
    }
}

/// A cancel or close reason: trimmed, at most 500 characters, empty as none.
pub fn reason(value: Option<&str>) -> Result<Option<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let reason = note("reason", value, 500, &mut errors);
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(errors)
    }
}

//! Order rules: states and their transitions, what a valid order request is.

use std::collections::BTreeMap;

pub use contracts::OrderStatus;
use contracts::{order::InvalidTransition, ProductId};
use kernel::{AppError, FieldError};
use serde::Deserialize;
use utoipa::ToSchema;

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
    pub quantity: i64,
}

/// A valid order request: 1–100 lines of distinct products, quantities 1–10,000.
#[derive(Debug, Clone)]
pub struct OrderRequest {
    pub lines: Vec<(ProductId, i64)>,
    pub note: Option<String>,
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
        for (i, line) in lines.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                errors.push(FieldError::new(
                    format!("lines[{i}].quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
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
        // Keep first-seen order for display; merge quantities of repeated products.
        let mut merged: Vec<(ProductId, i64)> = Vec::with_capacity(lines.len());
        for line in lines {
            match merged.iter_mut().find(|(id, _)| *id == line.product_id) {
                Some((_, q)) => *q += line.quantity,
                None => merged.push((line.product_id, line.quantity)),
            }
        }
        if let Some((id, _)) = merged.iter().find(|(_, q)| *q > MAX_QUANTITY) {
            let i = lines.iter().position(|l| l.product_id == *id).unwrap_or(0);
            return Err(AppError::validation(
                format!("lines[{i}].quantity"),
                format!("all lines of this product add up to more than {MAX_QUANTITY}"),
            ));
        }
        Ok(Self {
            lines: merged,
            note,
        })
    }

    /// A fingerprint of the request, to tell a retry from a different request with the same key.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let canonical: BTreeMap<String, i64> = self
            .lines
            .iter()
            .map(|(id, q)| (id.to_string(), *q))
            .collect();
        let text = serde_json::json!({"lines": canonical, "note": self.note}).to_string();
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// `SR-001234`
pub fn order_number(n: i64) -> String {
    format!("SR-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let allowed = matches!(
                    (from, to),
                    (Pending, Confirmed | Rejected | Failed) | (Confirmed, Cancelled | Fulfilled)
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
        assert_eq!(r.lines, vec![(a, 5), (b, 1)]);
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

//! Proposals: a purchase order or a stock adjustment the model suggests, checked against the
//! real products and suppliers (read with the caller's token), returned as exactly the body
//! of the ordinary request for staff to confirm. Nothing is written here.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{
    model::{Proposal, ProposalKind},
    run::{uuid, Done, ToolError},
    Ctx,
};
use crate::ai::prompts::money;

/// The limits of the ordinary endpoints, so a proposal confirms as it was shown.
const MAX_LINES: usize = 100;
const MAX_QUANTITY: i64 = 1_000_000_000;
const MAX_COST_CENTS: i64 = 1_000_000_000_000;
/// Lines named in a summary; the rest are counted.
const SUMMARY_LINES: usize = 5;

#[derive(Deserialize)]
pub struct PurchaseOrderArgs {
    supplier_id: Option<String>,
    lines: Vec<LineArgs>,
    expected_at: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct LineArgs {
    product_id: String,
    quantity: i64,
    unit_cost_cents: Option<i64>,
}

fn invalid(problems: Vec<String>) -> Result<(), ToolError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ToolError::Invalid(problems.join("; ")))
    }
}

fn note(value: Option<String>, max: usize, problems: &mut Vec<String>) -> Option<String> {
    let note = value
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())?;
    if note.chars().count() > max {
        problems.push(format!("note must be at most {max} characters"));
    }
    Some(note)
}

fn label(product: &Value) -> String {
    format!(
        "{} ({})",
        product["name"].as_str().unwrap_or("?"),
        product["sku"].as_str().unwrap_or("?")
    )
}

pub async fn purchase_order(ctx: &Ctx<'_>, a: PurchaseOrderArgs) -> Result<Done, ToolError> {
    let mut problems = Vec::new();
    if a.lines.is_empty() || a.lines.len() > MAX_LINES {
        problems.push(format!("lines must hold 1 to {MAX_LINES} lines"));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for (i, line) in a.lines.iter().enumerate() {
        match uuid(&format!("lines[{i}].product_id"), &line.product_id) {
            Ok(id) if !seen.insert(id) => {
                problems.push(format!("lines[{i}].product_id appears on an earlier line"))
            }
            Ok(id) => ids.push(id),
            Err(e) => problems.push(e.to_string()),
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            problems.push(format!("lines[{i}].quantity must be 1 to {MAX_QUANTITY}"));
        }
        if line
            .unit_cost_cents
            .is_some_and(|c| !(0..=MAX_COST_CENTS).contains(&c))
        {
            problems.push(format!(
                "lines[{i}].unit_cost_cents must be 0 to {MAX_COST_CENTS}"
            ));
        }
    }
    let expected_at = a
        .expected_at
        .as_deref()
        .map(|t| DateTime::parse_from_rfc3339(t.trim()).map(|t| t.with_timezone(&Utc)))
        .transpose()
        .unwrap_or_else(|_| {
            problems.push("expected_at must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z".into());
            None
        });
    let note = note(a.note, 1000, &mut problems);
    let supplier_id = a
        .supplier_id
        .map(|id| uuid("supplier_id", &id))
        .transpose()
        .unwrap_or_else(|e| {
            problems.push(e.to_string());
            None
        });
    invalid(problems)?;

    let products = products(ctx, &ids).await?;
    let supplier_id = match supplier_id {
        Some(id) => id,
        None => one_supplier(&products)?,
    };
    let supplier = ctx
        .inventory()
        .supplier(ctx.token(), supplier_id, ctx.deadline)
        .await
        .map_err(|e| match e {
            ToolError::NotFound(_) => {
                ToolError::NotFound("no supplier with this supplier_id".into())
            }
            e => e,
        })?;

    let mut lines = Vec::new();
    let mut described = Vec::new();
    let mut total = Some(0i64);
    for (line, product) in a.lines.iter().zip(&products) {
        let mut body = Map::new();
        body.insert("product_id".into(), product["id"].clone());
        body.insert("quantity".into(), line.quantity.into());
        if let Some(cost) = line.unit_cost_cents {
            body.insert("unit_cost_cents".into(), cost.into());
        }
        lines.push(Value::Object(body));
        described.push(format!("{} × {}", line.quantity, label(product)));
        let cost = line
            .unit_cost_cents
            .or_else(|| product["cost_cents"].as_i64());
        total = total
            .zip(cost)
            .map(|(t, c)| t.saturating_add(c.saturating_mul(line.quantity)));
    }
    let mut body = json!({"supplier_id": supplier_id, "lines": lines});
    if let Some(at) = expected_at {
        body["expected_at"] = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into();
    }
    if let Some(note) = note {
        body["note"] = note.into();
    }
    let currency = products
        .first()
        .and_then(|p| p["currency"].as_str())
        .unwrap_or("");
    let cost = match total {
        Some(t) => format!(", about {} {currency} at cost", money(t)),
        None => String::new(),
    };
    let summary = format!(
        "Draft purchase order to {}: {}{cost}",
        supplier["name"].as_str().unwrap_or("the supplier"),
        listed(&described),
    );
    Ok(proposed(ProposalKind::PurchaseOrder, body, summary))
}

/// The products, in the order asked, each one that exists and is active.
async fn products(ctx: &Ctx<'_>, ids: &[Uuid]) -> Result<Vec<Value>, ToolError> {
    let mut products = Vec::with_capacity(ids.len());
    // A few at a time: a hundred lines must not open a hundred connections at once.
    for (n, chunk) in ids.chunks(8).enumerate() {
        let reads = chunk.iter().enumerate().map(|(k, id)| {
            let i = n * 8 + k;
            async move {
                match ctx
                    .inventory()
                    .product(ctx.token(), *id, ctx.deadline)
                    .await
                {
                    Err(ToolError::NotFound(_)) => Err(ToolError::NotFound(format!(
                        "lines[{i}].product_id: no product with this id"
                    ))),
                    other => other,
                }
            }
        });
        products.extend(try_join_all(reads).await?);
    }
    let archived: Vec<String> = products
        .iter()
        .filter(|p| p["active"] == false)
        .map(label)
        .collect();
    if !archived.is_empty() {
        return Err(ToolError::Invalid(format!(
            "archived, not orderable: {}",
            archived.join(", ")
        )));
    }
    Ok(products)
}

/// The one supplier every product names, when no supplier was given.
fn one_supplier(products: &[Value]) -> Result<Uuid, ToolError> {
    let mut named = HashSet::new();
    for p in products {
        match p["supplier_id"]
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
        {
            Some(id) => named.insert(id),
            None => {
                return Err(ToolError::Invalid(format!(
                    "{} has no supplier: give supplier_id",
                    label(p)
                )))
            }
        };
    }
    match named.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => Ok(*one),
        _ => Err(ToolError::Invalid(
            "the products have different suppliers: propose one purchase order per supplier".into(),
        )),
    }
}

fn listed(parts: &[String]) -> String {
    let shown = parts
        .iter()
        .take(SUMMARY_LINES)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match parts.len().saturating_sub(SUMMARY_LINES) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

fn proposed(kind: ProposalKind, body: Value, summary: String) -> Done {
    let proposal = Proposal {
        kind,
        body,
        summary,
    };
    Done {
        result: json!({
            "proposed": proposal,
            "status": "shown to the user as a card to confirm; nothing has been changed or ordered",
        }),
        proposal: Some(proposal),
    }
}

#[derive(Deserialize)]
pub struct AdjustmentArgs {
    product_id: String,
    delta: i64,
    reason: String,
    note: Option<String>,
}

/// The sign rule of inventory's adjustments, per reason.
fn check_delta(reason: &str, delta: i64) -> Result<(), String> {
    match reason {
        _ if delta == 0 => Err("delta must not be 0".into()),
        _ if delta.abs() > MAX_QUANTITY => Err(format!("delta must be within ±{MAX_QUANTITY}")),
        "received" | "returned" if delta < 0 => {
            Err(format!("delta must be positive for {reason} stock"))
        }
        "damaged" | "lost" if delta > 0 => {
            Err(format!("delta must be negative for {reason} stock"))
        }
        "received" | "returned" | "damaged" | "lost" | "correction" => Ok(()),
        _ => Err("reason must be received, returned, damaged, lost or correction".into()),
    }
}

pub async fn stock_adjustment(ctx: &Ctx<'_>, a: AdjustmentArgs) -> Result<Done, ToolError> {
    let mut problems = Vec::new();
    let reason = a.reason.trim().to_ascii_lowercase();
    if let Err(e) = check_delta(&reason, a.delta) {
        problems.push(e);
    }
    let note = note(a.note, 500, &mut problems);
    let id = uuid("product_id", &a.product_id);
    if let Err(e) = &id {
        problems.push(e.to_string());
    }
    invalid(problems)?;
    let id = id?;
    let product = ctx
        .inventory()
        .product(ctx.token(), id, ctx.deadline)
        .await?;
    let on_hand = product["on_hand"].as_i64().unwrap_or(0);
    let reserved = product["reserved"].as_i64().unwrap_or(0);
    let after = on_hand.saturating_add(a.delta);
    if after < reserved.max(0) {
        return Err(ToolError::Invalid(format!(
            "{} has {on_hand} on hand and {reserved} reserved: on hand cannot fall to {after}",
            label(&product)
        )));
    }
    let mut body = json!({"product_id": id, "delta": a.delta, "reason": reason});
    if let Some(note) = note {
        body["note"] = note.into();
    }
    let summary = format!(
        "Stock adjustment for {}: {:+} {reason}, on hand {on_hand} → {after}",
        label(&product),
        a.delta
    );
    Ok(proposed(ProposalKind::StockAdjustment, body, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments_follow_inventorys_sign_rules() {
        assert!(check_delta("received", 5).is_ok());
        assert!(check_delta("received", -5).is_err());
        assert!(check_delta("damaged", 2).is_err());
        assert!(check_delta("lost", -2).is_ok());
        assert!(check_delta("correction", -3).is_ok());
        assert!(check_delta("correction", 0).is_err());
        assert!(check_delta("reserved", 1).is_err());
        assert!(check_delta("received", 2_000_000_000).is_err());
    }

    #[test]
    fn long_proposals_name_the_first_lines_and_count_the_rest() {
        let parts: Vec<String> = (1..=7).map(|i| format!("{i} × P{i}")).collect();
        assert_eq!(
            listed(&parts),
            "1 × P1, 2 × P2, 3 × P3, 4 × P4, 5 × P5 and 2 more"
        );
    }
}

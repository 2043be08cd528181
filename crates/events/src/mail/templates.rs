//! Which emails an event sends, and their text. Customers get order confirmed (with the AI's
//! note to them when it is ready), shipped (with tracking) and return received; staff who
//! asked for it get an alert for every confirmed order.
//!
//! The fields read from an event's `data` (all optional but the address): `customer_email`,
//! `number`, `total_cents`, `currency`, `customer_message`, `carrier`, `tracking_number`,
//! `order_number`, `refund_cents`.

use serde_json::Value;

use crate::{
    model::{LOW_STOCK_DIGEST, NEW_ORDER_ALERT},
    store::RecipientRow,
};

/// One email to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub template: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The emails `kind` with `data` sends.
pub fn drafts(kind: &str, data: &Value, recipients: &[RecipientRow]) -> Vec<Draft> {
    let mut out = Vec::new();
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(clean);
    let customer = text("customer_email").filter(|e| e.contains('@'));
    let number = text("number")
        .or_else(|| text("order_number"))
        .unwrap_or_else(|| "your order".into());
    let money = |key: &str| {
        data.get(key)
            .and_then(Value::as_i64)
            .map(|cents| format_money(cents, &text("currency").unwrap_or_else(|| "USD".into())))
    };
    match kind {
        // An order recorded long after it was taken was confirmed back then.
        "order.confirmed" if data.get("recorded_later") == Some(&Value::Bool(true)) => {}
        "order.confirmed" => {
            if let Some(to) = &customer {
                let mut body = format!("Thank you for your order {number}.\n");
                if let Some(total) = money("total_cents") {
                    body.push_str(&format!("Total: {total}\n"));
                }
                let note = data
                    .get("customer_message")
                    .and_then(Value::as_str)
                    .map(paragraphs);
                if let Some(note) = note.filter(|m| !m.is_empty()) {
                    body.push('\n');
                    body.push_str(&note);
                    body.push('\n');
                }
                body.push_str("\nWe will let you know when it ships.\n");
                out.push(Draft {
                    template: "order_confirmed",
                    to: to.clone(),
                    subject: format!("Order {number} confirmed"),
                    body,
                });
            }
            for r in recipients.iter().filter(|r| r.kind == NEW_ORDER_ALERT) {
                let total = money("total_cents").unwrap_or_default();
                out.push(Draft {
                    template: NEW_ORDER_ALERT,
                    to: r.email.clone(),
                    subject: format!("New order {number} {total}").trim().to_string(),
                    body: format!(
                        "Order {number} was confirmed{}.\n",
                        customer
                            .as_ref()
                            .map(|c| format!(" for {c}"))
                            .unwrap_or_default()
                    ),
                });
            }
        }
        "order.shipped" => {
            if let Some(to) = customer {
                let mut body = format!("Your order {number} is on its way.\n");
                match (text("carrier"), text("tracking_number")) {
                    (Some(c), Some(t)) => body.push_str(&format!("Tracking: {c} {t}\n")),
                    (None, Some(t)) => body.push_str(&format!("Tracking number: {t}\n")),
                    _ => {}
                }
                out.push(Draft {
                    template: "order_shipped",
                    to,
                    subject: format!("Order {number} shipped"),
                    body,
                });
            }
        }
        "return.received" => {
            if let Some(to) = customer {
                let mut body = format!("We received your return for {number}.\n");
                if let Some(refund) = money("refund_cents") {
                    body.push_str(&format!("Refund: {refund}\n"));
                }
                out.push(Draft {
                    template: "return_received",
                    to,
                    subject: format!("Return for {number} received"),
                    body,
                });
            }
        }
        _ => {}
    }
    out
}

/// One product in a low-stock digest, from its newest `stock.low` or `stock.out` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowProduct {
    pub sku: String,
    pub name: String,
    pub available: i64,
    pub reorder_point: Option<i64>,
}

/// The products `events` (newest first, as the audit log reads) say ran low, each once, as
/// its newest event left it; at most `limit`.
pub fn low_products(events: &[(String, Value)], limit: usize) -> Vec<LowProduct> {
    let mut seen = std::collections::HashSet::new();
    events
        .iter()
        .filter(|(kind, _)| kind == "stock.low" || kind == "stock.out")
        .filter_map(|(_, data)| {
            let text = |key: &str| data.get(key).and_then(Value::as_str).map(clean);
            let sku = text("sku")?;
            seen.insert(sku.clone()).then(|| LowProduct {
                name: text("name").unwrap_or_else(|| sku.clone()),
                sku,
                available: data.get("available").and_then(Value::as_i64).unwrap_or(0),
                reorder_point: data.get("reorder_point").and_then(Value::as_i64),
            })
        })
        .take(limit)
        .collect()
}

/// The low-stock digest to one member of staff.
pub fn low_stock_digest(to: &str, products: &[LowProduct]) -> Draft {
    let mut body = format!(
        "{} product{} ran low since the last digest:\n\n",
        products.len(),
        if products.len() == 1 { "" } else { "s" }
    );
    for p in products {
        let point = p
            .reorder_point
            .map(|r| format!(" (reorder point {r})"))
            .unwrap_or_default();
        body.push_str(&format!(
            "- {} {}: {} available{point}\n",
            p.sku, p.name, p.available
        ));
    }
    body.push_str("\nThe Restock page suggests what to order.\n");
    Draft {
        template: LOW_STOCK_DIGEST,
        to: to.to_string(),
        subject: format!(
            "Low stock: {} product{}",
            products.len(),
            if products.len() == 1 { "" } else { "s" }
        ),
        body,
    }
}

/// The email to a webhook's owner when it is switched off.
pub fn webhook_deactivated(to: &str, url: &str) -> Draft {
    Draft {
        template: "webhook_deactivated",
        to: to.to_string(),
        subject: "A Stockroom webhook was deactivated".into(),
        body: format!(
            "Every delivery to {} failed for 24 hours, so the webhook was deactivated.\n\
             Fix the receiver, then turn the webhook on again on the Webhooks page.\n",
            clean(url)
        ),
    }
}

/// Text for an email's body: its line breaks kept, every other control character dropped,
/// bounded. Never used in a header.
fn paragraphs(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .take(2_000)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Text from an event, safe on one line: no control characters, bounded.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(500).collect()
}

fn format_money(cents: i64, currency: &str) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn an_order_confirmation_goes_to_the_customer_and_to_staff_who_asked() {
        let staff = RecipientRow {
            kind: NEW_ORDER_ALERT.into(),
            user_id: Uuid::nil(),
            email: "lead@shop.example".into(),
        };
        let data = json!({"customer_email": "ana@example.com", "number": "SR-000012",
            "total_cents": 12345, "currency": "EUR", "customer_message": "Thanks, Ana!"});
        let drafts = drafts("order.confirmed", &data, &[staff]);
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].to, "ana@example.com");
        assert_eq!(drafts[0].subject, "Order SR-000012 confirmed");
        assert!(drafts[0].body.contains("123.45 EUR"));
        assert!(drafts[0].body.contains("Thanks, Ana!"));
        assert_eq!(drafts[1].to, "lead@shop.example");
        assert_eq!(drafts[1].template, NEW_ORDER_ALERT);
    }

    #[test]
    fn shipped_and_returns_reach_the_customer_and_other_events_send_nothing() {
        let shipped = drafts(
            "order.shipped",
            &json!({"customer_email": "a@b.example", "number": "SR-1", "carrier": "DHL", "tracking_number": "XYZ"}),
            &[],
        );
        assert!(shipped[0].body.contains("DHL XYZ"));
        let returned = drafts(
            "return.received",
            &json!({"customer_email": "a@b.example", "order_number": "SR-1", "refund_cents": 500}),
            &[],
        );
        assert!(returned[0].body.contains("5.00 USD"));
        assert!(drafts("user.registered", &json!({"email": "a@b.example"}), &[]).is_empty());
        assert!(drafts("order.confirmed", &json!({"number": "SR-1"}), &[]).is_empty());
        let staff = RecipientRow {
            kind: NEW_ORDER_ALERT.into(),
            user_id: Uuid::nil(),
            email: "lead@shop.example".into(),
        };
        let old =
            json!({"customer_email": "a@b.example", "number": "SR-1", "recorded_later": true});
        assert!(drafts("order.confirmed", &old, &[staff]).is_empty());
    }

    #[test]
    fn a_digest_lists_each_product_once_as_its_newest_event_left_it() {
        let events = [
            (
                "stock.out".to_string(),
                json!({"sku": "TEA", "name": "Tea", "available": 0, "reorder_point": 5}),
            ),
            (
                "stock.adjusted".to_string(),
                json!({"sku": "MUG", "name": "Mug", "available": 1}),
            ),
            (
                "stock.low".to_string(),
                json!({"sku": "TEA", "name": "Tea", "available": 4, "reorder_point": 5}),
            ),
            (
                "stock.low".to_string(),
                json!({"sku": "POT", "name": "Pot\r\nBcc: x@evil.example", "available": 2}),
            ),
            ("stock.low".to_string(), json!({"name": "no sku"})),
        ];
        let products = low_products(&events, 10);
        assert_eq!(
            products
                .iter()
                .map(|p| (p.sku.as_str(), p.available))
                .collect::<Vec<_>>(),
            [("TEA", 0), ("POT", 2)]
        );
        assert_eq!(low_products(&events, 1).len(), 1);
        let digest = low_stock_digest("lead@shop.example", &products);
        assert_eq!(digest.subject, "Low stock: 2 products");
        assert!(digest
            .body
            .contains("- TEA Tea: 0 available (reorder point 5)"));
        assert!(!digest.body.contains('\r'));
    }

    #[test]
    fn a_subject_cannot_carry_a_header_of_its_own() {
        let d = drafts(
            "order.confirmed",
            &json!({"customer_email": "a@b.example", "number": "SR-1\r\nBcc: x@evil.example"}),
            &[],
        );
        assert!(!d[0].subject.contains('\n') && !d[0].subject.contains('\r'));
        let note = json!({"customer_email": "a@b.example", "number": "SR-1",
                          "customer_message": "Dear Ana,\r\nthank you.\n\nThe shop\u{7}"});
        let body = &drafts("order.confirmed", &note, &[])[0].body;
        assert!(
            body.contains("Dear Ana,\nthank you.\n\nThe shop\n"),
            "{body}"
        );
    }
}

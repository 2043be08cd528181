//! What a tool shows of a record, by who is asking. The services already scope what a caller
//! may read; these views also keep tool results small and, for customers, list only the
//! fields meant for them, so nothing added to a record later reaches a customer unasked.

use serde_json::{Map, Value};

use crate::model::Order;

const CUSTOMER_PRODUCT: &[&str] = &[
    "id",
    "sku",
    "name",
    "category",
    "price_cents",
    "currency",
    "available",
];
const STAFF_PRODUCT: &[&str] = &[
    "id",
    "sku",
    "name",
    "category",
    "supplier_id",
    "price_cents",
    "cost_cents",
    "currency",
    "on_hand",
    "reserved",
    "available",
    "reorder_point",
    "reorder_quantity",
    "on_order",
    "active",
];
const CUSTOMER_ORDER: &[&str] = &[
    "id",
    "number",
    "status",
    "lines",
    "total_cents",
    "currency",
    "note",
    "created_at",
    "updated_at",
];
const PURCHASE_ORDER: &[&str] = &[
    "id",
    "number",
    "supplier_id",
    "status",
    "total_cents",
    "currency",
    "expected_at",
    "created_at",
];
/// Characters of a product description a tool shows.
const DESCRIPTION_CHARS: usize = 500;

fn pick(value: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    for key in keys {
        if let Some(v) = value.get(*key) {
            out.insert((*key).to_string(), v.clone());
        }
    }
    Value::Object(out)
}

/// A product in a list.
pub fn product(staff: bool, p: &Value) -> Value {
    pick(
        p,
        if staff {
            STAFF_PRODUCT
        } else {
            CUSTOMER_PRODUCT
        },
    )
}

/// One product, with (the start of) its description.
pub fn product_detail(staff: bool, p: &Value) -> Value {
    let mut view = product(staff, p);
    if let Some(d) = p["description"].as_str().filter(|d| !d.is_empty()) {
        view["description"] = d.chars().take(DESCRIPTION_CHARS).collect::<String>().into();
    }
    view
}

/// An order in a list: lines as short text.
pub fn order_line_up(staff: bool, o: &Order) -> Value {
    let lines: Vec<String> = o
        .lines
        .iter()
        .map(|l| format!("{} × {} ({})", l.quantity, l.name, l.sku))
        .collect();
    let mut view = serde_json::json!({
        "id": o.id, "number": o.number, "status": o.status, "total_cents": o.total_cents,
        "currency": o.currency, "created_at": o.created_at, "lines": lines,
    });
    if staff {
        view["customer_id"] = o.customer_id.clone().into();
        view["customer_email"] = o.customer_email.clone().into();
    }
    view
}

/// One order as its route shows it to this caller; a customer's view also leaves out who
/// (which staff member) moved it and the ids behind it.
pub fn order_detail(staff: bool, o: &Order) -> Value {
    let full = serde_json::to_value(o).unwrap_or(Value::Null);
    if staff {
        return full;
    }
    let mut view = pick(&full, CUSTOMER_ORDER);
    view["ai_summary"] = serde_json::json!({"customer_message": o.ai_summary.customer_message});
    view["history"] = o
        .history
        .iter()
        .map(|h| serde_json::json!({"status": h.status, "at": h.at}))
        .collect();
    view
}

/// A purchase order in a list.
pub fn purchase_order(po: &Value) -> Value {
    let mut view = pick(po, PURCHASE_ORDER);
    let lines: Vec<Value> = po["lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|l| {
                    pick(
                        l,
                        &[
                            "product_id",
                            "sku",
                            "name",
                            "quantity_ordered",
                            "quantity_received",
                        ],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    view["lines"] = lines.into();
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn customers_see_only_what_a_shopper_needs_of_a_product() {
        let p = json!({"id": "p1", "sku": "TEA", "name": "Tea", "price_cents": 450, "cost_cents": 200,
                       "supplier_id": "s1", "on_hand": 10, "reserved": 3, "available": 7,
                       "reorder_point": 5, "description": "Leaves", "secret_new_field": 1});
        let seen = product_detail(false, &p);
        assert_eq!(
            seen,
            json!({"id": "p1", "sku": "TEA", "name": "Tea", "price_cents": 450, "available": 7, "description": "Leaves"})
        );
        assert_eq!(product(true, &p)["cost_cents"], 200);
    }
}

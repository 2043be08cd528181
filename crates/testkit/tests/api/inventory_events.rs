//! inventory's outbox: catalogue edits, stock changes and purchase orders reach the audit log
//! with the staff member who made them; reservations record low and out-of-stock once, as the
//! threshold is crossed; changes that were refused record nothing.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::{eventually, Api, Session, Svc, TestSystem};
use uuid::Uuid;

/// The audit log of one entity, oldest first, once it holds `count` events.
async fn audit_of(events: &Api, entity: &str, count: usize) -> Vec<Value> {
    eventually(Duration::from_secs(20), || async {
        let page = events
            .get(&format!("/api/audit?entity_id={entity}&limit=100"))
            .await
            .expect(200);
        let mut items = page.body["items"].as_array().cloned().unwrap_or_default();
        items.reverse();
        if items.len() >= count {
            Ok(items)
        } else {
            Err(kinds(&items))
        }
    })
    .await
}

fn kinds(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn reserve(sys: &TestSystem, service: &str, product: &str, quantity: i64) {
    sys.api(Svc::Inventory)
        .with_token(service)
        .post(
            "/internal/reservations",
            json!({"reservation_id": Uuid::now_v7(),
                   "lines": [{"product_id": product, "quantity": quantity}]}),
        )
        .await
        .expect(201);
}

fn by_staff(event: &Value, staff: &Session) {
    assert_eq!(
        event["actor"],
        json!({"user_id": staff.id, "email": staff.email, "service": "inventory"}),
        "{}",
        event["type"]
    );
}

#[tokio::test]
async fn catalogue_stock_and_purchasing_changes_reach_the_audit_log_and_refusals_do_not() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Events]).await;
    let (admin, staff, _) = sys.cast().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let events = sys.api(Svc::Events).with_token(&admin.token);

    let supplier = inv
        .post("/api/suppliers", json!({"name": "Leaf & Co"}))
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tea = inv
        .post(
            "/api/products",
            json!({"sku": "tea-ev", "name": "Green tea", "category": "tea", "price_cents": 450,
                   "initial_stock": 20, "reorder_point": 5, "supplier_id": supplier}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The name is sent as it was: only what changed is recorded.
    inv.patch(
        &format!("/api/products/{tea}"),
        json!({"name": "Green tea", "price_cents": 500, "reorder_point": 12}),
    )
    .await
    .expect(200);
    inv.post(
        "/api/inventory/adjustments",
        json!({"product_id": tea, "delta": -2, "reason": "damaged", "note": "dropped a box"}),
    )
    .await
    .expect(201);
    inv.post(
        "/api/inventory/stocktake",
        json!({"counts": [{"product_id": tea, "counted": 16}], "note": "aisle 3"}),
    )
    .await
    .expect(201);
    let po = inv
        .post(
            "/api/purchase-orders",
            json!({"supplier_id": supplier, "lines": [{"product_id": tea, "quantity": 10, "unit_cost_cents": 200}]}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    inv.post(&format!("/api/purchase-orders/{po}/order"), json!({}))
        .await
        .expect(200);
    inv.post(
        &format!("/api/purchase-orders/{po}/receipts"),
        json!({"lines": [{"product_id": tea, "quantity": 4}], "note": "first pallet"}),
    )
    .await
    .expect(201);
    inv.post(
        &format!("/api/purchase-orders/{po}/close"),
        json!({"reason": "the rest is discontinued"}),
    )
    .await
    .expect(200);

    let product_log = audit_of(&events, &tea, 5).await;
    assert_eq!(
        kinds(&product_log),
        [
            "product.created",
            "product.updated",
            "stock.adjusted",
            "stock.adjusted",
            "stock.adjusted"
        ]
    );
    for e in &product_log {
        by_staff(e, &staff);
        assert_eq!(e["entity"], json!({"kind": "product", "id": tea}));
    }
    let created = &product_log[0]["data"];
    assert_eq!(
        (
            &created["sku"],
            &created["on_hand"],
            &created["price_cents"]
        ),
        (&json!("TEA-EV"), &json!(20), &json!(450))
    );
    assert_eq!(
        product_log[1]["data"],
        json!({"sku": "TEA-EV", "changes": {
            "price_cents": {"before": 450, "after": 500},
            "reorder_point": {"before": 5, "after": 12},
        }})
    );
    let stock: Vec<(&str, i64, i64)> = product_log[2..]
        .iter()
        .map(|e| {
            let d = &e["data"];
            (
                d["kind"].as_str().unwrap(),
                d["delta"].as_i64().unwrap(),
                d["on_hand"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stock,
        [
            ("damaged", -2, 18),
            ("correction", -2, 16),
            ("received", 4, 20)
        ]
    );
    assert_eq!(product_log[2]["data"]["note"], "dropped a box");
    assert_eq!(product_log[4]["data"]["purchase_order_id"], json!(po));

    let po_log = audit_of(&events, &po, 4).await;
    assert_eq!(
        kinds(&po_log),
        [
            "purchase_order.created",
            "purchase_order.ordered",
            "purchase_order.received",
            "purchase_order.closed"
        ]
    );
    let statuses: Vec<&str> = po_log
        .iter()
        .map(|e| e["data"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["draft", "ordered", "partially_received", "closed"]
    );
    assert_eq!(po_log[0]["data"]["supplier_id"], json!(supplier));
    assert_eq!(po_log[0]["data"]["number"], "PO-000001");
    assert_eq!(
        po_log[2]["data"]["lines"],
        json!([{"product_id": tea, "sku": "TEA-EV", "received": 4, "quantity_received": 4,
                "quantity_ordered": 10}])
    );
    assert_eq!(po_log[3]["data"]["reason"], "the rest is discontinued");
    by_staff(&po_log[3], &staff);

    // Available 20, low at 12: 8 reserved crosses the point, 3 more do not, the last 9 empty it.
    let service = sys.service_token().await;
    reserve(&sys, &service, &tea, 8).await;
    reserve(&sys, &service, &tea, 3).await;
    reserve(&sys, &service, &tea, 9).await;
    // Refused changes: a loss beyond what is on hand, a stale edit, archiving what is reserved.
    inv.post(
        "/api/inventory/adjustments",
        json!({"product_id": tea, "delta": -100, "reason": "lost"}),
    )
    .await
    .expect_problem(409);
    inv.patch(
        &format!("/api/products/{tea}"),
        json!({"price_cents": 1, "version": 1}),
    )
    .await
    .expect_problem(409);
    inv.delete(&format!("/api/products/{tea}"))
        .await
        .expect_problem(409);
    // A change after them: once it is logged, anything they had recorded would be too.
    inv.patch(
        &format!("/api/products/{tea}"),
        json!({"description": "first flush"}),
    )
    .await
    .expect(200);

    let product_log = audit_of(&events, &tea, 8).await;
    assert_eq!(
        kinds(&product_log[5..]),
        ["stock.low", "stock.out", "product.updated"],
        "one of each, and nothing from the refused changes"
    );
    let low = &product_log[5];
    assert_eq!(
        (&low["data"]["available"], &low["data"]["reorder_point"]),
        (&json!(12), &json!(12))
    );
    assert_eq!(low["data"]["kind"], "reserved");
    assert_eq!(low["actor"], json!({"service": "inventory"}));
    assert!(
        low["request_id"].is_string(),
        "the reservation's request is named though a worker recorded it"
    );
    assert_eq!(product_log[6]["data"]["available"], 0);
    assert_eq!(
        product_log[7]["data"]["changes"],
        json!({"description": {"before": "", "after": "first flush"}})
    );
    let all = events
        .get(&format!("/api/audit?entity_id={tea}&limit=100"))
        .await
        .expect(200);
    assert_eq!(
        all.body["items"].as_array().unwrap().len(),
        8,
        "nothing more"
    );
}

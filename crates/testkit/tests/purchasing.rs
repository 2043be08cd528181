//! Purchasing over HTTP: purchase orders through every state, receipts (partial, full,
//! retried, concurrent), drafts from restock advice, and what products and restock insights
//! make of them. On SQLite by default, on PostgreSQL with `STOCKROOM_TEST_DATABASE_URL`.

use reqwest::Method;
use serde_json::{json, Value};
use testkit::{Api, Reply, Session, Svc, TestSystem};

async fn system() -> (TestSystem, Session, Api) {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, _) = sys.cast().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    (sys, staff, inv)
}

async fn supplier(inv: &Api, name: &str, lead_time_days: i64) -> String {
    let s = inv
        .post(
            "/api/suppliers",
            json!({"name": name, "lead_time_days": lead_time_days}),
        )
        .await
        .expect(201);
    s.body["id"].as_str().unwrap().to_string()
}

/// A product with stock, a reorder point of 5 and a batch of 20.
async fn product(
    inv: &Api,
    sku: &str,
    stock: i64,
    supplier: Option<&str>,
    cost: Option<i64>,
) -> String {
    let p = inv
        .post(
            "/api/products",
            json!({"sku": sku, "name": format!("Product {sku}"), "price_cents": 1000,
                   "initial_stock": stock, "reorder_point": 5, "reorder_quantity": 20,
                   "supplier_id": supplier, "cost_cents": cost}),
        )
        .await
        .expect(201);
    p.body["id"].as_str().unwrap().to_string()
}

async fn draft(inv: &Api, supplier: &str, lines: Value) -> Value {
    inv.post(
        "/api/purchase-orders",
        json!({"supplier_id": supplier, "lines": lines}),
    )
    .await
    .expect(201)
    .body
}

async fn step(inv: &Api, po: &Value, action: &str) -> Reply {
    let id = po["id"].as_str().unwrap();
    inv.post(&format!("/api/purchase-orders/{id}/{action}"), json!({}))
        .await
}

async fn receive(inv: &Api, po: &Value, key: &str, lines: Value) -> Reply {
    let id = po["id"].as_str().unwrap();
    Api::send(
        inv.request(Method::POST, &format!("/api/purchase-orders/{id}/receipts"))
            .header("idempotency-key", key)
            .json(&json!({ "lines": lines })),
    )
    .await
}

async fn product_json(inv: &Api, id: &str) -> Value {
    inv.get(&format!("/api/products/{id}"))
        .await
        .expect(200)
        .body
}

fn history(po: &Value) -> Vec<String> {
    po["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_purchase_order_goes_from_draft_to_received_in_two_receipts() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 5).await;
    let tea = product(&inv, "TEA", 2, Some(&acme), Some(250)).await;
    let mug = product(&inv, "MUG", 0, Some(&acme), None).await;

    let po = draft(
        &inv,
        &acme,
        json!([{"product_id": tea, "quantity": 10}, {"product_id": mug, "quantity": 4, "unit_cost_cents": 300}]),
    )
    .await;
    assert_eq!(po["status"], "draft");
    let number = po["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("PO-") && number.len() == 9, "{number}");
    assert_eq!(po["lines"][0]["unit_cost_cents"], 250, "the product's cost");
    assert_eq!(po["total_cents"], 10 * 250 + 4 * 300);
    assert_eq!(po["supplier_name"], "Acme");
    assert!(po["expected_at"].is_null());
    let id = po["id"].as_str().unwrap().to_string();

    // A draft is editable, and drafts are not on order yet.
    let edited = inv
        .patch(
            &format!("/api/purchase-orders/{id}"),
            json!({"note": "call before delivery",
                   "lines": [{"product_id": tea, "quantity": 12}, {"product_id": mug, "quantity": 4}]}),
        )
        .await
        .expect(200);
    assert_eq!(edited.body["note"], "call before delivery");
    assert_eq!(edited.body["lines"][0]["quantity_ordered"], 12);
    assert_eq!(product_json(&inv, &tea).await["on_order"], 0);

    let ordered = step(&inv, &po, "order").await.expect(200).body;
    assert_eq!(ordered["status"], "ordered");
    let expected: chrono::DateTime<chrono::Utc> =
        ordered["expected_at"].as_str().unwrap().parse().unwrap();
    let days = (expected - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!(
        (4.9..=5.0).contains(&days),
        "the supplier's lead time: {days}"
    );
    assert_eq!(product_json(&inv, &tea).await["on_order"], 12);
    inv.patch(&format!("/api/purchase-orders/{id}"), json!({"note": "x"}))
        .await
        .expect_problem(409);
    step(&inv, &po, "order").await.expect_problem(409);

    let part = receive(
        &inv,
        &po,
        "goods-in-1",
        json!([{"product_id": tea, "quantity": 5}]),
    )
    .await
    .expect(201)
    .body;
    assert_eq!(part["status"], "partially_received");
    assert_eq!(part["lines"][0]["quantity_received"], 5);
    let p = product_json(&inv, &tea).await;
    assert_eq!(
        (p["on_hand"].as_i64(), p["on_order"].as_i64()),
        (Some(7), Some(7))
    );

    let ledger = inv
        .get(&format!("/api/inventory/movements?product_id={tea}"))
        .await
        .expect(200);
    let m = &ledger.body["items"][0];
    assert_eq!(m["reason"], "received");
    assert_eq!(m["on_hand_delta"], 5);
    assert_eq!(m["purchase_order_id"].as_str(), Some(id.as_str()));
    assert!(m["note"].as_str().unwrap().contains(&number));

    let full = receive(
        &inv,
        &po,
        "goods-in-2",
        json!([{"product_id": tea, "quantity": 7}, {"product_id": mug, "quantity": 4}]),
    )
    .await
    .expect(201)
    .body;
    assert_eq!(full["status"], "received");
    assert_eq!(
        history(&full),
        ["draft", "ordered", "partially_received", "received"]
    );
    let (t, m) = (
        product_json(&inv, &tea).await,
        product_json(&inv, &mug).await,
    );
    assert_eq!(
        (t["on_hand"].as_i64(), t["on_order"].as_i64()),
        (Some(14), Some(0))
    );
    assert_eq!(
        (m["on_hand"].as_i64(), m["on_order"].as_i64()),
        (Some(4), Some(0))
    );

    // Finished: nothing more comes in, and it can be neither cancelled nor closed.
    receive(
        &inv,
        &po,
        "goods-in-3",
        json!([{"product_id": tea, "quantity": 1}]),
    )
    .await
    .expect_problem(409);
    step(&inv, &po, "cancel").await.expect_problem(409);
    step(&inv, &po, "close").await.expect_problem(409);
    let got = inv
        .get(&format!("/api/purchase-orders/{id}"))
        .await
        .expect(200);
    assert_eq!(got.body["status"], "received");
}

#[tokio::test]
async fn more_than_the_rest_is_409_and_receives_nothing() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 3).await;
    let tea = product(&inv, "TEA", 0, Some(&acme), None).await;
    let other = product(&inv, "OTHER", 0, Some(&acme), None).await;
    let po = draft(&inv, &acme, json!([{"product_id": tea, "quantity": 5}])).await;

    // Not before it is ordered.
    receive(
        &inv,
        &po,
        "early",
        json!([{"product_id": tea, "quantity": 1}]),
    )
    .await
    .expect_problem(409);
    step(&inv, &po, "order").await.expect(200);
    receive(&inv, &po, "r1", json!([{"product_id": tea, "quantity": 3}]))
        .await
        .expect(201);
    let over = receive(&inv, &po, "r2", json!([{"product_id": tea, "quantity": 3}]))
        .await
        .expect_problem(409);
    assert_eq!(over.problem_type(), "/problems/over-receipt");
    assert_eq!(over.body["errors"][0]["message"], "only 2 still to come");
    // Two lines of one product are added together before the check.
    receive(
        &inv,
        &po,
        "r3",
        json!([{"product_id": tea, "quantity": 2}, {"product_id": tea, "quantity": 1}]),
    )
    .await
    .expect_problem(409);
    let not_on_it = receive(
        &inv,
        &po,
        "r4",
        json!([{"product_id": other, "quantity": 1}]),
    )
    .await
    .expect_problem(422);
    assert_eq!(not_on_it.body["errors"][0]["field"], "lines[0].product_id");
    let p = product_json(&inv, &tea).await;
    assert_eq!(
        (p["on_hand"].as_i64(), p["on_order"].as_i64()),
        (Some(3), Some(2))
    );
    receive(&inv, &po, "r5", json!([{"product_id": tea, "quantity": 0}]))
        .await
        .expect_problem(422);
}

#[tokio::test]
async fn cancel_and_close_follow_the_states_and_take_the_rest_off_order() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 3).await;
    let tea = product(&inv, "TEA", 0, Some(&acme), None).await;
    let lines = json!([{"product_id": tea, "quantity": 10}]);

    // draft → cancelled; a draft cannot be closed.
    let a = draft(&inv, &acme, lines.clone()).await;
    step(&inv, &a, "close").await.expect_problem(409);
    let cancelled = inv
        .post(
            &format!("/api/purchase-orders/{}/cancel", a["id"].as_str().unwrap()),
            json!({"reason": "duplicate"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["history"][1]["note"], "duplicate");
    for action in ["order", "cancel", "close"] {
        step(&inv, &a, action).await.expect_problem(409);
    }
    receive(&inv, &a, "a1", json!([{"product_id": tea, "quantity": 1}]))
        .await
        .expect_problem(409);

    // ordered → cancelled (an empty body is no reason): the units leave on_order.
    let b = draft(&inv, &acme, lines.clone()).await;
    step(&inv, &b, "order").await.expect(200);
    assert_eq!(product_json(&inv, &tea).await["on_order"], 10);
    step(&inv, &b, "close").await.expect_problem(409);
    let id = b["id"].as_str().unwrap();
    let empty = Api::send(inv.request(Method::POST, &format!("/api/purchase-orders/{id}/cancel")))
        .await
        .expect(200);
    assert_eq!(empty.body["status"], "cancelled");
    assert_eq!(product_json(&inv, &tea).await["on_order"], 0);

    // partially_received → closed, never cancelled: the rest leaves on_order.
    let c = draft(&inv, &acme, lines).await;
    step(&inv, &c, "order").await.expect(200);
    receive(&inv, &c, "c1", json!([{"product_id": tea, "quantity": 4}]))
        .await
        .expect(201);
    step(&inv, &c, "cancel").await.expect_problem(409);
    let closed = step(&inv, &c, "close").await.expect(200).body;
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        history(&closed),
        ["draft", "ordered", "partially_received", "closed"]
    );
    let p = product_json(&inv, &tea).await;
    assert_eq!(
        (p["on_hand"].as_i64(), p["on_order"].as_i64()),
        (Some(4), Some(0))
    );
    for action in ["order", "cancel", "close"] {
        step(&inv, &c, action).await.expect_problem(409);
    }
    receive(&inv, &c, "c2", json!([{"product_id": tea, "quantity": 1}]))
        .await
        .expect_problem(409);
}

#[tokio::test]
async fn a_retried_receipt_is_applied_once_and_replays_the_first_answer() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 3).await;
    let tea = product(&inv, "TEA", 0, Some(&acme), None).await;
    let po = draft(&inv, &acme, json!([{"product_id": tea, "quantity": 10}])).await;
    step(&inv, &po, "order").await.expect(200);
    let lines = json!([{"product_id": tea, "quantity": 4}]);
    let first = receive(&inv, &po, "delivery-1", lines.clone())
        .await
        .expect(201);
    let again = receive(&inv, &po, "delivery-1", lines).await.expect(201);
    assert_eq!(first.body, again.body, "the first answer, replayed");
    assert_eq!(product_json(&inv, &tea).await["on_hand"], 4);
    let other = receive(
        &inv,
        &po,
        "delivery-1",
        json!([{"product_id": tea, "quantity": 5}]),
    )
    .await
    .expect_problem(422);
    assert_eq!(other.body["errors"][0]["field"], "Idempotency-Key");
    let ledger = inv
        .get(&format!("/api/inventory/movements?product_id={tea}"))
        .await
        .expect(200);
    assert_eq!(ledger.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_receipts_never_exceed_what_was_ordered() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 3).await;
    let tea = product(&inv, "TEA", 0, Some(&acme), None).await;
    let po = draft(&inv, &acme, json!([{"product_id": tea, "quantity": 10}])).await;
    step(&inv, &po, "order").await.expect(200);
    // Twelve deliveries of 3 race for 10 units: three fit, the rest are refused.
    let replies = futures::future::join_all((0..12).map(|i| {
        let (inv, po, tea) = (inv.clone(), po.clone(), tea.clone());
        async move {
            receive(
                &inv,
                &po,
                &format!("race-{i}"),
                json!([{"product_id": tea, "quantity": 3}]),
            )
            .await
        }
    }))
    .await;
    let ok = replies.iter().filter(|r| r.status == 201).count() as i64;
    let refused = replies.iter().filter(|r| r.status == 409).count() as i64;
    assert_eq!(
        (ok, refused),
        (3, 9),
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let got = inv
        .get(&format!(
            "/api/purchase-orders/{}",
            po["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(got.body["lines"][0]["quantity_received"], 9);
    assert_eq!(got.body["status"], "partially_received");
    let p = product_json(&inv, &tea).await;
    assert_eq!(
        (p["on_hand"].as_i64(), p["on_order"].as_i64()),
        (Some(9), Some(1))
    );
}

#[tokio::test]
async fn from_restock_makes_one_draft_per_supplier_and_skips_products_without_one() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 3).await;
    let bolt = supplier(&inv, "Bolt", 9).await;
    let a1 = product(&inv, "A1", 1, Some(&acme), Some(100)).await;
    let a2 = product(&inv, "A2", 5, Some(&acme), None).await;
    let b1 = product(&inv, "B1", 0, Some(&bolt), None).await;
    let loose = product(&inv, "LOOSE", 2, None, None).await;
    let _plenty = product(&inv, "PLENTY", 50, Some(&acme), None).await;

    let result = inv
        .post("/api/purchase-orders/from-restock", json!({}))
        .await
        .expect(201)
        .body;
    let created = result["created"].as_array().unwrap();
    assert_eq!(created.len(), 2, "{result}");
    let for_supplier = |s: &str| {
        created
            .iter()
            .find(|po| po["supplier_id"] == s)
            .unwrap_or_else(|| panic!("a draft for {s}"))
            .clone()
    };
    let a = for_supplier(&acme);
    assert_eq!(a["status"], "draft");
    let mut skus: Vec<&str> = a["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect();
    skus.sort();
    assert_eq!(skus, ["A1", "A2"]);
    let a1_line = a["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["product_id"] == a1.as_str())
        .unwrap();
    assert_eq!(a1_line["quantity_ordered"], 20, "at least the batch");
    assert_eq!(a1_line["unit_cost_cents"], 100);
    assert_eq!(for_supplier(&bolt)["lines"][0]["product_id"], b1.as_str());
    let skipped = result["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["product_id"], loose.as_str());
    assert_eq!(skipped[0]["reason"], "no_supplier");

    // What is planned or on order already is not asked for again.
    let again = inv
        .post("/api/purchase-orders/from-restock", json!({}))
        .await
        .expect(201)
        .body;
    assert_eq!(again["created"].as_array().unwrap().len(), 0, "{again}");
    step(&inv, &a, "order").await.expect(200);
    step(&inv, &for_supplier(&bolt), "cancel").await.expect(200);
    let only = inv
        .post(
            "/api/purchase-orders/from-restock",
            json!({"product_ids": [a2, b1]}),
        )
        .await
        .expect(201)
        .body;
    let created = only["created"].as_array().unwrap();
    assert_eq!(created.len(), 1, "A2 is on order; B1's draft was cancelled");
    assert_eq!(created[0]["lines"][0]["product_id"], b1.as_str());

    let drafts = inv
        .get(&format!(
            "/api/purchase-orders?status=draft&supplier_id={bolt}"
        ))
        .await
        .expect(200);
    assert_eq!(drafts.body["items"].as_array().unwrap().len(), 1);
    let ordered = inv
        .get("/api/purchase-orders?status=ordered")
        .await
        .expect(200);
    assert_eq!(ordered.body["items"][0]["id"], a["id"]);
    inv.get("/api/purchase-orders?status=lost")
        .await
        .expect_problem(400);
}

#[tokio::test]
async fn purchase_orders_are_validated_and_for_staff_only() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let acme = supplier(&inv, "Acme", 3).await;
    let tea = product(&inv, "TEA", 0, Some(&acme), None).await;

    let bad = inv
        .post(
            "/api/purchase-orders",
            json!({"supplier_id": acme, "lines": [
                {"product_id": tea, "quantity": 0},
                {"product_id": tea, "quantity": 1, "unit_cost_cents": -1}]}),
        )
        .await
        .expect_problem(422);
    let mut fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "lines[0].quantity",
            "lines[1].product_id",
            "lines[1].unit_cost_cents"
        ]
    );
    inv.post(
        "/api/purchase-orders",
        json!({"supplier_id": acme, "lines": []}),
    )
    .await
    .expect_problem(422);
    let unknown = inv
        .post(
            "/api/purchase-orders",
            json!({"supplier_id": uuid::Uuid::new_v4(), "lines": [{"product_id": tea, "quantity": 1}]}),
        )
        .await
        .expect_problem(422);
    assert_eq!(unknown.body["errors"][0]["field"], "supplier_id");
    let no_product = inv
        .post(
            "/api/purchase-orders",
            json!({"supplier_id": acme, "lines": [{"product_id": uuid::Uuid::new_v4(), "quantity": 1}]}),
        )
        .await
        .expect_problem(422);
    assert_eq!(no_product.body["errors"][0]["field"], "lines[0].product_id");
    inv.get(&format!("/api/purchase-orders/{}", uuid::Uuid::new_v4()))
        .await
        .expect_problem(404);

    let as_customer = sys.api(Svc::Inventory).with_token(&customer.token);
    as_customer
        .get("/api/purchase-orders")
        .await
        .expect_problem(403);
    as_customer
        .post("/api/purchase-orders/from-restock", json!({}))
        .await
        .expect_problem(403);
    sys.api(Svc::Inventory)
        .get("/api/purchase-orders")
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn stock_value_uses_the_cost_when_known() {
    let (_sys, _staff, inv) = system().await;
    let tea = product(&inv, "TEA", 10, None, Some(300)).await;
    product(&inv, "MUG", 2, None, None).await;
    let summary = inv.get("/api/inventory/summary").await.expect(200);
    assert_eq!(summary.body["stock_value_cents"], 10 * 300 + 2 * 1000);
    let edited = inv
        .patch(&format!("/api/products/{tea}"), json!({"cost_cents": null}))
        .await
        .expect(200);
    assert!(edited.body["cost_cents"].is_null());
    let summary = inv.get("/api/inventory/summary").await.expect(200);
    assert_eq!(summary.body["stock_value_cents"], 12 * 1000);
}

#[tokio::test]
async fn restock_insights_subtract_what_is_on_order_and_show_when_it_comes() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway]).await;
    let (_, staff, _) = sys.cast().await;
    // Through the gateway: it routes /api/purchase-orders to inventory.
    let gw = sys.api(Svc::Gateway).with_token(&staff.token);
    let acme = supplier(&gw, "Acme", 4).await;
    let tea = product(&gw, "TEA", 1, Some(&acme), None).await;
    let before = gw.get("/api/insights/restock").await.expect(200);
    let item = |report: &Value| {
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["product_id"] == tea.as_str())
            .unwrap()
            .clone()
    };
    assert_eq!(item(&before.body)["suggested_reorder_quantity"], 20);
    assert_eq!(item(&before.body)["on_order"], 0);

    let po = draft(&gw, &acme, json!([{"product_id": tea, "quantity": 30}])).await;
    let ordered = step(&gw, &po, "order").await.expect(200).body;
    let after = gw.get("/api/insights/restock").await.expect(200);
    let tea_item = item(&after.body);
    assert_eq!(tea_item["on_order"], 30);
    assert_eq!(tea_item["suggested_reorder_quantity"], 0);
    assert_eq!(
        tea_item["expected_at"]
            .as_str()
            .map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap()),
        ordered["expected_at"].as_str().map(|s| s.parse().unwrap())
    );
}

#[tokio::test]
async fn purchase_orders_created_at_once_get_distinct_numbers() {
    let (_sys, _staff, inv) = system().await;
    let acme = supplier(&inv, "Acme", 3).await;
    let tea = product(&inv, "TEA", 0, Some(&acme), None).await;
    let replies = futures::future::join_all((0..10).map(|_| {
        let (inv, acme, tea) = (inv.clone(), acme.clone(), tea.clone());
        async move { draft(&inv, &acme, json!([{"product_id": tea, "quantity": 1}])).await }
    }))
    .await;
    let mut numbers: Vec<String> = replies
        .iter()
        .map(|po| po["number"].as_str().unwrap().to_string())
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 10, "{numbers:?}");
}

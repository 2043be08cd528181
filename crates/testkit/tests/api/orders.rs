//! The orders service over HTTP, against real auth and inventory services.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::{eventually, Api, Session, Svc, TestSystem};

async fn system() -> (TestSystem, Session, Session, Session) {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    let (admin, staff, customer) = sys.cast().await;
    (sys, admin, staff, customer)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

async fn place(sys: &TestSystem, who: &Session, lines: Value) -> testkit::Reply {
    sys.api(Svc::Orders)
        .with_token(&who.token)
        .post("/api/orders", json!({"lines": lines}))
        .await
}

async fn place_keyed(api: &Api, key: &str, body: &Value) -> testkit::Reply {
    Api::send(
        api.request(reqwest::Method::POST, "/api/orders")
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

#[tokio::test]
async fn an_order_is_confirmed_at_inventory_prices_and_reserves_stock() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let mug = sys.product_id(&staff, "MUG", 1200, 5).await;
    let reply = sys
        .api(Svc::Orders)
        .with_token(&customer.token)
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": tea, "quantity": 2}, {"product_id": mug, "quantity": 1}, {"product_id": tea, "quantity": 1}],
                   "note": "gift wrap"}),
        )
        .await
        .expect(201);
    let order = &reply.body;
    assert_eq!(order["status"], "confirmed");
    assert!(order["number"].as_str().unwrap().starts_with("SR-"));
    assert_eq!(order["customer_id"], customer.id);
    assert_eq!(order["customer_email"], customer.email);
    assert_eq!(
        order["lines"].as_array().unwrap().len(),
        2,
        "duplicate products are merged"
    );
    assert_eq!(order["lines"][0]["quantity"], 3);
    assert_eq!(order["lines"][0]["unit_price_cents"], 450);
    assert_eq!(order["lines"][0]["sku"], "TEA");
    assert_eq!(order["lines"][0]["line_total_cents"], 1350);
    assert_eq!(order["total_cents"], 1350 + 1200);
    assert_eq!(order["currency"], "USD");
    assert_eq!(order["note"], "gift wrap");
    assert_eq!(order["ai_summary"]["status"], "disabled");
    let history: Vec<&str> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["pending", "confirmed"]);
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 3));
    assert_eq!(sys.stock_of(&staff, &mug).await, (5, 1));
    // What the API returned is what it stored.
    let stored = sys
        .api(Svc::Orders)
        .with_token(&customer.token)
        .get(&format!("/api/orders/{}", id_of(order)))
        .await
        .expect(200);
    assert_eq!(stored.body["total_cents"], order["total_cents"]);
    assert_eq!(stored.body["lines"], order["lines"]);
}

#[tokio::test]
async fn clients_cannot_set_prices_and_bad_orders_are_422() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    place(
        &sys,
        &customer,
        json!([{"product_id": tea, "quantity": 1, "unit_price_cents": 1}]),
    )
    .await
    .expect_problem(422);
    place(&sys, &customer, json!([])).await.expect_problem(422);
    let zero = place(&sys, &customer, json!([{"product_id": tea, "quantity": 0}]))
        .await
        .expect_problem(422);
    assert_eq!(zero.body["errors"][0]["field"], "lines[0].quantity");
    place(
        &sys,
        &customer,
        json!([{"product_id": tea, "quantity": 10001}]),
    )
    .await
    .expect_problem(422);
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"product_id": uuid::Uuid::new_v4(), "quantity": 1}))
        .collect();
    place(&sys, &customer, json!(many))
        .await
        .expect_problem(422);
    place(
        &sys,
        &customer,
        json!([{"product_id": "nope", "quantity": 1}]),
    )
    .await
    .expect_problem(422);
    sys.api(Svc::Orders)
        .with_token(&customer.token)
        .post_raw("/api/orders", "application/json", "{")
        .await
        .expect_problem(400);
    sys.api(Svc::Orders)
        .post("/api/orders", json!({"lines": []}))
        .await
        .expect_problem(401);
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 0));
}

#[tokio::test]
async fn an_order_beyond_the_stock_is_rejected_kept_and_reserves_nothing() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let mug = sys.product_id(&staff, "MUG", 1200, 1).await;
    let reply = place(
        &sys,
        &customer,
        json!([{"product_id": tea, "quantity": 2}, {"product_id": mug, "quantity": 3}]),
    )
    .await
    .expect_problem(409);
    assert_eq!(reply.problem_type(), "/problems/insufficient-stock");
    assert_eq!(reply.body["errors"][0]["field"], "lines[1].quantity");
    assert_eq!(reply.body["errors"][0]["message"], "only 1 available");
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 0));
    let list = sys
        .api(Svc::Orders)
        .with_token(&customer.token)
        .get("/api/orders?status=rejected")
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    let unknown = place(
        &sys,
        &customer,
        json!([{"product_id": uuid::Uuid::new_v4(), "quantity": 1}]),
    )
    .await
    .expect_problem(409);
    assert_eq!(unknown.body["errors"][0]["message"], "no such product");
}

#[tokio::test]
async fn every_allowed_and_forbidden_transition() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 10).await;
    let orders = sys.api(Svc::Orders);
    let (as_staff, as_customer) = (
        orders.with_token(&staff.token),
        orders.with_token(&customer.token),
    );

    let first = id_of(
        &place(&sys, &customer, json!([{"product_id": tea, "quantity": 4}]))
            .await
            .expect(201)
            .body,
    );
    let fulfilled = as_staff
        .post(&format!("/api/orders/{first}/fulfil"), json!({}))
        .await
        .expect(200);
    assert_eq!(fulfilled.body["status"], "fulfilled");
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (6, 0),
        "fulfilled stock leaves"
    );
    as_staff
        .post(&format!("/api/orders/{first}/fulfil"), json!({}))
        .await
        .expect_problem(409);
    let no = as_staff
        .post(&format!("/api/orders/{first}/cancel"), json!({}))
        .await
        .expect_problem(409);
    assert_eq!(no.problem_type(), "/problems/invalid-transition");

    let second = id_of(
        &place(&sys, &customer, json!([{"product_id": tea, "quantity": 2}]))
            .await
            .expect(201)
            .body,
    );
    let cancelled = as_customer
        .post(
            &format!("/api/orders/{second}/cancel"),
            json!({"reason": "changed my mind"}),
        )
        .await
        .expect(200);
    assert_eq!(cancelled.body["status"], "cancelled");
    let last = cancelled.body["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            last["status"].as_str(),
            last["reason"].as_str(),
            last["by"].as_str()
        ),
        (
            Some("cancelled"),
            Some("changed my mind"),
            Some(customer.id.as_str())
        )
    );
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (6, 0),
        "cancelled stock is released"
    );
    as_customer
        .post(&format!("/api/orders/{second}/cancel"), json!({}))
        .await
        .expect_problem(409);
    as_staff
        .post(&format!("/api/orders/{second}/fulfil"), json!({}))
        .await
        .expect_problem(409);

    // Staff may cancel any confirmed order; customers may not fulfil.
    let third = id_of(
        &place(&sys, &customer, json!([{"product_id": tea, "quantity": 1}]))
            .await
            .expect(201)
            .body,
    );
    as_customer
        .post(&format!("/api/orders/{third}/fulfil"), json!({}))
        .await
        .expect_problem(403);
    Api::send(as_staff.request(
        reqwest::Method::POST,
        &format!("/api/orders/{third}/cancel"),
    ))
    .await
    .expect(200);

    let rejected = place(
        &sys,
        &customer,
        json!([{"product_id": tea, "quantity": 100}]),
    )
    .await
    .expect_problem(409);
    let list = as_customer
        .get("/api/orders?status=rejected")
        .await
        .expect(200);
    let rid = id_of(&list.body["items"][0]);
    assert!(rejected.body["detail"].is_string());
    as_customer
        .post(&format!("/api/orders/{rid}/cancel"), json!({}))
        .await
        .expect_problem(409);
    as_staff
        .post(&format!("/api/orders/{rid}/fulfil"), json!({}))
        .await
        .expect_problem(409);
    assert_eq!(sys.stock_of(&staff, &tea).await, (6, 0));
}

#[tokio::test]
async fn customers_never_see_each_others_orders() {
    let (sys, _, staff, alice) = system().await;
    let bob = sys.sign_up("bob").await;
    let tea = sys.product_id(&staff, "TEA", 100, 10).await;
    let order = id_of(
        &place(&sys, &alice, json!([{"product_id": tea, "quantity": 1}]))
            .await
            .expect(201)
            .body,
    );
    place(&sys, &bob, json!([{"product_id": tea, "quantity": 1}]))
        .await
        .expect(201);
    let as_bob = sys.api(Svc::Orders).with_token(&bob.token);
    as_bob
        .get(&format!("/api/orders/{order}"))
        .await
        .expect_problem(404);
    as_bob
        .post(&format!("/api/orders/{order}/cancel"), json!({}))
        .await
        .expect_problem(404);
    as_bob
        .post(&format!("/api/orders/{order}/fulfil"), json!({}))
        .await
        .expect_problem(403);
    let mine = as_bob
        .get(&format!("/api/orders?customer_id={}", alice.id))
        .await
        .expect(200);
    assert_eq!(
        mine.body["items"].as_array().unwrap().len(),
        1,
        "the filter cannot widen a customer's view"
    );
    assert_eq!(mine.body["items"][0]["customer_id"], bob.id);
    as_bob.get("/api/orders/stats").await.expect_problem(403);
    let all = sys
        .api(Svc::Orders)
        .with_token(&staff.token)
        .get("/api/orders")
        .await
        .expect(200);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let alices = sys
        .api(Svc::Orders)
        .with_token(&staff.token)
        .get(&format!("/api/orders?customer_id={}", alice.id))
        .await
        .expect(200);
    assert_eq!(alices.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 2));
}

#[tokio::test]
async fn a_hundred_concurrent_orders_for_thirty_in_stock() {
    let (sys, _, staff, customer) = system().await;
    let hot = sys.product_id(&staff, "HOT", 500, 30).await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    let replies = futures::future::join_all((0..100).map(|_| {
        let (api, hot) = (api.clone(), hot.clone());
        async move {
            api.post(
                "/api/orders",
                json!({"lines": [{"product_id": hot, "quantity": 1}]}),
            )
            .await
        }
    }))
    .await;
    let confirmed = replies.iter().filter(|r| r.status == 201).count();
    let rejected = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (confirmed, rejected),
        (30, 70),
        "{:?}",
        replies.iter().find(|r| r.status != 201 && r.status != 409)
    );
    let reserved: i64 = sum_confirmed(&sys, &staff, &hot).await;
    assert_eq!(reserved, 30);
    assert_eq!(sys.stock_of(&staff, &hot).await, (30, reserved));
}

/// Units of `product` in confirmed orders, read from the orders service.
async fn sum_confirmed(sys: &TestSystem, staff: &Session, product: &str) -> i64 {
    let held = testkit::confirmed_units(&sys.api(Svc::Orders).with_token(&staff.token)).await;
    held.get(product).copied().unwrap_or(0)
}

#[tokio::test]
async fn the_same_idempotency_key_twenty_times_at_once_makes_one_order() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 50).await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    let body = json!({"lines": [{"product_id": tea, "quantity": 2}]});
    let replies =
        futures::future::join_all((0..20).map(|_| place_keyed(&api, "key-1", &body))).await;
    let ids: std::collections::HashSet<String> =
        replies.iter().map(|r| r.clone_status_id()).collect();
    assert_eq!(ids.len(), 1, "one order for one key");
    assert!(replies.iter().all(|r| r.status == 201));
    assert_eq!(sys.stock_of(&staff, &tea).await, (50, 2));
    // The same key with a different body is refused; a new key makes a new order.
    place_keyed(
        &api,
        "key-1",
        &json!({"lines": [{"product_id": tea, "quantity": 3}]}),
    )
    .await
    .expect_problem(422);
    place_keyed(&api, "key-2", &body).await.expect(201);
    // Keys belong to a customer: another customer's same key is a different order.
    let other = sys.sign_up("other").await;
    place_keyed(
        &sys.api(Svc::Orders).with_token(&other.token),
        "key-1",
        &body,
    )
    .await
    .expect(201);
    assert_eq!(sys.stock_of(&staff, &tea).await, (50, 6));
}

#[tokio::test]
async fn a_rejected_answer_is_replayed_for_the_same_key() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 1).await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    let body = json!({"lines": [{"product_id": tea, "quantity": 2}]});
    let first = place_keyed(&api, "k", &body).await.expect_problem(409);
    // Stock arrives, but the same key still answers as the first time did.
    sys.api(Svc::Inventory)
        .with_token(&staff.token)
        .post(
            "/api/inventory/adjustments",
            json!({"product_id": tea, "delta": 10, "reason": "received"}),
        )
        .await
        .expect(201);
    let again = place_keyed(&api, "k", &body).await.expect(409);
    assert_eq!(again.body["errors"], first.body["errors"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // The replay holds nothing: whatever the retry's attempt reserved is given back.
    eventually(Duration::from_secs(5), || async {
        match sys.stock_of(&staff, &tea).await {
            (11, 0) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
}

#[tokio::test]
async fn a_refused_key_reused_for_a_smaller_order_locks_up_no_stock() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 9).await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    let everything = |quantity: i64| json!({"lines": [{"product_id": tea, "quantity": quantity}]});
    place_keyed(&api, "grab", &everything(1000))
        .await
        .expect_problem(409);
    // The same key for a request inventory can serve: a different request, refused, and it
    // must not leave the stock held.
    place_keyed(&api, "grab", &everything(9))
        .await
        .expect_problem(422);
    eventually(Duration::from_secs(5), || async {
        match sys.stock_of(&staff, &tea).await {
            (9, 0) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // Another customer can still buy all of it.
    let other = sys.sign_up("other").await;
    sys.api(Svc::Orders)
        .with_token(&other.token)
        .post("/api/orders", everything(9))
        .await
        .expect(201);
}

trait StatusId {
    fn clone_status_id(&self) -> String;
}

impl StatusId for testkit::Reply {
    fn clone_status_id(&self) -> String {
        format!("{} {}", self.status, self.body["id"])
    }
}

#[tokio::test]
async fn with_inventory_down_orders_fail_fast_and_nothing_stays_reserved() {
    let (mut sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 10).await;
    sys.stop(Svc::Inventory).await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    let body = json!({"lines": [{"product_id": tea, "quantity": 2}]});
    for _ in 0..3 {
        let started = Instant::now();
        let reply = place_keyed(&api, "retry-me", &body)
            .await
            .expect_problem(503);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "503 took {:?}",
            started.elapsed()
        );
        assert!(reply.header("retry-after").is_some());
    }
    sys.restart(Svc::Inventory).await;
    // Once inventory is back (and orders' breaker has seen it), the client's retry with the
    // same key goes through.
    let retried = eventually(Duration::from_secs(10), || async {
        let reply = place_keyed(&api, "retry-me", &body).await;
        if reply.status == 201 {
            Ok(reply)
        } else {
            Err(reply.text)
        }
    })
    .await;
    assert_eq!(retried.body["status"], "confirmed", "{}", retried.text);
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (10, 2),
        "only the confirmed order holds stock"
    );
    let failed = sys
        .api(Svc::Orders)
        .with_token(&staff.token)
        .get("/api/orders?status=failed")
        .await
        .expect(200);
    assert_eq!(failed.body["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_order_failed_on_a_down_inventory_tells_its_customer_no_internal_address() {
    let (mut sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 10).await;
    let inventory = sys.url(Svc::Inventory);
    let address = inventory.trim_start_matches("http://").to_string();
    sys.stop(Svc::Inventory).await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    api.post(
        "/api/orders",
        json!({"lines": [{"product_id": tea, "quantity": 1}]}),
    )
    .await
    .expect_problem(503);
    let listed = api.get("/api/orders").await.expect(200);
    let failed = &listed.body["items"][0];
    assert_eq!(failed["status"], "failed", "{}", listed.text);
    let one = api
        .get(&format!("/api/orders/{}", id_of(failed)))
        .await
        .expect(200);
    for text in [&listed.text, &one.text] {
        for internal in ["http", "://", "/internal", "127.0.0.1", address.as_str()] {
            assert!(
                !text.contains(internal),
                "{internal:?} reached the customer: {text}"
            );
        }
    }
    let reasons: Vec<&str> = one.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["inventory was unavailable"]);
}

#[tokio::test]
async fn a_hung_inventory_costs_a_timeout_then_the_breaker_answers_at_once() {
    let hang_url = testkit::fault::hanging_server().await;
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Inventory, Svc::Orders], |c| {
        c.common.upstream_timeout = Duration::from_millis(500);
        c.set_inventory_url(&hang_url);
    })
    .await;
    let customer = sys.sign_up("customer").await;
    let api = sys.api(Svc::Orders).with_token(&customer.token);
    let body = json!({"lines": [{"product_id": uuid::Uuid::new_v4(), "quantity": 1}]});
    for _ in 0..5 {
        let started = Instant::now();
        api.post("/api/orders", body.clone())
            .await
            .expect_problem(503);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Five timeouts opened the circuit: now the answer needs no waiting at all.
    let started = Instant::now();
    api.post("/api/orders", body.clone())
        .await
        .expect_problem(503);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "breaker open: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_release_inventory_missed_is_paid_by_the_next_sweep() {
    // The service's own sweeper waits an hour: this test runs the sweep itself.
    let mut sys = TestSystem::start_with(&[Svc::Auth, Svc::Inventory, Svc::Orders], |c| {
        c.orders.sweep_interval = Duration::from_secs(3600);
    })
    .await;
    let (_, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 100, 10).await;
    let order = id_of(
        &place(&sys, &customer, json!([{"product_id": tea, "quantity": 4}]))
            .await
            .expect(201)
            .body,
    );
    sys.stop(Svc::Inventory).await;
    // The cancel is recorded at once; the release inventory could not hear is owed.
    let cancelled = sys
        .api(Svc::Orders)
        .with_token(&customer.token)
        .post(&format!("/api/orders/{order}/cancel"), json!({}))
        .await
        .expect(200);
    assert_eq!(cancelled.body["status"], "cancelled");
    sys.restart(Svc::Inventory).await;
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (10, 4),
        "still held until the sweep"
    );
    let background = sys.background();
    background.sweep().await.expect("a sweep");
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (10, 0),
        "the sweep released it"
    );
    // Paid once: another sweep has nothing to do and changes nothing.
    background.sweep().await.expect("a sweep");
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 0));
}

#[tokio::test]
async fn stats_come_from_real_orders() {
    let (sys, _, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 300, 100).await;
    let mug = sys.product_id(&staff, "MUG", 1000, 100).await;
    place(&sys, &customer, json!([{"product_id": tea, "quantity": 5}]))
        .await
        .expect(201);
    let second = id_of(
        &place(
            &sys,
            &customer,
            json!([{"product_id": mug, "quantity": 2}, {"product_id": tea, "quantity": 1}]),
        )
        .await
        .expect(201)
        .body,
    );
    let third = id_of(
        &place(&sys, &customer, json!([{"product_id": mug, "quantity": 1}]))
            .await
            .expect(201)
            .body,
    );
    place(
        &sys,
        &customer,
        json!([{"product_id": mug, "quantity": 1000}]),
    )
    .await
    .expect_problem(409);
    let staff_api = sys.api(Svc::Orders).with_token(&staff.token);
    staff_api
        .post(&format!("/api/orders/{second}/fulfil"), json!({}))
        .await
        .expect(200);
    staff_api
        .post(&format!("/api/orders/{third}/cancel"), json!({}))
        .await
        .expect(200);
    let stats = staff_api
        .get("/api/orders/stats?days=30")
        .await
        .expect(200)
        .body;
    assert_eq!(stats["by_status"]["confirmed"], 1);
    assert_eq!(stats["by_status"]["fulfilled"], 1);
    assert_eq!(stats["by_status"]["cancelled"], 1);
    assert_eq!(stats["by_status"]["rejected"], 1);
    assert_eq!(stats["by_status"]["pending"], 0);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        stats["revenue_by_day"],
        json!([{"date": today, "revenue_cents": 1500 + 2300, "orders": 2}])
    );
    // The cancelled mug does not count: MUG 2 × 1000 beats TEA 6 × 300.
    assert_eq!(stats["top_products"][0]["sku"], "MUG");
    assert_eq!(stats["top_products"][0]["quantity"], 2);
    assert_eq!(stats["top_products"][0]["revenue_cents"], 2000);
    assert_eq!(stats["top_products"][1]["sku"], "TEA");
    assert_eq!(stats["top_products"][1]["quantity"], 6);
    assert_eq!(stats["top_products"][1]["revenue_cents"], 1800);
    staff_api
        .get("/api/orders/stats?days=0")
        .await
        .expect_problem(422);
}

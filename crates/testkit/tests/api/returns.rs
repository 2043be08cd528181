//! Returns over HTTP, against real auth and inventory: what may be asked back, receipts that
//! restock or record damage once, rejections, who sees what, and staff placing orders for
//! customers with a shipping address.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::{Api, Reply, Session, Svc, TestSystem};

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// An order of `quantity` teas (450 each) placed by `customer`, `shipped` of them shipped.
async fn shipped_order(
    sys: &TestSystem,
    staff: &Session,
    customer: &Session,
    tea: &str,
    quantity: i64,
    shipped: i64,
) -> String {
    let id = id_of(
        &sys.api(Svc::Orders)
            .with_token(&customer.token)
            .post(
                "/api/orders",
                json!({"lines": [{"product_id": tea, "quantity": quantity}]}),
            )
            .await
            .expect(201)
            .body,
    );
    sys.api(Svc::Orders)
        .with_token(&staff.token)
        .post(
            &format!("/api/orders/{id}/shipments"),
            json!({"lines": [{"product_id": tea, "quantity": shipped}]}),
        )
        .await
        .expect(201);
    id
}

async fn ask_back(api: &Api, order: &str, tea: &str, quantity: i64) -> Reply {
    api.post(
        &format!("/api/orders/{order}/returns"),
        json!({"lines": [{"product_id": tea, "quantity": quantity}], "reason": "too much tea"}),
    )
    .await
}

async fn receive(api: &Api, id: &str, key: Option<&str>, lines: Value) -> Reply {
    let mut request = api
        .request(reqwest::Method::POST, &format!("/api/returns/{id}/receive"))
        .json(&json!({ "lines": lines }));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    Api::send(request).await
}

#[tokio::test]
async fn returns_never_exceed_what_shipped_and_a_receipt_restocks_once() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    let (_, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let id = shipped_order(&sys, &staff, &customer, &tea, 3, 2).await;
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);

    let over = ask_back(&as_customer, &id, &tea, 3)
        .await
        .expect_problem(409);
    assert_eq!(over.problem_type(), "/problems/over-return");
    let first = ask_back(&as_customer, &id, &tea, 2).await.expect(201).body;
    assert_eq!(first["status"], "requested");
    assert_eq!(first["refund_cents"], 900);
    assert_eq!(first["order_id"], id);
    assert_eq!(first["lines"][0]["sku"], "TEA");
    // Requested units count: a second request cannot take them again.
    ask_back(&as_customer, &id, &tea, 1)
        .await
        .expect_problem(409);
    let reject = |rid: String| {
        let api = as_staff.clone();
        async move {
            api.post(
                &format!("/api/returns/{rid}/reject"),
                json!({"reason": "opened packets"}),
            )
            .await
        }
    };
    as_customer
        .post(
            &format!("/api/returns/{}/reject", id_of(&first)),
            json!({"reason": "x"}),
        )
        .await
        .expect_problem(403);
    let rejected = reject(id_of(&first)).await.expect(200).body;
    assert_eq!(
        (
            rejected["status"].as_str(),
            rejected["refund_cents"].as_i64()
        ),
        (Some("rejected"), Some(0))
    );
    reject(id_of(&first)).await.expect_problem(409);

    // Rejected, they may be asked back again; staff receive one back on hand, one damaged.
    let second = id_of(&ask_back(&as_customer, &id, &tea, 2).await.expect(201).body);
    let lines = json!([{"product_id": tea, "quantity": 1, "condition": "restock"},
                       {"product_id": tea, "quantity": 1, "condition": "damaged"}]);
    receive(&as_customer, &second, None, lines.clone())
        .await
        .expect_problem(403);
    receive(
        &as_staff,
        &second,
        None,
        json!([{"product_id": tea, "quantity": 3, "condition": "restock"}]),
    )
    .await
    .expect_problem(409);
    let (on_hand, reserved) = sys.stock_of(&staff, &tea).await;
    let received = receive(&as_staff, &second, Some("receipt-1"), lines.clone())
        .await
        .expect(200)
        .body;
    assert_eq!(received["status"], "received");
    assert_eq!(
        received["refund_cents"], 900,
        "both units, at the order's price"
    );
    assert_eq!(
        (
            received["lines"][0]["restocked"].as_i64(),
            received["lines"][0]["damaged"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (on_hand + 1, reserved),
        "the restocked unit is back on hand, the damaged one is not"
    );
    // A retry with the key answers the same receipt and restocks nothing more.
    let again = receive(&as_staff, &second, Some("receipt-1"), lines.clone())
        .await
        .expect(200);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["received_at"], received["received_at"]);
    assert_eq!(sys.stock_of(&staff, &tea).await, (on_hand + 1, reserved));
    receive(
        &as_staff,
        &second,
        Some("receipt-1"),
        json!([{"product_id": tea, "quantity": 2, "condition": "restock"}]),
    )
    .await
    .expect_problem(422);
    receive(&as_staff, &second, None, lines)
        .await
        .expect_problem(409);
    reject(second.clone()).await.expect_problem(409);
    let ledger = sys
        .api(Svc::Inventory)
        .with_token(&staff.token)
        .get(&format!(
            "/api/inventory/movements?product_id={tea}&limit=100"
        ))
        .await
        .expect(200);
    let returned: Vec<&Value> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "returned")
        .collect();
    assert_eq!(returned.len(), 1, "one returned movement: {}", ledger.text);
    assert_eq!(
        (
            returned[0]["on_hand_delta"].as_i64(),
            returned[0]["order_id"].as_str()
        ),
        (Some(1), Some(id.as_str()))
    );

    // Everything shipped has come back: nothing more may be asked back.
    ask_back(&as_staff, &id, &tea, 1).await.expect_problem(409);
    let order = as_customer
        .get(&format!("/api/orders/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(order["returns"].as_array().unwrap().len(), 2);
    assert!(
        order["returnable_until"].is_null(),
        "nothing left to return"
    );
    let stats = as_staff.get("/api/orders/stats").await.expect(200).body;
    assert_eq!(stats["refunds_cents"], 900);
}

#[tokio::test]
async fn customers_see_only_their_returns_and_staff_see_all() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway]).await;
    let (_, staff, alice) = sys.cast().await;
    let bob = sys.sign_up("bob").await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let hers = shipped_order(&sys, &staff, &alice, &tea, 2, 2).await;
    let his = shipped_order(&sys, &staff, &bob, &tea, 1, 1).await;
    let gateway = sys.api(Svc::Gateway);
    let (as_alice, as_bob, as_staff) = (
        gateway.with_token(&alice.token),
        gateway.with_token(&bob.token),
        gateway.with_token(&staff.token),
    );
    // Another customer's order is not found, whether or not it exists.
    ask_back(&as_bob, &hers, &tea, 1).await.expect_problem(404);
    let returned = id_of(&ask_back(&as_alice, &hers, &tea, 1).await.expect(201).body);
    ask_back(&as_bob, &his, &tea, 1).await.expect(201);
    let mine = as_alice.get("/api/returns").await.expect(200).body;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(id_of(&mine["items"][0]), returned);
    let all = as_staff
        .get("/api/returns?status=requested")
        .await
        .expect(200)
        .body;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        as_staff
            .get("/api/returns?status=received")
            .await
            .expect(200)
            .body["items"],
        json!([])
    );
    as_staff
        .get("/api/returns?status=lost")
        .await
        .expect_problem(400);
    let page = as_staff.get("/api/returns?limit=1").await.expect(200).body;
    let next = page["next_cursor"].as_str().expect("a second page");
    let rest = as_staff
        .get(&format!("/api/returns?limit=1&cursor={next}"))
        .await
        .expect(200)
        .body;
    assert_ne!(id_of(&rest["items"][0]), id_of(&page["items"][0]));
    as_bob
        .post(
            &format!("/api/returns/{returned}/receive"),
            json!({"lines": [{"product_id": tea, "quantity": 1, "condition": "restock"}]}),
        )
        .await
        .expect_problem(403);
    receive(
        &as_staff,
        &uuid::Uuid::now_v7().to_string(),
        None,
        json!([{"product_id": tea, "quantity": 1, "condition": "restock"}]),
    )
    .await
    .expect_problem(404);
    // Through the gateway too: received, it shows as a refund on the dashboard, apart from
    // revenue (which stays gross).
    receive(
        &as_staff,
        &returned,
        None,
        json!([{"product_id": tea, "quantity": 1, "condition": "restock"}]),
    )
    .await
    .expect(200);
    let dashboard = as_staff.get("/api/dashboard").await.expect(200).body;
    assert_eq!(dashboard["orders"]["refunds_period_cents"], 450);
    assert_eq!(dashboard["orders"]["revenue_period_cents"], 3 * 450);
}

#[tokio::test]
async fn customers_ask_within_the_return_window_and_staff_at_any_time() {
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Inventory, Svc::Orders], |c| {
        // A window of nothing: closed the moment anything ships.
        c.orders.return_window = Duration::ZERO;
    })
    .await;
    let (_, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    let unshipped = id_of(
        &as_customer
            .post(
                "/api/orders",
                json!({"lines": [{"product_id": tea, "quantity": 1}]}),
            )
            .await
            .expect(201)
            .body,
    );
    let nothing = ask_back(&as_customer, &unshipped, &tea, 1)
        .await
        .expect_problem(409);
    assert_eq!(nothing.problem_type(), "/problems/nothing-shipped");
    let id = shipped_order(&sys, &staff, &customer, &tea, 1, 1).await;
    let late = ask_back(&as_customer, &id, &tea, 1)
        .await
        .expect_problem(409);
    assert_eq!(late.problem_type(), "/problems/return-window-closed");
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    ask_back(&as_staff, &id, &tea, 1).await.expect(201);
}

#[tokio::test]
async fn staff_place_an_order_for_a_customer_who_then_owns_it() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    let (admin, staff, customer) = sys.cast().await;
    let bob = sys.sign_up("bob").await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    // Staff find the customer first: customers only, by part of the email or name.
    let directory = sys.api(Svc::Auth).with_token(&staff.token);
    let found = directory
        .get("/api/auth/users?role=customer&q=CUSTOM")
        .await
        .expect(200)
        .body;
    let ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [customer.id.as_str()]);
    let wildcard = directory
        .get("/api/auth/users?role=customer&q=%25")
        .await
        .expect(200);
    assert_eq!(
        wildcard.body["items"],
        json!([]),
        "% is searched for, not a wildcard"
    );
    directory.get("/api/auth/users").await.expect_problem(403);
    directory
        .get("/api/auth/users?role=staff")
        .await
        .expect_problem(403);
    directory
        .get("/api/auth/users?role=service")
        .await
        .expect_problem(403);
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    let address = json!({"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
                         "postal_code": "sw1y 4lb", "country": "gb", "phone": "+44 20 7946 0000"});
    let body = json!({"lines": [{"product_id": tea, "quantity": 1}], "customer_id": customer.id,
                      "shipping_address": address});
    let placed = Api::send(
        as_staff
            .request(reqwest::Method::POST, "/api/orders")
            .header("idempotency-key", "phone-order-1")
            .json(&body),
    )
    .await
    .expect(201)
    .body;
    assert_eq!(placed["customer_id"], customer.id);
    assert_eq!(
        placed["customer_email"], customer.email,
        "the customer's own email, from auth"
    );
    assert_eq!(placed["placed_by"], staff.id);
    assert_eq!(
        placed["history"][0]["by"], staff.id,
        "history says who placed it"
    );
    assert_eq!(placed["shipping_address"]["country"], "GB");
    assert_eq!(placed["shipping_address"]["postal_code"], "SW1Y 4LB");
    assert!(placed["shipping_address"].get("line2").is_none());
    // The staff member's key replays; it is not the customer's key.
    let replay = Api::send(
        as_staff
            .request(reqwest::Method::POST, "/api/orders")
            .header("idempotency-key", "phone-order-1")
            .json(&body),
    )
    .await
    .expect(201);
    assert_eq!(replay.body["id"], placed["id"]);
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    let own = Api::send(
        as_customer
            .request(reqwest::Method::POST, "/api/orders")
            .header("idempotency-key", "phone-order-1")
            .json(&json!({"lines": [{"product_id": tea, "quantity": 1}]})),
    )
    .await
    .expect(201);
    assert_ne!(own.body["id"], placed["id"]);
    // The customer owns it: listed and shown to them, address included.
    let theirs = as_customer
        .get(&format!("/api/orders/{}", id_of(&placed)))
        .await
        .expect(200);
    assert_eq!(theirs.body["shipping_address"]["city"], "London");

    // Unknown customers are 422; customers cannot order for others.
    let unknown = as_staff
        .post("/api/orders", json!({"lines": [{"product_id": tea, "quantity": 1}], "customer_id": uuid::Uuid::now_v7()}))
        .await
        .expect_problem(422);
    assert_eq!(unknown.body["errors"][0]["field"], "customer_id");
    // Orders are placed for customers only: not in an admin's (or a colleague's) name.
    let colleague = as_staff
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": tea, "quantity": 1}], "customer_id": admin.id}),
        )
        .await
        .expect_problem(422);
    assert_eq!(colleague.body["errors"][0]["field"], "customer_id");
    as_customer
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": tea, "quantity": 1}], "customer_id": bob.id}),
        )
        .await
        .expect_problem(403);
    as_customer
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": tea, "quantity": 1}], "customer_id": customer.id}),
        )
        .await
        .expect(201);
    // A made-up country, a missing city: every field named.
    let bad = as_customer
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": tea, "quantity": 1}],
                   "shipping_address": {"name": "A", "line1": "1 Road", "city": " ", "postal_code": "1", "country": "ZZ"}}),
        )
        .await
        .expect_problem(422);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["shipping_address.city", "shipping_address.country"]
    );
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (10, 3),
        "refused orders hold nothing"
    );
}

#[tokio::test]
async fn inventory_restocks_a_return_once_however_often_it_is_asked() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, _) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let service = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let body = json!({"return_id": uuid::Uuid::now_v7(), "order_id": uuid::Uuid::now_v7(),
                      "lines": [{"product_id": tea, "quantity": 2}]});
    let first = service
        .post("/internal/returns", body.clone())
        .await
        .expect(201);
    assert_eq!(first.body["repeated"], false);
    let again = service.post("/internal/returns", body).await.expect(200);
    assert_eq!(again.body["repeated"], true);
    assert_eq!(sys.stock_of(&staff, &tea).await, (12, 0));
    service
        .post(
            "/internal/returns",
            json!({"return_id": uuid::Uuid::now_v7(), "order_id": uuid::Uuid::now_v7(),
                   "lines": [{"product_id": uuid::Uuid::now_v7(), "quantity": 1}]}),
        )
        .await
        .expect_problem(404);
    sys.api(Svc::Inventory)
        .with_token(&staff.token)
        .post(
            "/internal/returns",
            json!({"return_id": uuid::Uuid::now_v7(), "order_id": uuid::Uuid::now_v7(),
                   "lines": [{"product_id": tea, "quantity": 1}]}),
        )
        .await
        .expect_problem(403);
    assert_eq!(sys.stock_of(&staff, &tea).await, (12, 0));
}

#[tokio::test]
async fn racing_requests_and_receipts_never_return_a_unit_twice() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    let (_, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 450, 100).await;
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    for round in 0..5 {
        let id = shipped_order(&sys, &staff, &customer, &tea, 3, 3).await;
        // Two requests for two of the three shipped units: only one fits.
        let (a, b) = tokio::join!(
            ask_back(&as_customer, &id, &tea, 2),
            ask_back(&as_customer, &id, &tea, 2)
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: {} / {}",
            a.text,
            b.text
        );
        let asked = if a.status == 201 { &a.body } else { &b.body };
        let asked = id_of(asked);
        // Two receipts of it at once: one is received, the other is refused, one restock.
        let (on_hand, _) = sys.stock_of(&staff, &tea).await;
        let lines = json!([{"product_id": tea, "quantity": 2, "condition": "restock"}]);
        let (a, b) = tokio::join!(
            receive(&as_staff, &asked, None, lines.clone()),
            receive(&as_staff, &asked, None, lines.clone())
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            a.text,
            b.text
        );
        assert_eq!(sys.stock_of(&staff, &tea).await.0, on_hand + 2);
    }
}

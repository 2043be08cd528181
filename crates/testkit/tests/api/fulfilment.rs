//! Shipments over HTTP, against real auth and inventory: partial shipments and what
//! inventory commits for them, delivery, cancelling the rest, and the 409s of each step.

use serde_json::{json, Value};
use testkit::{Api, Reply, Session, Svc, TestSystem};

async fn system() -> (TestSystem, Session, Session) {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    let (_, staff, customer) = sys.cast().await;
    (sys, staff, customer)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

async fn order(sys: &TestSystem, who: &Session, lines: Value) -> String {
    id_of(
        &sys.api(Svc::Orders)
            .with_token(&who.token)
            .post("/api/orders", json!({ "lines": lines }))
            .await
            .expect(201)
            .body,
    )
}

async fn ship(api: &Api, order: &str, key: Option<&str>, body: Value) -> Reply {
    let mut request = api
        .request(
            reqwest::Method::POST,
            &format!("/api/orders/{order}/shipments"),
        )
        .json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    Api::send(request).await
}

/// Movements of `reason` naming `order`, summed.
async fn moved(sys: &TestSystem, staff: &Session, product: &str, order: &str, reason: &str) -> i64 {
    let ledger = sys
        .api(Svc::Inventory)
        .with_token(&staff.token)
        .get(&format!(
            "/api/inventory/movements?product_id={product}&limit=100"
        ))
        .await
        .expect(200);
    ledger.body["items"]
        .as_array()
        .expect("movements")
        .iter()
        .filter(|m| m["reason"] == reason && m["order_id"] == order)
        .map(|m| {
            m["on_hand_delta"].as_i64().unwrap_or(0) + m["reserved_delta"].as_i64().unwrap_or(0)
        })
        .sum()
}

#[tokio::test]
async fn a_partial_shipment_commits_only_its_units_and_cancel_releases_only_the_rest() {
    let (sys, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let id = order(&sys, &customer, json!([{"product_id": tea, "quantity": 4}])).await;
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    let body = json!({"lines": [{"product_id": tea, "quantity": 1}], "carrier": "DHL", "tracking_number": "JD0001"});
    let first = ship(&as_staff, &id, Some("ship-1"), body.clone())
        .await
        .expect(201);
    assert_eq!(first.body["status"], "partially_fulfilled");
    let shipments = first.body["shipments"].as_array().expect("shipments");
    assert_eq!(shipments.len(), 1);
    let shipment = &shipments[0];
    assert_eq!(
        shipment["lines"],
        json!([{"product_id": tea, "quantity": 1}])
    );
    assert_eq!(
        (
            shipment["carrier"].as_str(),
            shipment["tracking_number"].as_str()
        ),
        (Some("DHL"), Some("JD0001"))
    );
    assert!(shipment["delivered_at"].is_null());
    assert_eq!(
        first.header("location"),
        Some(format!("/api/orders/{id}/shipments/{}", id_of(shipment)).as_str())
    );
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (9, 3),
        "one unit left, three still held"
    );

    // The same key and body: the same shipment, nothing shipped twice.
    let again = ship(&as_staff, &id, Some("ship-1"), body).await.expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["shipments"].as_array().unwrap().len(), 1);
    assert_eq!(id_of(&again.body["shipments"][0]), id_of(shipment));
    assert_eq!(sys.stock_of(&staff, &tea).await, (9, 3));
    // The same key for another request is refused.
    ship(
        &as_staff,
        &id,
        Some("ship-1"),
        json!({"lines": [{"product_id": tea, "quantity": 2}]}),
    )
    .await
    .expect_problem(422);

    // More than is left, or a product not in the order, is refused and ships nothing.
    let over = ship(
        &as_staff,
        &id,
        None,
        json!({"lines": [{"product_id": tea, "quantity": 4}]}),
    )
    .await
    .expect_problem(409);
    assert_eq!(over.problem_type(), "/problems/over-shipment");
    assert_eq!(over.body["errors"][0]["field"], "lines[0].quantity");
    let mug = sys.product_id(&staff, "MUG", 1200, 5).await;
    ship(
        &as_staff,
        &id,
        None,
        json!({"lines": [{"product_id": mug, "quantity": 1}]}),
    )
    .await
    .expect_problem(422);
    ship(
        &as_staff,
        &id,
        None,
        json!({"lines": [{"product_id": tea, "quantity": 0}]}),
    )
    .await
    .expect_problem(422);

    // The customer may not cancel what has partly shipped; staff cancel the rest.
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    as_customer
        .post(&format!("/api/orders/{id}/cancel"), json!({}))
        .await
        .expect_problem(409);
    let cancelled = as_staff
        .post(
            &format!("/api/orders/{id}/cancel"),
            json!({"reason": "rest out of stock"}),
        )
        .await
        .expect(200);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (9, 0),
        "only the three unshipped units are released"
    );
    assert_eq!(
        moved(&sys, &staff, &tea, &id, "committed").await,
        -2,
        "one unit left: -1 on hand, -1 reserved"
    );
    assert_eq!(moved(&sys, &staff, &tea, &id, "released").await, -3);
    ship(&as_staff, &id, None, json!({}))
        .await
        .expect_problem(409);
    as_staff
        .post(&format!("/api/orders/{id}/fulfil"), json!({}))
        .await
        .expect_problem(409);
    let history: Vec<&str> = cancelled.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["pending", "confirmed", "partially_fulfilled", "cancelled"]
    );
}

#[tokio::test]
async fn fulfil_ships_the_rest_and_the_order_is_delivered_when_every_shipment_arrives() {
    let (sys, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let mug = sys.product_id(&staff, "MUG", 1200, 5).await;
    let id = order(
        &sys,
        &customer,
        json!([{"product_id": tea, "quantity": 2}, {"product_id": mug, "quantity": 1}]),
    )
    .await;
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    ship(&as_customer, &id, None, json!({}))
        .await
        .expect_problem(403);
    let first = ship(
        &as_staff,
        &id,
        None,
        json!({"lines": [{"product_id": tea, "quantity": 2}]}),
    )
    .await
    .expect(201);
    let first_id = id_of(&first.body["shipments"][0]);
    let fulfilled = as_staff
        .post(&format!("/api/orders/{id}/fulfil"), json!({}))
        .await
        .expect(200);
    assert_eq!(fulfilled.body["status"], "fulfilled");
    let second = &fulfilled.body["shipments"][1];
    assert_eq!(
        second["lines"],
        json!([{"product_id": mug, "quantity": 1}]),
        "fulfil ships what is left"
    );
    let second_id = id_of(second);
    assert_eq!(sys.stock_of(&staff, &tea).await, (8, 0));
    assert_eq!(sys.stock_of(&staff, &mug).await, (4, 0));
    ship(&as_staff, &id, None, json!({}))
        .await
        .expect_problem(409);

    let deliver = |sid: String| {
        let (api, id) = (as_staff.clone(), id.clone());
        async move {
            api.post(
                &format!("/api/orders/{id}/shipments/{sid}/delivered"),
                json!({}),
            )
            .await
        }
    };
    as_customer
        .post(
            &format!("/api/orders/{id}/shipments/{first_id}/delivered"),
            json!({}),
        )
        .await
        .expect_problem(403);
    let one = deliver(first_id.clone()).await.expect(200);
    assert_eq!(
        one.body["status"], "fulfilled",
        "one shipment is still on its way"
    );
    assert!(one.body["shipments"][0]["delivered_at"].is_string());
    let twice = deliver(first_id).await.expect_problem(409);
    assert_eq!(twice.problem_type(), "/problems/already-delivered");
    deliver(uuid::Uuid::now_v7().to_string())
        .await
        .expect_problem(404);
    let all = deliver(second_id).await.expect(200);
    assert_eq!(all.body["status"], "delivered");
    // The customer sees where their order is, and until when they may return it.
    let seen = as_customer
        .get(&format!("/api/orders/{id}"))
        .await
        .expect(200);
    assert_eq!(seen.body["status"], "delivered");
    assert_eq!(seen.body["shipments"].as_array().unwrap().len(), 2);
    assert!(seen.body["returnable_until"].is_string(), "{}", seen.text);
    as_staff
        .post(&format!("/api/orders/{id}/cancel"), json!({}))
        .await
        .expect_problem(409);
    let delivered = as_staff
        .get("/api/orders?status=delivered")
        .await
        .expect(200);
    assert_eq!(delivered.body["items"].as_array().unwrap().len(), 1);
    let stats = as_staff.get("/api/orders/stats").await.expect(200).body;
    assert_eq!(stats["by_status"]["delivered"], 1);
    assert_eq!(stats["by_status"]["partially_fulfilled"], 0);
    assert_eq!(
        stats["revenue_by_day"][0]["revenue_cents"],
        2 * 450 + 1200,
        "delivered orders count as sold"
    );
}

#[tokio::test]
async fn two_shipments_racing_for_the_last_units_ship_them_once() {
    let (sys, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 100).await;
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    for round in 0..5 {
        let id = order(&sys, &customer, json!([{"product_id": tea, "quantity": 5}])).await;
        ship(
            &as_staff,
            &id,
            None,
            json!({"lines": [{"product_id": tea, "quantity": 3}]}),
        )
        .await
        .expect(201);
        let last_two = json!({"lines": [{"product_id": tea, "quantity": 2}]});
        let (a, b) = tokio::join!(
            ship(&as_staff, &id, None, last_two.clone()),
            ship(&as_staff, &id, None, last_two.clone())
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: exactly one wins: {} / {}",
            a.text,
            b.text
        );
        let now = as_staff.get(&format!("/api/orders/{id}")).await.expect(200);
        assert_eq!(now.body["status"], "fulfilled");
        assert_eq!(now.body["shipments"].as_array().unwrap().len(), 2);
    }
    assert_eq!(
        sys.stock_of(&staff, &tea).await,
        (75, 0),
        "25 units shipped, none twice"
    );
}

#[tokio::test]
async fn inventory_commits_a_shipment_once_however_often_it_is_asked() {
    let (sys, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 100, 10).await;
    let id = order(&sys, &customer, json!([{"product_id": tea, "quantity": 4}])).await;
    let service = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let commit_id = uuid::Uuid::now_v7();
    let part = json!({"commit_id": commit_id, "lines": [{"product_id": tea, "quantity": 3}]});
    let path = format!("/internal/reservations/{id}/commit");
    let first = service.post(&path, part.clone()).await.expect(200);
    assert_eq!(first.body["status"], "held", "one unit is still held");
    service.post(&path, part).await.expect(200);
    assert_eq!(sys.stock_of(&staff, &tea).await, (7, 1));
    // More than is still held is refused, and commits nothing.
    let over =
        json!({"commit_id": uuid::Uuid::now_v7(), "lines": [{"product_id": tea, "quantity": 2}]});
    assert_eq!(
        service
            .post(&path, over)
            .await
            .expect_problem(409)
            .problem_type(),
        "/problems/over-commit"
    );
    service
        .post(
            &path,
            json!({"lines": [{"product_id": tea, "quantity": 1}]}),
        )
        .await
        .expect_problem(422);
    // The rest: the reservation is committed; a release then gives nothing back.
    let rest =
        json!({"commit_id": uuid::Uuid::now_v7(), "lines": [{"product_id": tea, "quantity": 1}]});
    assert_eq!(
        service.post(&path, rest).await.expect(200).body["status"],
        "committed"
    );
    assert_eq!(sys.stock_of(&staff, &tea).await, (6, 0));
    service
        .delete(&format!("/internal/reservations/{id}"))
        .await
        .expect_problem(409);
    assert_eq!(sys.stock_of(&staff, &tea).await, (6, 0));
}

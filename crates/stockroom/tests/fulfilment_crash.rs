//! Crash tests of shipments and returns against the real binary: orders or inventory killed
//! with SIGKILL between the two sides of a shipment or a return's receipt, then restarted on
//! the same database. Nothing is lost (the stock leaves, the restocked units come back) and
//! nothing is doubled.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::{process::ServiceProcess, Api, Svc, TestSystem};

/// `stockroom serve orders` as a child process, wired to the test's auth and `inventory`.
fn orders_process(
    sys: &TestSystem,
    inventory: &str,
    db: &kernel::testing::TestDatabase,
    env: &[(&str, &str)],
) -> ServiceProcess {
    let mut all = vec![
        ("AUTH_URL", sys.config.common.auth_url.as_str()),
        ("INVENTORY_URL", inventory),
        (
            "SERVICE_CLIENT_SECRET",
            sys.config.common.service_client_secret.expose(),
        ),
        ("ORDERS_SWEEP_INTERVAL_MS", "200"),
        // A hung inventory costs a shipment 1 s, not the default 2.5.
        ("UPSTREAM_TIMEOUT_MS", "1500"),
    ];
    all.extend_from_slice(env);
    ServiceProcess::spawn(env!("CARGO_BIN_EXE_stockroom"), "orders", 0, Some(db), &all)
}

fn inventory_process(sys: &TestSystem, env: &[(&str, &str)]) -> ServiceProcess {
    let mut all = vec![
        ("AUTH_URL", sys.config.common.auth_url.as_str()),
        (
            "SERVICE_CLIENT_SECRET",
            sys.config.common.service_client_secret.expose(),
        ),
    ];
    all.extend_from_slice(env);
    let db = kernel::testing::fresh_database("inventory");
    ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_stockroom"),
        "inventory",
        0,
        Some(&db),
        &all,
    )
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// (on_hand, reserved) of `product`, and its ledger rows of `reason` for `order` (count).
async fn stock(inventory: &Api, product: &str, order: &str, reason: &str) -> (i64, i64, usize) {
    let p = inventory
        .get(&format!("/api/products/{product}"))
        .await
        .expect(200)
        .body;
    let ledger = inventory
        .get(&format!(
            "/api/inventory/movements?product_id={product}&limit=100"
        ))
        .await
        .expect(200)
        .body;
    let rows = ledger["items"]
        .as_array()
        .expect("movements")
        .iter()
        .filter(|m| m["reason"] == reason && m["order_id"] == order)
        .count();
    (
        p["on_hand"].as_i64().expect("on_hand"),
        p["reserved"].as_i64().expect("reserved"),
        rows,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_killed_between_a_shipment_and_its_commit_commits_it_once_after_restart() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "KILL-SHIP", 100, 10).await;
    let inventory_url = sys.url(Svc::Inventory);
    let db = kernel::testing::fresh_database("orders");
    // Every shipment pauses after orders' commit, before inventory's, and the sweeper does
    // not pay it meanwhile: the kill must find it unpaid.
    let mut orders = orders_process(
        &sys,
        &inventory_url,
        &db,
        &[
            ("ORDERS_TEST_PAUSE_AFTER_SHIP_MS", "60000"),
            ("ORDERS_SWEEP_INTERVAL_MS", "600000"),
        ],
    );
    orders.wait_ready().await;
    let as_customer = Api::new(orders.url()).with_token(&customer.token);
    let id = id_of(
        &as_customer
            .post(
                "/api/orders",
                json!({"lines": [{"product_id": tea, "quantity": 4}]}),
            )
            .await
            .expect(201)
            .body,
    );
    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let in_flight = {
        let (api, id, tea) = (as_staff.clone(), id.clone(), tea.clone());
        tokio::spawn(async move {
            api.request(
                reqwest::Method::POST,
                &format!("/api/orders/{id}/shipments"),
            )
            .header("idempotency-key", "ship-before-the-kill")
            .json(&json!({"lines": [{"product_id": tea, "quantity": 3}]}))
            .send()
            .await
            .is_err()
        })
    };
    // The shipment is written in orders; inventory has not heard of it.
    testkit::eventually(Duration::from_secs(10), || async {
        let order = as_staff.get(&format!("/api/orders/{id}")).await.body;
        match order["status"].as_str() {
            Some("partially_fulfilled") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let inventory = sys.api(Svc::Inventory).with_token(&staff.token);
    assert_eq!(stock(&inventory, &tea, &id, "committed").await, (10, 4, 0));
    orders.kill();
    assert!(in_flight.await.expect("the request"), "the kill cut it off");

    let orders = orders_process(&sys, &inventory_url, &db, &[]);
    orders.wait_ready().await;
    // The sweeper pays what the shipment owes: its three units leave, once.
    testkit::eventually(Duration::from_secs(20), || async {
        match stock(&inventory, &tea, &id, "committed").await {
            (7, 1, 1) => Ok(()),
            other => Err(other),
        }
    })
    .await;
    // The client's retry answers the same shipment and ships nothing more.
    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let retry = Api::send(
        as_staff
            .request(
                reqwest::Method::POST,
                &format!("/api/orders/{id}/shipments"),
            )
            .header("idempotency-key", "ship-before-the-kill")
            .json(&json!({"lines": [{"product_id": tea, "quantity": 3}]})),
    )
    .await
    .expect(201);
    assert_eq!(retry.body["shipments"].as_array().unwrap().len(), 1);
    // Cancelling the rest releases the one unit still held, and only it.
    as_staff
        .post(&format!("/api/orders/{id}/cancel"), json!({}))
        .await
        .expect(200);
    assert_eq!(stock(&inventory, &tea, &id, "committed").await, (7, 0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_killed_after_committing_a_shipment_commits_it_once_after_restart() {
    let sys = TestSystem::start(&[Svc::Auth]).await;
    let (_, staff, customer) = sys.cast().await;
    // Inventory pauses after each shipment's commit, before it answers.
    let mut inventory =
        inventory_process(&sys, &[("INVENTORY_TEST_PAUSE_AFTER_COMMIT_MS", "60000")]);
    inventory.wait_ready().await;
    let inventory_url = inventory.url();
    let staff_inventory = Api::new(inventory.url()).with_token(&staff.token);
    let tea = id_of(
        &staff_inventory
            .post(
                "/api/products",
                json!({"sku": "KILL-INV", "name": "Tea", "price_cents": 100, "initial_stock": 10}),
            )
            .await
            .expect(201)
            .body,
    );
    let db = kernel::testing::fresh_database("orders");
    let orders = orders_process(&sys, &inventory_url, &db, &[]);
    orders.wait_ready().await;
    let id = id_of(
        &Api::new(orders.url())
            .with_token(&customer.token)
            .post(
                "/api/orders",
                json!({"lines": [{"product_id": tea, "quantity": 4}]}),
            )
            .await
            .expect(201)
            .body,
    );
    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    // Orders gives up waiting for inventory's answer; the shipment stays owed.
    let shipped = as_staff
        .post(
            &format!("/api/orders/{id}/shipments"),
            json!({"lines": [{"product_id": tea, "quantity": 3}]}),
        )
        .await
        .expect(201);
    assert_eq!(shipped.body["status"], "partially_fulfilled");
    // Inventory committed the units, then died before answering.
    assert_eq!(
        stock(&staff_inventory, &tea, &id, "committed").await,
        (7, 1, 1)
    );
    inventory.kill();
    inventory
        .restart_with(&[("INVENTORY_TEST_PAUSE_AFTER_COMMIT_MS", "")])
        .await;
    // Cancelling the rest waits for the shipment's commit (or the sweeper's), which inventory
    // knows already: nothing is committed twice, and only the unit still held is released.
    as_staff
        .post(&format!("/api/orders/{id}/cancel"), json!({}))
        .await
        .expect(200);
    testkit::eventually(Duration::from_secs(20), || async {
        match stock(&staff_inventory, &tea, &id, "committed").await {
            (7, 0, 1) => Ok(()),
            other => Err(other),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_killed_between_a_receipt_and_its_restock_restocks_once_after_restart() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "KILL-RET", 100, 10).await;
    let inventory_url = sys.url(Svc::Inventory);
    let db = kernel::testing::fresh_database("orders");
    let orders = orders_process(&sys, &inventory_url, &db, &[]);
    orders.wait_ready().await;
    let as_customer = Api::new(orders.url()).with_token(&customer.token);
    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let id = id_of(
        &as_customer
            .post(
                "/api/orders",
                json!({"lines": [{"product_id": tea, "quantity": 3}]}),
            )
            .await
            .expect(201)
            .body,
    );
    as_staff
        .post(&format!("/api/orders/{id}/fulfil"), json!({}))
        .await
        .expect(200);
    let asked = id_of(
        &as_customer
            .post(
                &format!("/api/orders/{id}/returns"),
                json!({"lines": [{"product_id": tea, "quantity": 2}], "reason": "spare"}),
            )
            .await
            .expect(201)
            .body,
    );
    drop(orders);
    // Now every receipt pauses after orders' commit, before inventory's restock.
    let mut orders = orders_process(
        &sys,
        &inventory_url,
        &db,
        // Nor may its sweeper pay the restock owed meanwhile: the kill must find it unpaid.
        &[
            ("ORDERS_TEST_PAUSE_AFTER_SHIP_MS", "60000"),
            ("ORDERS_SWEEP_INTERVAL_MS", "600000"),
        ],
    );
    orders.wait_ready().await;
    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let receipt = json!({"lines": [{"product_id": tea, "quantity": 2, "condition": "restock"}]});
    let in_flight = {
        let (api, asked, receipt) = (as_staff.clone(), asked.clone(), receipt.clone());
        tokio::spawn(async move {
            api.request(
                reqwest::Method::POST,
                &format!("/api/returns/{asked}/receive"),
            )
            .header("idempotency-key", "receipt-before-the-kill")
            .json(&receipt)
            .send()
            .await
            .is_err()
        })
    };
    testkit::eventually(Duration::from_secs(10), || async {
        let list = as_staff.get("/api/returns?status=received").await.body;
        match list["items"].as_array().map(Vec::len) {
            Some(1) => Ok(()),
            other => Err(other),
        }
    })
    .await;
    let inventory = sys.api(Svc::Inventory).with_token(&staff.token);
    assert_eq!(stock(&inventory, &tea, &id, "returned").await, (7, 0, 0));
    orders.kill();
    assert!(in_flight.await.expect("the request"), "the kill cut it off");

    let orders = orders_process(&sys, &inventory_url, &db, &[]);
    orders.wait_ready().await;
    testkit::eventually(Duration::from_secs(20), || async {
        match stock(&inventory, &tea, &id, "returned").await {
            (9, 0, 1) => Ok(()),
            other => Err(other),
        }
    })
    .await;
    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let retry = Api::send(
        as_staff
            .request(
                reqwest::Method::POST,
                &format!("/api/returns/{asked}/receive"),
            )
            .header("idempotency-key", "receipt-before-the-kill")
            .json(&receipt),
    )
    .await
    .expect(200);
    assert_eq!(retry.body["status"], "received");
    assert_eq!(stock(&inventory, &tea, &id, "returned").await, (9, 0, 1));
}

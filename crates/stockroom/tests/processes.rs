//! Crash tests against the real binary: an orders process killed with SIGKILL while orders
//! are in flight, then restarted on the same database.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::json;
use testkit::{process::ServiceProcess, Api, Svc, TestSystem};

/// `stockroom serve orders` as a child process on any free port, wired to the test's auth and
/// inventory.
fn orders_process(
    sys: &TestSystem,
    db: &kernel::testing::TestDatabase,
    env: &[(&str, &str)],
) -> ServiceProcess {
    let mut all = vec![
        ("AUTH_URL", sys.config.common.auth_url.as_str()),
        ("INVENTORY_URL", sys.config.orders.inventory_url.as_str()),
        (
            "SERVICE_CLIENT_SECRET",
            sys.config.common.service_client_secret.expose(),
        ),
        ("ORDERS_PENDING_GRACE_MS", "1000"),
        ("ORDERS_SWEEP_INTERVAL_MS", "200"),
        ("ORDERS_RECONCILE_INTERVAL_MS", "200"),
    ];
    all.extend_from_slice(env);
    ServiceProcess::spawn(env!("CARGO_BIN_EXE_stockroom"), "orders", 0, Some(db), &all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_killed_mid_flight_settle_after_restart_without_leaking_stock() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let product = sys.product_id(&staff, "CRASH", 100, 40).await;
    let db = kernel::testing::fresh_database("orders");
    let mut orders = orders_process(&sys, &db, &[]);
    orders.wait_ready().await;

    // 80 orders for 40 units, 8 at a time; the process dies once 15 have answered.
    let api = Api::new(orders.url()).with_token(&customer.token);
    let answered = Arc::new(AtomicUsize::new(0));
    let load = {
        let (api, product, answered) = (api.clone(), product.clone(), answered.clone());
        tokio::spawn(async move {
            futures::future::join_all((0..8).map(|_| {
                let (api, product, answered) = (api.clone(), product.clone(), answered.clone());
                async move {
                    let mut outcomes = Vec::new();
                    for _ in 0..10 {
                        let body = json!({"lines": [{"product_id": product, "quantity": 1}]});
                        let sent = api
                            .request(reqwest::Method::POST, "/api/orders")
                            .json(&body)
                            .send()
                            .await;
                        outcomes.push(sent.map(|r| r.status().as_u16()).unwrap_or(0));
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    outcomes
                }
            }))
            .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::SeqCst) < 15 {
        assert!(Instant::now() < deadline, "no progress before the crash");
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    orders.kill();
    let outcomes: Vec<u16> = load
        .await
        .expect("load task")
        .into_iter()
        .flatten()
        .collect();
    // Every request got an answer or a dropped connection (0): never a hang, never a 500.
    assert!(
        outcomes.iter().all(|s| [0, 201, 409].contains(s)),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&0),
        "the kill interrupted requests in flight"
    );

    // On another free port: nothing else calls orders here, the test reads the new one.
    let orders = orders_process(&sys, &db, &[]);
    orders.wait_ready().await;
    let staff_api = Api::new(orders.url()).with_token(&staff.token);
    // No order is left pending: an order is written only once settled.
    let deadline = Instant::now() + Duration::from_secs(20);
    let all = loop {
        let page = staff_api.get("/api/orders?limit=100").await.expect(200);
        let items = page.body["items"].as_array().unwrap().clone();
        if items.iter().all(|o| o["status"] != "pending") {
            break items;
        }
        assert!(
            Instant::now() < deadline,
            "orders stayed pending after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for order in &all {
        let status = order["status"].as_str().unwrap();
        assert!(
            ["confirmed", "rejected", "failed"].contains(&status),
            "order ended {status}"
        );
    }
    let confirmed: i64 = all.iter().filter(|o| o["status"] == "confirmed").count() as i64;
    assert!(confirmed <= 40);
    // Reserved stock matches the confirmed orders exactly, once the reconciler has released
    // the holds of orders the kill cut off between inventory's commit and orders' own.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (on_hand, reserved) = sys.stock_of(&staff, &product).await;
        assert_eq!(on_hand, 40);
        if reserved == confirmed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "reserved {reserved} but {confirmed} orders are confirmed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_killed_between_the_two_commits_leaks_no_stock_and_a_retry_places_the_order_once() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let product = sys.product_id(&staff, "BETWEEN", 100, 10).await;
    let db = kernel::testing::fresh_database("orders");
    // Each order pauses after inventory has committed its hold, before orders' own commit.
    let mut orders = orders_process(
        &sys,
        &db,
        &[("ORDERS_TEST_PAUSE_AFTER_RESERVE_MS", "60000")],
    );
    orders.wait_ready().await;
    let api = Api::new(orders.url()).with_token(&customer.token);
    let keyed = json!({"lines": [{"product_id": product, "quantity": 2}]});
    let unkeyed = json!({"lines": [{"product_id": product, "quantity": 3}]});
    let in_flight = {
        let (api, keyed, unkeyed) = (api.clone(), keyed.clone(), unkeyed.clone());
        tokio::spawn(async move {
            let keyed = api
                .request(reqwest::Method::POST, "/api/orders")
                .header("idempotency-key", "between-the-commits")
                .json(&keyed)
                .send();
            let unkeyed = api
                .request(reqwest::Method::POST, "/api/orders")
                .json(&unkeyed)
                .send();
            let (a, b) = tokio::join!(keyed, unkeyed);
            (a.is_err(), b.is_err())
        })
    };
    // Both holds are committed at inventory; neither order is.
    testkit::eventually(Duration::from_secs(10), || async {
        match sys.stock_of(&staff, &product).await.1 {
            5 => Ok(()),
            other => Err(format!("{other} reserved")),
        }
    })
    .await;
    orders.kill();
    assert_eq!(
        in_flight.await.expect("the requests"),
        (true, true),
        "the kill cut both requests off"
    );

    let orders = orders_process(&sys, &db, &[]);
    orders.wait_ready().await;
    let api = Api::new(orders.url()).with_token(&customer.token);
    // The client retries its keyed request: the order is placed on the hold it already had
    // (or, if the reconciler released it first, on a new one), never on two.
    let placed = api
        .request(reqwest::Method::POST, "/api/orders")
        .header("idempotency-key", "between-the-commits")
        .json(&keyed)
        .send()
        .await
        .expect("the retry");
    assert_eq!(placed.status(), 201);
    let placed: serde_json::Value = placed.json().await.expect("an order");
    assert_eq!(placed["status"], "confirmed");
    // The unkeyed order's hold has no order: the reconciler releases it, and only it.
    testkit::eventually(Duration::from_secs(20), || async {
        match sys.stock_of(&staff, &product).await.1 {
            2 => Ok(()),
            other => Err(format!("{other} reserved")),
        }
    })
    .await;
    let staff_api = Api::new(orders.url()).with_token(&staff.token);
    let all = staff_api.get("/api/orders?limit=100").await.expect(200);
    let items = all.body["items"].as_array().expect("a list");
    assert_eq!(
        items.len(),
        1,
        "only the retried order exists: {}",
        all.text
    );
    assert_eq!(items[0]["id"], placed["id"]);
    let ledger = sys
        .api(Svc::Inventory)
        .with_token(&staff.token)
        .get(&format!(
            "/api/inventory/movements?product_id={product}&limit=100"
        ))
        .await
        .expect(200);
    let released_for_the_order = ledger.body["items"]
        .as_array()
        .expect("movements")
        .iter()
        .filter(|m| m["reason"] == "released" && m["order_id"] == placed["id"])
        .count();
    let reserved_for_the_order = ledger.body["items"]
        .as_array()
        .expect("movements")
        .iter()
        .filter(|m| m["reason"] == "reserved" && m["order_id"] == placed["id"])
        .count();
    assert_eq!(
        reserved_for_the_order - released_for_the_order,
        1,
        "the confirmed order holds its stock once: {}",
        ledger.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_jobs_in_flight_when_orders_dies_complete_exactly_once_after_restart() {
    use testkit::fake_ai::{Behaviour, FakeAi};
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let product = sys.product_id(&staff, "AI-CRASH", 100, 100).await;
    let fake = FakeAi::start(Behaviour::Slow(Duration::from_millis(300))).await;
    let env = [
        ("OPENROUTER_API_KEY", "test-key"),
        ("AI_BASE_URL", fake.url.as_str()),
        ("AI_TIMEOUT_MS", "3000"),
        ("AI_JOB_LEASE_MS", "1500"),
        ("AI_WORKERS", "2"),
    ];
    let db = kernel::testing::fresh_database("orders");
    let mut orders = orders_process(&sys, &db, &env);
    orders.wait_ready().await;
    let api = Api::new(orders.url()).with_token(&customer.token);
    for _ in 0..10 {
        api.post(
            "/api/orders",
            json!({"lines": [{"product_id": product, "quantity": 1}]}),
        )
        .await
        .expect(201);
    }
    // Kill while the provider is working on the first jobs.
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.prompts().len() < 3 {
        assert!(Instant::now() < deadline, "the AI workers never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    orders.kill();

    let orders = orders_process(&sys, &db, &env);
    orders.wait_ready().await;
    let staff_api = Api::new(orders.url()).with_token(&staff.token);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = staff_api.get("/api/orders?limit=100").await.expect(200);
        let items = page.body["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 10);
        if items.iter().all(|o| o["ai_summary"]["status"] == "ready") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "summaries did not all complete after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = staff_api.get("/api/ai/status").await.expect(200).body;
    assert_eq!(
        status["jobs"]["done"], 10,
        "one completed job per order: {status}"
    );
    assert_eq!(status["jobs"]["failed"], 0);
    assert_eq!(status["queued"], 0);
    // A call cut off by the kill may be repeated, but only those in flight: two workers,
    // each with a batch of at most eight jobs.
    assert!(
        fake.prompts().len() <= 10 + 2 * 8,
        "{} provider calls",
        fake.prompts().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_orders_replicas_share_the_load_and_do_no_order_or_ai_job_twice() {
    use testkit::fake_ai::{Behaviour, FakeAi};
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, customer) = sys.cast().await;
    let product = sys.product_id(&staff, "SHARED", 100, 1000).await;
    let fake = FakeAi::start(Behaviour::Slow(Duration::from_millis(30))).await;
    let env = [
        ("OPENROUTER_API_KEY", "test-key"),
        ("AI_BASE_URL", fake.url.as_str()),
        ("AI_WORKERS", "2"),
    ];
    let db = kernel::testing::fresh_database("orders");
    let first = orders_process(&sys, &db, &env);
    first.wait_ready().await;
    let second = orders_process(&sys, &db, &env);
    second.wait_ready().await;
    let replicas = [
        Api::new(first.url()).with_token(&customer.token),
        Api::new(second.url()).with_token(&customer.token),
    ];

    let placed = futures::future::join_all((0..30).map(|i| {
        let api = replicas[i % 2].clone();
        let product = product.clone();
        async move {
            api.post(
                "/api/orders",
                json!({"lines": [{"product_id": product, "quantity": 1}]}),
            )
            .await
            .expect(201)
            .body["number"]
                .as_str()
                .unwrap()
                .to_string()
        }
    }))
    .await;
    let numbers: std::collections::HashSet<&String> = placed.iter().collect();
    assert_eq!(numbers.len(), 30, "every order has its own number");

    let staff_api = Api::new(second.url()).with_token(&staff.token);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = staff_api.get("/api/orders?limit=100").await.expect(200);
        let items = page.body["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 30);
        if items.iter().all(|o| o["ai_summary"]["status"] == "ready") {
            break;
        }
        assert!(Instant::now() < deadline, "summaries did not complete");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Each order's summary was asked for exactly once, across both replicas.
    let prompts = fake.prompts();
    for number in &placed {
        let asked = prompts
            .iter()
            .filter(|p| p.contains(&format!("Order {number} ")))
            .count();
        assert_eq!(asked, 1, "{number} was summarised {asked} times");
    }
    let status = staff_api.get("/api/ai/status").await.expect(200).body;
    assert_eq!(status["jobs"]["done"], 30);
    assert_eq!(sys.stock_of(&staff, &product).await, (1000, 30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_then_exits_cleanly() {
    use testkit::fake_ai::{Behaviour, FakeAi};
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (_, staff, _) = sys.cast().await;
    let fake = FakeAi::start(Behaviour::Held).await;
    let env = [
        ("OPENROUTER_API_KEY", "test-key"),
        ("AI_BASE_URL", fake.url.as_str()),
        ("AI_TIMEOUT_MS", "20000"),
        // The assistant's answer is bounded by the upstream timeout too; this test holds it.
        ("UPSTREAM_TIMEOUT_MS", "30000"),
    ];
    let mut orders = orders_process(&sys, &kernel::testing::fresh_database("orders"), &env);
    orders.wait_ready().await;
    let api = Api::new(orders.url()).with_token(&staff.token);
    let in_flight = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post(
                "/api/ai/chat",
                json!({"messages": [{"role": "user", "content": "What is low?"}]}),
            )
            .await
        })
    };
    // The request is in flight once the provider holds its prompt.
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.prompts().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the chat never reached the provider"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    orders.terminate();
    // New connections are refused while the old request is still being served.
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("{}/healthz", orders.url()))
        .await
        .is_ok()
    {
        assert!(
            Instant::now() < deadline,
            "still accepting connections after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    fake.release();
    let reply = in_flight.await.expect("the request task").expect(200);
    assert!(reply.body["answer"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(
        orders.wait_exit().await.success(),
        "a clean exit after the drain"
    );
}

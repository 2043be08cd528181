//! Crash tests of orders' outbox: orders, or the events service, killed with SIGKILL while
//! customers place a stream of orders, then restarted on the same database. Every order that
//! ended confirmed has exactly one `order.confirmed` in the audit log, and no event names an
//! order orders does not have: the event commits with the order or not at all, the outbox keeps
//! what was not delivered, and the events service keeps each id once.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::json;
use testkit::{eventually, process::ServiceProcess, Api, Session, Svc, TestSystem};

/// `stockroom serve orders` as a child process, wired to the test's auth and inventory and to
/// the events service at `events`, relaying quickly.
fn orders_process(
    sys: &TestSystem,
    events: &str,
    db: &kernel::testing::TestDatabase,
) -> ServiceProcess {
    let inventory = sys.url(Svc::Inventory);
    let env = [
        ("AUTH_URL", sys.config.common.auth_url.as_str()),
        ("INVENTORY_URL", inventory.as_str()),
        ("EVENTS_URL", events),
        (
            "SERVICE_CLIENT_SECRET",
            sys.config.common.service_client_secret.expose(),
        ),
        ("OUTBOX_POLL_MS", "100"),
        ("OUTBOX_RETRY_MAX_MS", "500"),
    ];
    ServiceProcess::spawn(env!("CARGO_BIN_EXE_stockroom"), "orders", 0, Some(db), &env)
}

/// Places `count` orders of one `product` through `orders`, 8 at a time, each with a key of
/// its own (`batch-i`); calls `midway` once `after` have answered. Answers cut off by a kill
/// are not retried: those orders may or may not exist.
async fn place_all(
    orders: &Api,
    product: &str,
    (batch, count): (&str, usize),
    after: usize,
    midway: impl FnOnce(),
) {
    let answered = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(tokio::sync::Mutex::new((0..count).collect::<Vec<_>>()));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (orders, answered, queue) = (orders.clone(), answered.clone(), queue.clone());
            let (product, batch) = (product.to_string(), batch.to_string());
            tokio::spawn(async move {
                loop {
                    let Some(i) = queue.lock().await.pop() else {
                        return;
                    };
                    let body = json!({"lines": [{"product_id": product, "quantity": 1}]});
                    let _ = orders
                        .request(reqwest::Method::POST, "/api/orders")
                        .header("idempotency-key", format!("{batch}-{i}"))
                        .json(&body)
                        .send()
                        .await;
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < after {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    midway();
    for w in workers {
        w.await.expect("a load worker");
    }
}

fn sigkill(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status();
}

/// Waits until every confirmed order orders has is in the audit log, then checks each is
/// there once and that every order event names an order orders has.
async fn every_confirmed_order_logged_once(orders: &Api, events: &Api, customer: &Session) {
    let all = orders.all_items("/api/orders").await;
    let known: HashSet<String> = all
        .iter()
        .map(|o| o["id"].as_str().expect("an id").to_string())
        .collect();
    let confirmed: Vec<String> = all
        .iter()
        .filter(|o| o["status"] == "confirmed")
        .map(|o| o["id"].as_str().expect("an id").to_string())
        .collect();
    assert!(
        confirmed.len() >= 10,
        "enough orders confirmed to mean something: {}",
        confirmed.len()
    );
    let counts = eventually(Duration::from_secs(30), || async {
        let logged = events.all_items("/api/audit?type=order.confirmed").await;
        let mut counts: HashMap<String, usize> = HashMap::new();
        for e in &logged {
            *counts
                .entry(e["entity"]["id"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        if confirmed.iter().all(|o| counts.contains_key(o)) {
            Ok(counts)
        } else {
            let missing = confirmed
                .iter()
                .filter(|o| !counts.contains_key(*o))
                .count();
            Err(format!(
                "{missing} of {} confirmed orders not logged",
                confirmed.len()
            ))
        }
    })
    .await;
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "logged twice: {doubled:?}");
    let every = events.all_items("/api/audit?type=order.*").await;
    for e in &every {
        let order = e["entity"]["id"].as_str().unwrap_or_default();
        assert!(
            known.contains(order),
            "an event for an order orders has not: {e}"
        );
        assert_eq!(e["data"]["customer_id"], customer.id.as_str(), "{e}");
    }
    assert_eq!(
        every.len(),
        confirmed.len(),
        "one event per confirmed order, none for others"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_killed_while_orders_are_placed_records_each_confirmed_order_once() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Events]).await;
    let (admin, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "KILL-EVT", 100, 1000).await;
    let db = kernel::testing::fresh_database("orders");
    let mut orders = orders_process(&sys, &sys.url(Svc::Events), &db);
    orders.wait_ready().await;

    let pid = orders.pid().expect("orders runs");
    let as_customer = Api::new(orders.url()).with_token(&customer.token);
    place_all(&as_customer, &tea, ("before", 60), 20, || {
        // SIGKILL: no graceful shutdown; whatever was in the outbox stays there.
        sigkill(pid)
    })
    .await;
    orders.kill();
    orders.restart().await;
    // Orders go on after the restart, and so do their events.
    let as_customer = Api::new(orders.url()).with_token(&customer.token);
    place_all(&as_customer, &tea, ("after", 5), 0, || {}).await;

    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let events = sys.api(Svc::Events).with_token(&admin.token);
    every_confirmed_order_logged_once(&as_staff, &events, &customer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_service_killed_while_orders_are_placed_loses_no_event_and_doubles_none() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (admin, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "KILL-EVS", 100, 1000).await;
    let events_db = kernel::testing::fresh_database("events");
    let mut events = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_stockroom"),
        "events",
        0,
        Some(&events_db),
        &[("AUTH_URL", sys.config.common.auth_url.as_str())],
    );
    events.wait_ready().await;
    let db = kernel::testing::fresh_database("orders");
    let orders = orders_process(&sys, &events.url(), &db);
    orders.wait_ready().await;

    let pid = events.pid().expect("events runs");
    let as_customer = Api::new(orders.url()).with_token(&customer.token);
    place_all(&as_customer, &tea, ("before", 50), 15, || sigkill(pid)).await;
    events.kill();
    // Orders are placed while nothing takes their events: they wait in the outbox.
    place_all(&as_customer, &tea, ("meanwhile", 5), 0, || {}).await;
    // The relay found events to send and nobody to take them (it only calls with some).
    let metrics = Api::new(orders.url());
    eventually(Duration::from_secs(10), || async {
        let text = metrics.get("/metrics").await.text;
        if text.contains("outbox_relay_failures_total{service=\"orders\"}") {
            Ok(())
        } else {
            Err("no failed delivery yet")
        }
    })
    .await;
    events.restart().await;

    let as_staff = Api::new(orders.url()).with_token(&staff.token);
    let events_api = Api::new(events.url()).with_token(&admin.token);
    every_confirmed_order_logged_once(&as_staff, &events_api, &customer).await;
}

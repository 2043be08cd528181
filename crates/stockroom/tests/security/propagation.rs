//! `X-Request-Id` and `traceparent` travel on every service-to-service call: a recording proxy
//! between orders and its peers shows what orders sent on behalf of the client's request.

use serde_json::json;
use testkit::{fault::FaultSwitch, process::Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn the_request_id_and_trace_reach_inventory_and_auth_from_an_order() {
    let to_inventory = FaultSwitch::start().await;
    let to_auth = FaultSwitch::start().await;
    let cluster = Cluster::start_with(
        &[
            ("RATE_LIMIT_PER_SECOND", "10000"),
            ("RATE_LIMIT_BURST", "10000"),
        ],
        &[
            ("orders", "INVENTORY_URL", to_inventory.url.as_str()),
            ("orders", "AUTH_URL", to_auth.url.as_str()),
        ],
    )
    .await;
    // The switches learn their targets now that the cluster's ports are known; until then
    // orders' calls fail and are retried (its readiness, its key fetch).
    to_inventory.forward_to(&cluster.url("inventory"));
    to_auth.forward_to(&cluster.url("auth"));

    let admin = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let customer = cluster.sign_up("trace@example.com").await;
    let product = Cluster::product(&admin, "TRC-1", 900, 10).await;

    let request_id = format!("abc-{}", uuid::Uuid::new_v4().simple());
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let sent = customer
        .request(reqwest::Method::POST, "/api/orders")
        .header("x-request-id", &request_id)
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&json!({"lines": [{"product_id": product, "quantity": 1}]}));
    testkit::Api::send(sent).await.expect(201);

    let reservations: Vec<_> = to_inventory
        .recorded()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/internal/reservations"))
        .collect();
    assert_eq!(
        reservations.len(),
        1,
        "one reservation call: {reservations:?}"
    );
    let call = &reservations[0];
    assert_eq!(call.header("x-request-id"), Some(request_id.as_str()));
    let traceparent = call.header("traceparent").expect("a traceparent");
    assert_eq!(
        kernel::context::trace_id_of(traceparent),
        Some(trace_id),
        "same trace, got {traceparent}"
    );

    // The service token was fetched for this request: that call carries its ids too.
    let grants: Vec<_> = to_auth
        .recorded()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/auth/token"))
        .collect();
    assert_eq!(grants.len(), 1, "one token grant: {grants:?}");
    assert_eq!(grants[0].header("x-request-id"), Some(request_id.as_str()));
    assert_eq!(
        grants[0]
            .header("traceparent")
            .and_then(kernel::context::trace_id_of),
        Some(trace_id)
    );
}

//! OpenTelemetry: with `OTEL_EXPORTER_OTLP_ENDPOINT` set, an order placed through the gateway
//! is one exported trace across the gateway, orders and inventory, each service's span the
//! child of the span that called it.

use std::time::Duration;

use serde_json::json;
use testkit::{eventually, otlp::Receiver, process::Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_one_trace_across_the_services() {
    let receiver = Receiver::start().await;
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let names = [
        ("auth", "OTEL_SERVICE_NAME", "stockroom-auth"),
        ("inventory", "OTEL_SERVICE_NAME", "stockroom-inventory"),
        ("orders", "OTEL_SERVICE_NAME", "stockroom-orders"),
        ("gateway", "OTEL_SERVICE_NAME", "stockroom-gateway"),
    ];
    let cluster = Cluster::start_with(&env, &names).await;
    let admin = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let product = Cluster::product(&admin, "TRACE-1", 250, 10).await;

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let order = testkit::Api::send(
        admin
            .request(reqwest::Method::POST, "/api/orders")
            .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
            .json(&json!({"lines": [{"product_id": product, "quantity": 2}]})),
    )
    .await
    .expect(201);
    assert_eq!(order.body["status"], "confirmed");

    // The services export in batches: wait for each service's request span. A span ends (and
    // is queued) after the spans inside it, so with it come the ones it contains.
    let spans = eventually(Duration::from_secs(10), || async {
        let spans: Vec<_> = receiver
            .spans()
            .into_iter()
            .filter(|s| s.trace_id == trace_id)
            .collect();
        let from = |svc: &str| {
            spans.iter().any(|s| {
                s.name == "request" && s.attributes.get("service").map(String::as_str) == Some(svc)
            })
        };
        if from("gateway") && from("orders") && from("inventory") {
            Ok(spans)
        } else {
            Err(format!("{} spans so far", spans.len()))
        }
    })
    .await;
    let request = |svc: &str| {
        spans
            .iter()
            .find(|s| {
                s.name == "request" && s.attributes.get("service").map(String::as_str) == Some(svc)
            })
            .unwrap_or_else(|| panic!("no request span from {svc}: {spans:#?}"))
    };
    let (gateway, orders, inventory) =
        (request("gateway"), request("orders"), request("inventory"));
    assert_eq!(
        gateway.parent_span_id, "00f067aa0ba902b7",
        "the client's span is the root's parent"
    );
    assert_eq!(
        orders.parent_span_id, gateway.span_id,
        "orders is called by the gateway"
    );
    // Orders calls inventory from within its own spans (the saga's steps): walking up from
    // inventory's span reaches the orders request.
    let mut parent = inventory.parent_span_id.clone();
    let mut path = Vec::new();
    while parent != orders.span_id {
        let up = spans
            .iter()
            .find(|s| s.span_id == parent)
            .unwrap_or_else(|| {
                panic!("inventory's ancestor {parent} was not exported: {path:?} {spans:#?}")
            });
        assert_eq!(up.resource_service, "stockroom-orders", "{path:?}");
        path.push(up.name.clone());
        parent = up.parent_span_id.clone();
    }
    assert_eq!(
        inventory.attributes.get("path").map(String::as_str),
        Some("/internal/reservations")
    );
}

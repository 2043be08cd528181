//! Breakers that do not cascade: a service answering its own 503 is a service working, so the
//! gateway keeps routing to it; reads are never refused because writes fail; and the first
//! request after a dependency returns succeeds (no cool-down to sit out).

use std::time::{Duration, Instant};

use serde_json::json;
use testkit::{
    fault::{FaultSwitch, Mode},
    Api, Reply, Svc, TestSystem,
};

const ALL: [Svc; 4] = [Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway];

/// How long a recovered dependency may take to be used again: a few health probes, far
/// below the breakers' 5 s cool-down.
const RECOVERY: Duration = Duration::from_secs(1);

/// A 503 the gateway made itself (its breaker or a dead upstream) names the service.
fn made_by_the_gateway(reply: &Reply) -> bool {
    reply.status.as_u16() == 503 && reply.body["service"].is_string()
}

/// Inventory seen by orders (and the gateway) through `switch`.
async fn system_behind(switch: &FaultSwitch) -> TestSystem {
    let switch = switch.clone();
    TestSystem::start_with(&ALL, move |s| {
        s.rate_limit_per_second = 100_000;
        s.rate_limit_burst = 100_000;
        s.upstream_timeout = Duration::from_millis(1500);
        switch.forward_to(&s.inventory_url);
        s.inventory_url = switch.url.clone();
    })
    .await
}

/// Polls `call` until it answers `status`, for at most `within`; how long it took. Unless
/// `gateway_may_refuse`, a 503 of the gateway's own fails at once.
async fn within<F, Fut>(
    within: Duration,
    status: u16,
    gateway_may_refuse: bool,
    call: F,
) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let started = Instant::now();
    loop {
        let reply = call().await;
        if reply.status.as_u16() == status {
            return started.elapsed();
        }
        assert!(
            gateway_may_refuse || !made_by_the_gateway(&reply),
            "the gateway refused on its own: {}",
            reply.text
        );
        assert!(
            started.elapsed() < within,
            "not {status} within {within:?} of the dependency returning: {} {}",
            reply.status,
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// With inventory failing in `mode`, orders answers its own 503s while the gateway keeps
/// routing every orders route; once inventory passes again, orders flow within [`RECOVERY`].
async fn orders_survive_inventory(mode: Mode) {
    let switch = FaultSwitch::start().await;
    let sys = system_behind(&switch).await;
    let (_, staff, customer) = sys.cast().await;
    let product = sys.product_id(&staff, "BRK-1", 100, 1000).await;
    let gw: Api = sys.api(Svc::Gateway).with_token(&customer.token);
    let order = || {
        gw.post(
            "/api/orders",
            json!({"lines": [{"product_id": product, "quantity": 1}]}),
        )
    };
    let first = order().await.expect(201).body["id"]
        .as_str()
        .expect("an order id")
        .to_string();

    switch.set(mode);
    // Enough failed orders, at once, to open orders' breaker on inventory many times over.
    let failed = futures::future::join_all((0..8).map(|_| order())).await;
    for reply in failed.iter() {
        assert_eq!(reply.status.as_u16(), 503, "{}", reply.text);
        assert!(
            !made_by_the_gateway(reply),
            "orders' own 503, relayed: {}",
            reply.text
        );
    }
    // Orders keeps answering its own 503 quickly, and every read goes through all along.
    for _ in 0..10 {
        let started = Instant::now();
        let refused = order().await;
        assert_eq!(refused.status.as_u16(), 503, "{}", refused.text);
        assert!(!made_by_the_gateway(&refused), "{}", refused.text);
        assert!(started.elapsed() < Duration::from_secs(2));
        gw.get("/api/orders").await.expect(200);
        gw.get(&format!("/api/orders/{first}")).await.expect(200);
    }

    switch.set(Mode::Pass);
    let took = within(RECOVERY, 201, false, order).await;
    eprintln!("{mode:?}: orders flowed again {took:?} after inventory returned");
    gw.get("/api/orders").await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn inventory_refusing_never_closes_orders_routes_and_the_next_order_after_it_returns_succeeds(
) {
    orders_survive_inventory(Mode::Refuse).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn inventory_hanging_never_closes_orders_routes_and_the_next_order_after_it_returns_succeeds()
{
    orders_survive_inventory(Mode::Hang).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn the_gateway_routes_to_a_service_again_as_soon_as_it_returns() {
    let mut sys = TestSystem::start_with(&ALL, |s| {
        s.rate_limit_per_second = 100_000;
        s.rate_limit_burst = 100_000;
    })
    .await;
    let (_, _, customer) = sys.cast().await;
    let gw = sys.api(Svc::Gateway).with_token(&customer.token);
    gw.get("/api/orders").await.expect(200);

    // Orders is gone: connections are refused, the gateway's breaker opens.
    sys.stop(Svc::Orders).await;
    for _ in 0..8 {
        let started = Instant::now();
        let reply = gw.get("/api/orders").await.expect_problem(503);
        assert_eq!(reply.body["service"], "orders");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Other services are not affected.
    gw.get("/api/auth/me").await.expect(200);

    sys.restart(Svc::Orders).await;
    let took = within(RECOVERY, 200, true, || gw.get("/api/orders")).await;
    eprintln!("orders routed again {took:?} after it restarted");
}

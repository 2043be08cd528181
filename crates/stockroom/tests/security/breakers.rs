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
    TestSystem::start_with(&ALL, move |c| {
        c.gateway.rate_limit_per_second = 100_000;
        c.gateway.rate_limit_burst = 100_000;
        c.common.upstream_timeout = Duration::from_millis(1500);
        switch.forward_to(&c.orders.inventory_url);
        c.set_inventory_url(&switch.url);
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
    let mut sys = TestSystem::start_with(&ALL, |c| {
        c.gateway.rate_limit_per_second = 100_000;
        c.gateway.rate_limit_burst = 100_000;
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

/// How long the stalled-body tests give a service to answer, and a client to send its request.
const ANSWER_WITHIN: Duration = Duration::from_millis(1000);
const CLIENT_WINDOW: Duration = Duration::from_millis(3000);

/// `host:port` of a base URL.
fn authority(base: &str) -> String {
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Sends a request head and `body` (in pieces, `pause` apart) over a raw connection, and
/// reads the answer's head: the status and the head in lower case.
async fn raw_post(
    gateway: &str,
    path: &str,
    token: Option<&str>,
    content_length: usize,
    body: &[&[u8]],
    pause: Duration,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(authority(gateway))
        .await
        .expect("connect to the gateway");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         {auth}Content-Length: {content_length}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    for (i, piece) in body.iter().enumerate() {
        if i > 0 {
            // The client's pace, not synchronisation: it sends slowly on purpose.
            tokio::time::sleep(pause).await;
        }
        stream.write_all(piece).await.expect("send a piece");
    }
    let mut answer = Vec::new();
    let deadline = Instant::now() + CLIENT_WINDOW + Duration::from_secs(10);
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut buf = [0u8; 4096];
        let left = deadline.saturating_duration_since(Instant::now());
        let read = tokio::time::timeout(left, stream.read(&mut buf))
            .await
            .expect("the gateway answers a stalled request")
            .expect("read the answer");
        assert!(read > 0, "the gateway closed without answering");
        answer.extend_from_slice(&buf[..read]);
    }
    let head = String::from_utf8_lossy(&answer).to_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn clients_that_stall_their_bodies_get_408_and_never_open_the_breaker_for_everyone() {
    let sys = TestSystem::start_with(&ALL, |c| {
        c.gateway.rate_limit_per_second = 100_000;
        c.gateway.rate_limit_burst = 100_000;
        c.common.upstream_timeout = ANSWER_WITHIN;
        c.common.http.request_timeout = CLIENT_WINDOW;
    })
    .await;
    let (_, staff, customer) = sys.cast().await;
    let product = sys.product_id(&staff, "BRK-2", 100, 1000).await;
    let gateway = sys.url(Svc::Gateway);

    // Twice the breaker's threshold on each write path: a head promising 100 bytes, then 9.
    let stalled = futures::future::join_all((0..10).map(|i| {
        let (gateway, token) = (gateway.clone(), customer.token.clone());
        async move {
            let (path, token) = if i % 2 == 0 {
                ("/api/auth/login", None)
            } else {
                ("/api/orders", Some(token))
            };
            raw_post(
                &gateway,
                path,
                token.as_deref(),
                100,
                &[b"{\"email\":"],
                Duration::ZERO,
            )
            .await
        }
    }))
    .await;
    for (status, head) in &stalled {
        assert_eq!(
            *status, 408,
            "a stalled body is the client's timeout: {head}"
        );
        assert!(head.contains("application/problem+json"), "{head}");
    }

    // Everyone else signs in and orders at once: no breaker was opened by the stalls.
    let gw = sys.api(Svc::Gateway);
    let login = gw
        .post(
            "/api/auth/login",
            json!({"email": customer.email, "password": "correct horse battery"}),
        )
        .await;
    assert!(!made_by_the_gateway(&login), "{}", login.text);
    login.expect(200);
    let order = gw
        .with_token(&customer.token)
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": product, "quantity": 1}]}),
        )
        .await;
    assert!(!made_by_the_gateway(&order), "{}", order.text);
    order.expect(201);

    // A slow client that does send everything is served, however long its body took.
    let body =
        serde_json::to_vec(&json!({"email": customer.email, "password": "correct horse battery"}))
            .expect("a JSON body");
    let pieces: Vec<&[u8]> = body.chunks(body.len().div_ceil(4)).collect();
    let pause = ANSWER_WITHIN / 2;
    let (status, head) = raw_post(
        &gateway,
        "/api/auth/login",
        None,
        body.len(),
        &pieces,
        pause,
    )
    .await;
    assert_eq!(status, 200, "a slow but complete sign-in: {head}");
}

//! The gateway in front of the real services.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use testkit::{Api, Svc, TestSystem};

const ALL: [Svc; 4] = [Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway];

#[tokio::test]
async fn each_route_reaches_its_service_and_internal_paths_do_not() {
    let sys = TestSystem::start(&ALL).await;
    let gw = sys.api(Svc::Gateway);
    gw.post(
        "/api/auth/register",
        json!({"email": "boss@example.com", "password": "correct horse battery", "name": "Boss"}),
    )
    .await
    .expect(201);
    let login = gw
        .post(
            "/api/auth/login",
            json!({"email": "boss@example.com", "password": "correct horse battery"}),
        )
        .await
        .expect(200);
    let token = login.body["access_token"].as_str().unwrap();
    let gw = gw.with_token(token);
    gw.get("/api/auth/me").await.expect(200);
    let product = gw
        .post("/api/products", json!({"sku": "GW-1", "name": "Through the gateway", "price_cents": 100, "initial_stock": 3}))
        .await
        .expect(201);
    assert_eq!(
        product.header("etag"),
        Some("\"1\""),
        "upstream headers come back"
    );
    let pid = product.body["id"].as_str().unwrap();
    gw.get("/api/products?q=gw").await.expect(200);
    gw.post("/api/suppliers", json!({"name": "S"}))
        .await
        .expect(201);
    gw.get("/api/inventory/summary").await.expect(200);
    let order = Api::send(
        gw.request(Method::POST, "/api/orders")
            .header("idempotency-key", "gw-1")
            .header("x-request-id", "trace-me-1")
            .json(&json!({"lines": [{"product_id": pid, "quantity": 1}]})),
    )
    .await
    .expect(201);
    assert_eq!(order.header("x-request-id"), Some("trace-me-1"));
    gw.get("/api/orders").await.expect(200);
    gw.get("/api/orders/stats").await.expect(200);
    gw.get("/.well-known/jwks.json").await.expect(200);
    // Internal endpoints are never routed, even with a valid service token.
    let service = sys.service_token().await;
    let internal = sys.api(Svc::Gateway).with_token(&service);
    internal.get("/internal/stock").await.expect_problem(404);
    internal
        .post("/internal/reservations", json!({"reservation_id": uuid::Uuid::new_v4(), "lines": [{"product_id": pid, "quantity": 1}]}))
        .await
        .expect_problem(404);
    gw.get("/api/no-such-thing").await.expect_problem(404);
}

#[tokio::test]
async fn with_inventory_down_its_routes_are_503_fast_and_the_dashboard_degrades() {
    let mut sys = TestSystem::start(&ALL).await;
    let (_, staff, _) = sys.cast().await;
    sys.stop(Svc::Inventory).await;
    let gw = sys.api(Svc::Gateway).with_token(&staff.token);
    let started = Instant::now();
    let reply = gw.get("/api/products").await.expect_problem(503);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(reply.header("retry-after").is_some());
    assert_eq!(reply.body["service"], "inventory");
    let dash = gw.get("/api/dashboard").await.expect(200).body;
    assert_eq!(dash["inventory"]["unavailable"], true);
    assert!(dash["inventory"]["reason"]
        .as_str()
        .unwrap()
        .contains("inventory"));
    assert!(
        dash["orders"]["by_status"].is_object(),
        "orders still answer: {dash}"
    );
    assert_eq!(dash["services"]["inventory"]["status"], "down");
    assert_eq!(dash["services"]["auth"]["status"], "up");
    assert_eq!(
        dash["services"]["events"]["status"], "down",
        "not started here: {dash}"
    );
    let status = sys.api(Svc::Gateway).get("/api/status").await.expect(200);
    assert_eq!(status.body["status"], "degraded");
}

#[tokio::test]
async fn a_service_that_never_answers_is_504_after_the_timeout() {
    let hang_url = testkit::fault::hanging_server().await;
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Gateway], |c| {
        c.common.upstream_timeout = Duration::from_millis(500);
        c.set_inventory_url(&hang_url);
    })
    .await;
    let admin = sys.sign_up("admin").await;
    let gw = sys.api(Svc::Gateway).with_token(&admin.token);
    let started = Instant::now();
    let reply = gw.get("/api/products").await.expect_problem(504);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(2),
        "took {took:?}"
    );
    assert!(reply.header("retry-after").is_some());
    // The dashboard does not hang either: the hung part is marked, the rest answers.
    let dash = gw.get("/api/dashboard").await.expect(200);
    assert_eq!(dash.body["inventory"]["unavailable"], true);
}

#[tokio::test]
async fn requests_beyond_the_burst_get_429_with_retry_after() {
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Gateway], |c| {
        c.gateway.rate_limit_per_second = 1;
        c.gateway.rate_limit_burst = 5;
    })
    .await;
    let gw = sys.api(Svc::Gateway);
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(gw.get("/api/status").await.status.as_u16());
    }
    assert_eq!(&statuses[..5], &[200; 5]);
    let limited = gw.get("/api/status").await.expect_problem(429);
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Health checks are not rate limited: orchestrators must always see them.
    gw.get("/healthz").await.expect(200);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Gateway]).await;
    let big = format!("{{\"email\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    sys.api(Svc::Gateway)
        .post_raw("/api/auth/login", "application/json", big)
        .await
        .expect_problem(413);
}

#[tokio::test]
async fn cors_preflight_passes_for_the_ui_origin_only() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Gateway]).await;
    let gw = sys.api(Svc::Gateway);
    let preflight = |origin: &'static str| {
        Api::send(
            gw.request(Method::OPTIONS, "/api/orders")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type,idempotency-key",
                ),
        )
    };
    let ok = preflight("http://localhost:3000").await;
    assert!(ok.status.is_success());
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    assert!(ok
        .header("access-control-allow-headers")
        .unwrap()
        .contains("idempotency-key"));
    let evil = preflight("http://evil.example").await;
    assert_eq!(evil.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn the_dashboard_is_for_staff_and_has_every_section() {
    let sys = TestSystem::start(&[
        Svc::Auth,
        Svc::Inventory,
        Svc::Orders,
        Svc::Events,
        Svc::Gateway,
    ])
    .await;
    let (_, staff, customer) = sys.cast().await;
    let gw = sys.api(Svc::Gateway);
    gw.get("/api/dashboard").await.expect_problem(401);
    gw.with_token(&customer.token)
        .get("/api/dashboard")
        .await
        .expect_problem(403);
    let tea = sys.product_id(&staff, "TEA", 250, 3).await;
    sys.api(Svc::Orders)
        .with_token(&customer.token)
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": tea, "quantity": 2}]}),
        )
        .await
        .expect(201);
    let dash = gw
        .with_token(&staff.token)
        .get("/api/dashboard")
        .await
        .expect(200)
        .body;
    assert_eq!(dash["orders"]["by_status"]["confirmed"], 1);
    assert_eq!(dash["orders"]["revenue_today_cents"], 500);
    assert_eq!(dash["orders"]["orders_today"], 1);
    assert_eq!(dash["orders"]["period_days"], 30);
    assert_eq!(dash["orders"]["revenue_period_cents"], 500);
    assert_eq!(dash["orders"]["orders_period"], 1);
    let statuses: Vec<&String> = dash["orders"]["by_status"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        statuses,
        [
            "cancelled",
            "confirmed",
            "delivered",
            "failed",
            "fulfilled",
            "partially_fulfilled",
            "pending",
            "rejected"
        ],
        "every status, zero when none"
    );
    assert_eq!(dash["orders"]["recent"].as_array().unwrap().len(), 1);
    for days in [7, 90] {
        let period = gw
            .with_token(&staff.token)
            .get(&format!("/api/dashboard?days={days}"))
            .await
            .expect(200)
            .body;
        assert_eq!(period["orders"]["period_days"], days);
        assert_eq!(period["orders"]["orders_period"], 1);
    }
    let refused = gw
        .with_token(&staff.token)
        .get("/api/dashboard?days=366")
        .await
        .expect_problem(422)
        .body;
    assert_eq!(refused["errors"][0]["field"], "days");
    assert_eq!(dash["inventory"]["summary"]["products"], 1);
    assert_eq!(dash["inventory"]["low_stock"][0]["sku"], "TEA");
    for s in ["auth", "inventory", "orders", "events"] {
        assert_eq!(dash["services"][s]["status"], "up", "{s}");
    }
    let status = gw.get("/api/status").await.expect(200).body;
    assert_eq!(status["status"], "ok", "{status}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_public_path() {
    let sys = TestSystem::start(&[Svc::Gateway]).await;
    let doc = sys
        .api(Svc::Gateway)
        .get("/openapi.json")
        .await
        .expect(200)
        .body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/api/auth/register", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/refresh", "post"),
        ("/api/auth/logout", "post"),
        ("/api/auth/me", "get"),
        ("/api/auth/users", "get"),
        ("/api/auth/users/{id}", "patch"),
        ("/.well-known/jwks.json", "get"),
        ("/api/products", "get"),
        ("/api/products", "post"),
        ("/api/products/{id}", "get"),
        ("/api/products/{id}", "patch"),
        ("/api/products/{id}", "delete"),
        ("/api/inventory/adjustments", "post"),
        ("/api/inventory/movements", "get"),
        ("/api/inventory/low-stock", "get"),
        ("/api/inventory/summary", "get"),
        ("/api/suppliers", "get"),
        ("/api/suppliers", "post"),
        ("/api/suppliers/{id}", "get"),
        ("/api/suppliers/{id}", "patch"),
        ("/api/products/import", "post"),
        ("/api/products/export", "get"),
        ("/api/orders", "post"),
        ("/api/orders", "get"),
        ("/api/orders/{id}", "get"),
        ("/api/orders/{id}/cancel", "post"),
        ("/api/orders/{id}/fulfil", "post"),
        ("/api/orders/{id}/shipments", "post"),
        ("/api/orders/{id}/shipments/{sid}/delivered", "post"),
        ("/api/orders/{id}/returns", "post"),
        ("/api/returns", "get"),
        ("/api/returns/{id}/receive", "post"),
        ("/api/returns/{id}/reject", "post"),
        ("/api/orders/stats", "get"),
        ("/api/dashboard", "get"),
        ("/api/status", "get"),
    ];
    for (path, method) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
    }
    assert!(
        !paths.keys().any(|p| p.starts_with("/internal")),
        "internal paths stay out of the public document"
    );
    assert!(
        !paths.contains_key("/api/auth/token"),
        "service tokens are not public: the gateway does not route them"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert_eq!(doc["servers"][0]["url"], "/");
    // What redocly's recommended rules ask (`make test-openapi` lints the whole document):
    // public operations say `security: []`, every operation has a summary and a 4xx answer.
    let mut public = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let security = op["security"]
                .as_array()
                .expect("security on every operation");
            if security.is_empty() {
                public.push(format!("{method} {path}"));
            } else {
                assert!(op["responses"]["401"].is_object(), "{method} {path}");
            }
            assert!(op["summary"].is_string(), "{method} {path} has a summary");
            assert!(op["responses"]["429"].is_object(), "{method} {path}");
        }
    }
    public.sort();
    assert_eq!(
        public,
        [
            "get /.well-known/jwks.json",
            "get /api/status",
            "post /api/auth/login",
            "post /api/auth/logout",
            "post /api/auth/refresh",
            "post /api/auth/register"
        ]
    );
}

#[tokio::test]
async fn ui_responses_carry_security_headers_and_unknown_paths_serve_the_app() {
    let dir = std::env::temp_dir().join(format!("stockroom-ui-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><div id=root>app</div>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app-abc123.js"), "console.log(1)").unwrap();
    let web_dir = dir.clone();
    let sys = TestSystem::start_with(&[Svc::Gateway], move |c| c.gateway.web_dir = web_dir).await;
    let gw = sys.api(Svc::Gateway);
    let page = gw.get("/orders/123").await.expect(200);
    assert!(page.text.contains("app"));
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'self'"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let asset = gw.get("/assets/app-abc123.js").await.expect(200);
    assert!(asset.header("cache-control").unwrap().contains("immutable"));
    gw.get("/api/unknown").await.expect_problem(404);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_gets_its_own_rate_limit() {
    let limited = |trusted: &'static str| {
        TestSystem::start_with(&[Svc::Auth, Svc::Gateway], move |c| {
            c.gateway.rate_limit_per_second = 1;
            c.gateway.rate_limit_burst = 2;
            c.common.trusted_proxies = trusted
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|t| t.parse().unwrap())
                .collect();
        })
    };
    let as_client = |gw: &Api, ip: &str| {
        Api::send(
            gw.request(Method::GET, "/api/status")
                .header("x-forwarded-for", ip),
        )
    };
    // The test talks from loopback, which is trusted here like a load balancer would be.
    let sys = limited("127.0.0.0/8").await;
    let gw = sys.api(Svc::Gateway);
    as_client(&gw, "198.51.100.1").await.expect(200);
    as_client(&gw, "198.51.100.1").await.expect(200);
    as_client(&gw, "198.51.100.1").await.expect_problem(429);
    as_client(&gw, "198.51.100.2").await.expect(200);
    // Not trusted: the header is the client's own claim and changes nothing.
    let sys = limited("").await;
    let gw = sys.api(Svc::Gateway);
    as_client(&gw, "198.51.100.1").await.expect(200);
    as_client(&gw, "198.51.100.2").await.expect(200);
    as_client(&gw, "198.51.100.3").await.expect_problem(429);
}

//! Signing keys survive auth being down: services fetch auth's JWKS when they start, keep the
//! last good copy on disk, and are not ready while they know no key at all.

use std::time::{Duration, Instant};

use serde_json::json;
use testkit::process::{Cluster, ServiceProcess, TEST_SERVICE_SECRET};

async fn readyz(url: &str) -> u16 {
    reqwest::get(format!("{url}/readyz"))
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn services_restarted_while_auth_is_down_verify_tokens_from_the_kept_keys() {
    let mut cluster = Cluster::start(&[
        ("RATE_LIMIT_PER_SECOND", "10000"),
        ("RATE_LIMIT_BURST", "10000"),
    ])
    .await;
    let admin = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    let customer = cluster.sign_up("keys@example.com").await;
    let product = Cluster::product(&admin, "KEY-1", 700, 50).await;
    let order = || {
        customer.post(
            "/api/orders",
            json!({"lines": [{"product_id": product, "quantity": 1}]}),
        )
    };
    order().await.expect(201);

    cluster.get("auth").kill();
    for service in ["inventory", "orders"] {
        cluster.get(service).kill();
        cluster.get(service).restart().await;
        let url = cluster.url(service);
        let deadline = Instant::now() + Duration::from_secs(10);
        while readyz(&url).await != 200 {
            assert!(
                Instant::now() < deadline,
                "{service} restarted with auth down must become ready from its kept keys"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Customer token checked by orders, orders' service token by inventory: both from disk.
    order().await.expect(201);
    admin.get("/api/products").await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn a_service_that_never_knew_a_key_is_not_ready_until_auth_returns() {
    let mut cluster = Cluster::start(&[]).await;
    cluster.get("auth").kill();
    // A new inventory replica: fresh database, fresh data directory, no kept keys.
    let auth_url = cluster.url("auth");
    let db = kernel::testing::fresh_database("inventory");
    let fresh = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_stockroom"),
        "inventory",
        0,
        Some(&db),
        &[
            ("AUTH_URL", auth_url.as_str()),
            ("SERVICE_CLIENT_SECRET", TEST_SERVICE_SECRET),
        ],
    );
    fresh.wait_ready().await;
    // Not ready, and staying so while auth is away: every answer over a window that spans
    // several of the service's retries (every 500 ms without keys) is 503.
    let client = reqwest::Client::new();
    let window = Instant::now() + Duration::from_secs(2);
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    let mut answers = 0;
    while Instant::now() < window {
        pace.tick().await;
        let reply = client
            .get(format!("{}/readyz", fresh.url()))
            .send()
            .await
            .expect("readyz answers");
        assert_eq!(reply.status(), 503, "no signing keys: not ready");
        let body: serde_json::Value = reply.json().await.expect("a problem body");
        assert!(
            body["checks"]["signing_keys"]
                .as_str()
                .is_some_and(|c| c != "ok"),
            "the failing check is named: {body}"
        );
        answers += 1;
    }
    assert!(
        answers >= 10,
        "readyz was asked throughout: {answers} answers"
    );

    cluster.get("auth").restart().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while readyz(&fresh.url()).await != 200 {
        assert!(
            Instant::now() < deadline,
            "ready once auth is back and its keys fetched"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn serve_makes_an_existing_data_directory_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    // Made earlier with the usual umask: other local accounts could read cached keys.
    let dir = std::env::temp_dir()
        .join("stockroom-tests")
        .join(format!("wide-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a data directory");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data_dir = dir.display().to_string();
    let gateway = ServiceProcess::spawn(
        env!("CARGO_BIN_EXE_stockroom"),
        "gateway",
        0,
        None,
        &[
            ("AUTH_URL", "http://127.0.0.1:9"),
            ("STOCKROOM_DATA_DIR", data_dir.as_str()),
        ],
    );
    gateway.wait_ready().await;
    let mode = std::fs::metadata(&dir)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700, "the data directory is the owner's alone");
    let _ = std::fs::remove_dir_all(&dir);
}

//! `stockroom demo` against a real system, twice: the first run fills it, the second adds
//! nothing.

use serde_json::json;
use testkit::{Api, Svc, TestSystem};

async fn demo(gateway: &str) -> String {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(["demo", "--url", gateway])
        .env("RUST_LOG", "error")
        .output()
        .await
        .expect("stockroom demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "stockroom demo failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn count(api: &Api, path: &str) -> usize {
    api.all_items(path).await.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_fills_a_fresh_system_once() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway]).await;
    let gateway = sys.url(Svc::Gateway);
    let first = demo(&gateway).await;
    assert!(
        first.contains("9 accounts, 4 suppliers, 60 products"),
        "{first}"
    );
    assert!(first.contains("owner@demo.stockroom.example"), "{first}");

    let login = sys
        .api(Svc::Gateway)
        .post(
            "/api/auth/login",
            json!({"email": "sam@demo.stockroom.example", "password": "stockroom-demo"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(login["user"]["role"], "staff");
    let staff = sys
        .api(Svc::Gateway)
        .with_token(login["access_token"].as_str().unwrap());
    let products = count(&staff, "/api/products?active=all").await;
    let suppliers = count(&staff, "/api/suppliers").await;
    let orders = count(&staff, "/api/orders").await;
    let users = {
        let admin = sys
            .api(Svc::Gateway)
            .post(
                "/api/auth/login",
                json!({"email": "owner@demo.stockroom.example", "password": "stockroom-demo"}),
            )
            .await
            .expect(200)
            .body;
        let admin = sys
            .api(Svc::Gateway)
            .with_token(admin["access_token"].as_str().unwrap());
        count(&admin, "/api/auth/users").await
    };
    assert_eq!((products, suppliers, users), (60, 4, 9));
    assert!(orders >= 80, "{orders} orders");
    // Two months of history, so the chart and the forecast have something to show.
    let stats = staff
        .get("/api/orders/stats?days=90")
        .await
        .expect(200)
        .body;
    let days: Vec<&str> = stats["revenue_by_day"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["revenue_cents"].as_i64() > Some(0))
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert!(days.len() >= 45, "revenue on {} days: {days:?}", days.len());
    let two_months_ago = (chrono::Utc::now() - chrono::Duration::days(55))
        .date_naive()
        .to_string();
    assert!(
        days.iter().any(|d| *d <= two_months_ago.as_str()),
        "nothing from two months ago: {days:?}"
    );
    let restock = staff.get("/api/insights/restock").await.expect(200).body;
    let selling = restock["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["daily_demand"].as_f64() > Some(0.0))
        .count();
    assert!(selling >= 20, "{selling} products with demand: {restock}");
    let catalogue = staff
        .get("/api/products?active=all&limit=100")
        .await
        .expect(200)
        .body;
    for p in catalogue["items"].as_array().unwrap() {
        let (price, cost) = (p["price_cents"].as_i64(), p["cost_cents"].as_i64());
        assert!(
            cost.is_some_and(|c| c > 0 && Some(c) < price),
            "a cost below the price: {p}"
        );
    }
    let dash = staff.get("/api/dashboard").await.expect(200).body;
    let by_status = &dash["orders"]["by_status"];
    for status in [
        "confirmed",
        "partially_fulfilled",
        "fulfilled",
        "delivered",
        "cancelled",
        "rejected",
    ] {
        assert!(
            by_status[status].as_i64().unwrap() > 0,
            "{status}: {by_status}"
        );
    }
    assert!(dash["orders"]["refunds_period_cents"].as_i64().unwrap() > 0);
    assert!(dash["inventory"]["summary"]["low_stock"].as_i64().unwrap() > 0);
    assert!(dash["orders"]["top_products"].as_array().unwrap().len() > 3);

    let second = demo(&gateway).await;
    assert!(
        second.contains("0 accounts, 0 suppliers, 0 products and 0 orders added"),
        "{second}"
    );
    assert_eq!(count(&staff, "/api/products?active=all").await, products);
    assert_eq!(count(&staff, "/api/suppliers").await, suppliers);
    assert_eq!(count(&staff, "/api/orders").await, orders);
}

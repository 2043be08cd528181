//! A database made by the previous main (the `Any` store: text ids, text times) starts on the
//! new code with nothing lost: the old schema is built by a migrator holding only the old
//! migrations, filled as the old code wrote rows, migrated by the full migrator, and read back
//! through the new store. On SQLite always; on PostgreSQL when `STOCKROOM_TEST_DATABASE_URL`
//! is set (a fresh schema per test).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use contracts::{
    reservation::Settlement, Currency, Money, OrderId, OrderStatus, ProductId, Quantity,
};
use kernel::{
    db::{Db, Migrations},
    outbox::Actor,
    pagination::PageRequest,
};
use orders::{
    store::{self, Line, Order, OrderChange, OrderFilter, Placing, StatusStep, Written},
    AiSummary, HistoryEntry, ReturnStatus, Shipment, ShipmentLine, SummaryStatus, MIGRATIONS,
};
use sqlx::migrate::Migrator;
use uuid::Uuid;

fn usd() -> Currency {
    Currency::parse("USD").expect("a currency code")
}

/// The migrations the previous main shipped: `0001_init` only.
fn previous(full: &Migrator) -> &'static Migrator {
    Box::leak(Box::new(Migrator {
        migrations: Cow::Owned(
            full.migrations
                .iter()
                .filter(|m| m.version == 1)
                .cloned()
                .collect(),
        ),
        ignore_missing: full.ignore_missing,
        locking: full.locking,
        no_tx: full.no_tx,
    }))
}

const A: &str = "0192f6a0-0000-7000-8000-00000000000a";
const B: &str = "0192f6a0-0000-7000-8000-00000000000b";
const C: &str = "0192f6a0-0000-7000-8000-00000000000c";
const TEA: &str = "0192f6a0-0000-7000-8000-0000000000e1";
const MUG: &str = "0192f6a0-0000-7000-8000-0000000000e2";
const JOB: &str = "0192f6a0-0000-7000-8000-0000000000f1";
const CUSTOMER: &str = "0192f6a0-0000-7000-8000-0000000000c1";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a test time")
        .with_timezone(&Utc)
}

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("a test id")
}

/// Rows exactly as the old store wrote them (the same SQL text ran on both backends).
const OLD_ROWS: &[&str] = &[
    "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
         idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at)
     VALUES ('0192f6a0-0000-7000-8000-00000000000a', 1001, '0192f6a0-0000-7000-8000-0000000000c1', 'c@example.com',
         'confirmed', 2100, 'USD', 'gift wrap', 'key-1', 'hash-a', 201, '{\"kept\":true}', NULL,
         '2026-11-20T10:00:00.123456Z', '2026-11-20T10:00:01.000000Z')",
    "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
         idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at)
     VALUES ('0192f6a0-0000-7000-8000-00000000000b', 1002, '0192f6a0-0000-7000-8000-0000000000c1', 'c@example.com',
         'cancelled', 450, 'USD', NULL, NULL, 'hash-b', NULL, NULL, 'release',
         '2026-11-21T09:30:00.000000Z', '2026-11-21T09:31:00.000000Z')",
    "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
         idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at)
     VALUES ('0192f6a0-0000-7000-8000-00000000000c', 1003, '0192f6a0-0000-7000-8000-0000000000c1', 'c@example.com',
         'pending', 0, 'USD', NULL, NULL, 'hash-c', NULL, NULL, NULL,
         '2026-11-22T08:00:00.000000Z', '2026-11-22T08:00:00.000000Z')",
    "INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
     VALUES ('0192f6a0-0000-7000-8000-00000000000a', 0, '0192f6a0-0000-7000-8000-0000000000e2', 'MUG', 'Mug', 1, 1200, 1200),
            ('0192f6a0-0000-7000-8000-00000000000a', 1, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 2, 450, 900),
            ('0192f6a0-0000-7000-8000-00000000000b', 0, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 1, 450, 450),
            ('0192f6a0-0000-7000-8000-00000000000c', 0, '0192f6a0-0000-7000-8000-0000000000e1', '', '', 3, 0, 0)",
    "INSERT INTO order_history (id, order_id, status, at, by_user, reason)
     VALUES ('0192f6a0-0000-7000-8000-000000000101', '0192f6a0-0000-7000-8000-00000000000a', 'pending', '2026-11-20T10:00:00.123456Z', '0192f6a0-0000-7000-8000-0000000000c1', NULL),
            ('0192f6a0-0000-7000-8000-000000000102', '0192f6a0-0000-7000-8000-00000000000a', 'confirmed', '2026-11-20T10:00:01.000000Z', 'system', NULL),
            ('0192f6a0-0000-7000-8000-000000000103', '0192f6a0-0000-7000-8000-00000000000b', 'pending', '2026-11-21T09:30:00.000000Z', '0192f6a0-0000-7000-8000-0000000000c1', NULL),
            ('0192f6a0-0000-7000-8000-000000000104', '0192f6a0-0000-7000-8000-00000000000b', 'cancelled', '2026-11-21T09:31:00.000000Z', '0192f6a0-0000-7000-8000-0000000000c1', 'changed my mind')",
    "INSERT INTO ai_summaries (order_id, status, text, customer_message, model, generated_at)
     VALUES ('0192f6a0-0000-7000-8000-00000000000a', 'ready', 'Pick a mug and two teas.', 'Thanks!', 'fake/model-1', '2026-11-20T10:00:05.500000Z'),
            ('0192f6a0-0000-7000-8000-00000000000b', 'disabled', NULL, NULL, NULL, NULL)",
    "INSERT INTO ai_jobs (id, order_id, kind, status, attempts, run_after, lease_until, last_error, created_at, updated_at)
     VALUES ('0192f6a0-0000-7000-8000-0000000000f1', '0192f6a0-0000-7000-8000-00000000000a', 'order_summary', 'queued', 0,
             '2026-11-20T10:00:01.000000Z', NULL, NULL, '2026-11-20T10:00:01.000000Z', '2026-11-20T10:00:01.000000Z')",
];

async fn run_old(db: &Db, statements: &[&str]) {
    for sql in statements {
        let done = match db {
            Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Db::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        };
        done.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

#[tokio::test]
async fn orders_written_by_the_previous_version_read_back_unchanged_after_migrating() {
    let database = kernel::testing::fresh_database("orders");
    let old = Migrations {
        postgres: previous(MIGRATIONS.postgres),
        sqlite: previous(MIGRATIONS.sqlite),
    };
    let db = Db::connect(&database.url, &database.schema, 2, &old)
        .await
        .expect("the previous schema");
    run_old(&db, OLD_ROWS).await;
    if let Db::Postgres(_) = db {
        // The old code drew numbers from the sequence; it stood at the last one drawn.
        run_old(&db, &["SELECT setval('order_numbers', 1003)"]).await;
    }
    db.close().await;

    let db = Db::connect(&database.url, &database.schema, 2, &MIGRATIONS)
        .await
        .expect("the full migrator runs over the old data");
    let store = store::open(db.clone(), usd());

    let a = store
        .get_order(id(A).into())
        .await
        .expect("read")
        .expect("order A survived");
    assert_eq!(a.id, OrderId::from(id(A)));
    assert_eq!(a.number, "SR-001001");
    assert_eq!(a.customer_id, CUSTOMER);
    assert_eq!(a.customer_email, "c@example.com");
    assert_eq!(a.status, OrderStatus::Confirmed);
    assert_eq!(a.total, Money::new(2100, usd()));
    assert_eq!(a.note.as_deref(), Some("gift wrap"));
    assert_eq!(a.created_at, at("2026-11-20T10:00:00.123456Z"));
    assert_eq!(a.updated_at, at("2026-11-20T10:00:01Z"));
    let lines: Vec<(ProductId, &str, i64, i64, i64)> = a
        .lines
        .iter()
        .map(|l| {
            (
                l.product_id,
                l.sku.as_str(),
                l.quantity.get(),
                l.unit_price.cents,
                l.line_total.cents,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (id(MUG).into(), "MUG", 1, 1200, 1200),
            (id(TEA).into(), "TEA", 2, 450, 900)
        ],
        "lines in their positions"
    );
    let history: Vec<(OrderStatus, DateTime<Utc>, Option<&str>)> = a
        .history
        .iter()
        .map(|h| (h.status, h.at, h.by.as_deref()))
        .collect();
    assert_eq!(
        history,
        [
            (
                OrderStatus::Pending,
                at("2026-11-20T10:00:00.123456Z"),
                Some(CUSTOMER)
            ),
            (
                OrderStatus::Confirmed,
                at("2026-11-20T10:00:01Z"),
                Some("system")
            ),
        ]
    );
    assert_eq!(a.ai_summary.status, SummaryStatus::Ready);
    assert_eq!(
        a.ai_summary.text.as_deref(),
        Some("Pick a mug and two teas.")
    );
    assert_eq!(a.ai_summary.customer_message.as_deref(), Some("Thanks!"));
    assert_eq!(a.ai_summary.model.as_deref(), Some("fake/model-1"));
    assert_eq!(
        a.ai_summary.generated_at,
        Some(at("2026-11-20T10:00:05.5Z"))
    );

    // The idempotency key still replays its kept answer.
    let kept = store
        .existing(CUSTOMER, "key-1")
        .await
        .expect("read")
        .expect("the key survived");
    assert_eq!(kept.id, OrderId::from(id(A)));
    assert_eq!(kept.request_hash, "hash-a");
    assert_eq!(kept.response, Some((201, "{\"kept\":true}".to_string())));

    // Newest first, all three; filters and the keyset cursor work on the converted columns.
    let page = PageRequest::parse(Some(2), None).expect("a page");
    let first = store
        .list_orders(&OrderFilter::default(), &page)
        .await
        .expect("list");
    let ids: Vec<OrderId> = first.iter().map(|o| o.id).collect();
    assert_eq!(ids, [id(C).into(), id(B).into(), id(A).into()]);
    let after_b = PageRequest {
        limit: 2,
        after: Some(kernel::pagination::Cursor {
            created_at: first[1].created_at,
            id: first[1].id.as_uuid(),
        }),
    };
    let rest = store
        .list_orders(&OrderFilter::default(), &after_b)
        .await
        .expect("next page");
    assert_eq!(
        rest.iter().map(|o| o.id).collect::<Vec<_>>(),
        [OrderId::from(id(A))]
    );
    let cancelled = store
        .list_orders(
            &OrderFilter {
                status: Some(OrderStatus::Cancelled),
                customer_id: Some(CUSTOMER.into()),
            },
            &page,
        )
        .await
        .expect("filtered list");
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        cancelled[0].history[1].reason.as_deref(),
        Some("changed my mind")
    );
    assert_eq!(cancelled[0].ai_summary.status, SummaryStatus::Disabled);
    let c = &first[0];
    assert_eq!(
        c.ai_summary.status,
        SummaryStatus::Disabled,
        "no summary row"
    );

    // What inventory is owed, and the stuck order, are still found by the sweeper's queries.
    assert_eq!(
        store.owed_to_inventory().await.expect("owed"),
        [(OrderId::from(id(B)), Settlement::Release)]
    );
    let stuck = store
        .stuck_pending_orders(at("2026-11-23T00:00:00Z"))
        .await
        .expect("stuck");
    assert_eq!(
        stuck.iter().map(|o| o.id).collect::<Vec<_>>(),
        [OrderId::from(id(C))]
    );
    assert_eq!(stuck[0].lines[0].quantity.get(), 3);

    // Statistics and demand over the converted times.
    let stats = store.stats(100_000).await.expect("stats");
    assert_eq!(stats.by_status["confirmed"], 1);
    assert_eq!(stats.by_status["cancelled"], 1);
    assert_eq!(stats.by_status["pending"], 1);
    assert_eq!(stats.revenue_by_day.len(), 1);
    assert_eq!(stats.revenue_by_day[0].date, "2026-11-20");
    assert_eq!(stats.revenue_by_day[0].revenue_cents, 2100);
    assert_eq!(stats.top_products[0].product_id, ProductId::from(id(MUG)));
    let demand = store
        .demand(at("2026-01-01T00:00:00Z"))
        .await
        .expect("demand");
    assert_eq!(demand.get(&ProductId::from(id(TEA))), Some(&2));

    // The queued AI job is claimed, and its lease fences its completion.
    assert_eq!(store.job_counts().await.expect("counts").queued, 1);
    let now = store::now();
    let jobs = store
        .claim_jobs(now, now + chrono::Duration::seconds(60), 8)
        .await
        .expect("claim");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].id, id(JOB));
    assert_eq!(jobs[0].order_id, OrderId::from(id(A)));
    let written = store
        .finish_jobs(&[(jobs[0].clone(), store::JobResult::Failed("test".into()))])
        .await
        .expect("finish");
    assert_eq!(written, 1);

    // A new order continues the numbering where the old code stopped.
    let answer = |n: i64| -> kernel::Result<Option<(u16, String)>> {
        Ok(Some((201, format!("{{\"number\":{n}}}"))))
    };
    let at_now = store::now();
    let fresh = Order {
        id: OrderId::new_v7(),
        number: String::new(),
        customer_id: CUSTOMER.into(),
        customer_email: "c@example.com".into(),
        status: OrderStatus::Rejected,
        lines: vec![Line {
            product_id: id(TEA).into(),
            sku: String::new(),
            name: String::new(),
            quantity: Quantity::MIN,
            unit_price: Money::zero(usd()),
            line_total: Money::zero(usd()),
        }],
        total: Money::zero(usd()),
        note: None,
        shipping_address: None,
        placed_by: None,
        ai_summary: AiSummary::disabled(),
        history: vec![HistoryEntry {
            status: OrderStatus::Pending,
            at: at_now,
            by: Some(CUSTOMER.into()),
            reason: None,
        }],
        shipments: Vec::new(),
        returns: Vec::new(),
        created_at: at_now,
        updated_at: at_now,
    };
    let written = store
        .write_placed(Placing {
            order: &fresh,
            key: Some("key-2"),
            request_hash: "hash-new",
            answer: &answer,
            owed: None,
            deadline: store::now() + chrono::Duration::seconds(60),
            actor: &customer(),
        })
        .await
        .expect("write");
    assert!(matches!(written, Written::Number(1004)));
    let back = store
        .get_order(fresh.id)
        .await
        .expect("read")
        .expect("the new order");
    assert_eq!(back.number, "SR-001004");
    assert_eq!(back.created_at, at_now);
    let other = Order {
        id: OrderId::new_v7(),
        ..fresh
    };
    let written = store
        .write_placed(Placing {
            order: &other,
            key: Some("key-1"),
            request_hash: "hash-new",
            answer: &answer,
            owed: None,
            deadline: store::now() + chrono::Duration::seconds(60),
            actor: &customer(),
        })
        .await
        .expect("write");
    assert!(
        matches!(written, Written::KeyTaken),
        "the old key still belongs to order A"
    );
    // The new order's event was recorded with it; the write the key refused recorded none.
    let events = outbox(&db).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "order.rejected");
    assert_eq!(events[0]["entity"]["id"], fresh.id.to_string());
    assert_eq!(events[0]["data"]["number"], "SR-001004");
    assert_eq!(events[0]["data"]["customer_id"], CUSTOMER);
    assert_eq!(events[0]["actor"]["user_id"], CUSTOMER);
    db.close().await;
}

/// Someone acting through orders, as the events name them.
fn customer() -> Actor {
    Actor::user("orders", id(CUSTOMER), Some("c@example.com"))
}

/// The events in the outbox, oldest first.
async fn outbox(db: &Db) -> Vec<serde_json::Value> {
    let rows: Vec<String> = match db {
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT event FROM outbox ORDER BY seq")
                .fetch_all(pool)
                .await
        }
        Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT event FROM outbox ORDER BY seq")
                .fetch_all(pool)
                .await
        }
    }
    .expect("the outbox");
    rows.iter()
        .map(|text| serde_json::from_str(text).expect("an event as JSON"))
        .collect()
}

/// The migrations the main before fulfilment shipped: everything older than `version`.
fn before(full: &Migrator, version: i64) -> &'static Migrator {
    Box::leak(Box::new(Migrator {
        migrations: Cow::Owned(
            full.migrations
                .iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect(),
        ),
        ignore_missing: full.ignore_missing,
        locking: full.locking,
        no_tx: full.no_tx,
    }))
}

const SHIPPED: &str = "0192f6a0-0000-7000-8000-0000000000d1";
const OWED: &str = "0192f6a0-0000-7000-8000-0000000000d2";
const OPEN: &str = "0192f6a0-0000-7000-8000-0000000000d3";
const STAFF: &str = "0192f6a0-0000-7000-8000-0000000000s1";

/// Rows as the main before fulfilment wrote them: a fulfilled order, one fulfilled whose
/// commit inventory still owed, and a confirmed one (text literals: both backends cast them).
const BEFORE_FULFILMENT: &[&str] = &[
    "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
         idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at)
     VALUES ('0192f6a0-0000-7000-8000-0000000000d1', 2001, 'cust', 'c@example.com', 'fulfilled', 2100, 'USD', NULL,
             NULL, 'h1', 201, '{}', NULL, '2026-11-20T10:00:00.000000Z', '2026-11-20T12:00:00.000000Z'),
            ('0192f6a0-0000-7000-8000-0000000000d2', 2002, 'cust', 'c@example.com', 'fulfilled', 450, 'USD', NULL,
             NULL, 'h2', 201, '{}', 'commit', '2026-11-21T10:00:00.000000Z', '2026-11-21T11:00:00.000000Z'),
            ('0192f6a0-0000-7000-8000-0000000000d3', 2003, 'cust', 'c@example.com', 'confirmed', 900, 'USD', NULL,
             NULL, 'h3', 201, '{}', NULL, '2026-11-22T10:00:00.000000Z', '2026-11-22T10:00:00.000000Z')",
    "INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
     VALUES ('0192f6a0-0000-7000-8000-0000000000d1', 0, '0192f6a0-0000-7000-8000-0000000000e2', 'MUG', 'Mug', 1, 1200, 1200),
            ('0192f6a0-0000-7000-8000-0000000000d1', 1, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 2, 450, 900),
            ('0192f6a0-0000-7000-8000-0000000000d2', 0, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 1, 450, 450),
            ('0192f6a0-0000-7000-8000-0000000000d3', 0, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 2, 450, 900)",
    "INSERT INTO order_history (id, order_id, status, at, by_user, reason)
     VALUES ('0192f6a0-0000-7000-8000-000000000201', '0192f6a0-0000-7000-8000-0000000000d1', 'pending', '2026-11-20T10:00:00.000000Z', 'cust', NULL),
            ('0192f6a0-0000-7000-8000-000000000202', '0192f6a0-0000-7000-8000-0000000000d1', 'confirmed', '2026-11-20T10:00:00.000000Z', 'cust', NULL),
            ('0192f6a0-0000-7000-8000-000000000203', '0192f6a0-0000-7000-8000-0000000000d1', 'fulfilled', '2026-11-20T11:30:00.000000Z', '0192f6a0-0000-7000-8000-0000000000s1', NULL),
            ('0192f6a0-0000-7000-8000-000000000204', '0192f6a0-0000-7000-8000-0000000000d2', 'fulfilled', '2026-11-21T11:00:00.000000Z', 'staff', NULL)",
];

#[tokio::test]
async fn orders_fulfilled_before_shipments_existed_have_shipped_everything() {
    let database = kernel::testing::fresh_database("orders");
    let old = Migrations {
        postgres: before(MIGRATIONS.postgres, 3),
        sqlite: before(MIGRATIONS.sqlite, 2),
    };
    let db = Db::connect(&database.url, &database.schema, 2, &old)
        .await
        .expect("the schema before fulfilment");
    run_old(&db, BEFORE_FULFILMENT).await;
    db.close().await;

    let db = Db::connect(&database.url, &database.schema, 2, &MIGRATIONS)
        .await
        .expect("the full migrator runs over the old data");
    let store = store::open(db.clone(), usd());
    let shipped = store
        .get_order(id(SHIPPED).into())
        .await
        .expect("read")
        .expect("the fulfilled order survived");
    assert_eq!(shipped.status, OrderStatus::Fulfilled);
    assert_eq!(shipped.history.len(), 3, "history kept");
    assert_eq!(shipped.lines.len(), 2, "lines kept");
    assert_eq!(shipped.shipping_address, None, "no address: pickup");
    assert_eq!(shipped.placed_by, None);
    assert_eq!(shipped.shipments.len(), 1, "one implied shipment");
    let implied = &shipped.shipments[0];
    assert_eq!(implied.id, id(SHIPPED), "under the order's own id");
    let lines: Vec<(ProductId, i64)> = implied
        .lines
        .iter()
        .map(|l| (l.product_id, l.quantity))
        .collect();
    assert_eq!(
        lines,
        [(id(MUG).into(), 1), (id(TEA).into(), 2)],
        "everything, in line order"
    );
    assert_eq!(
        implied.shipped_at,
        at("2026-11-20T11:30:00Z"),
        "when it was fulfilled"
    );
    assert_eq!(implied.shipped_by.as_deref(), Some(STAFF));
    assert_eq!(implied.delivered_at, None);
    assert!(shipped.returns.is_empty());

    // Inventory is owed the whole-order commit as before, and no shipment commit besides.
    assert_eq!(
        store.owed_to_inventory().await.expect("owed"),
        [(OrderId::from(id(OWED)), Settlement::Commit)]
    );
    assert!(store.owed_shipments(None).await.expect("owed").is_empty());
    let owed = store
        .get_order(id(OWED).into())
        .await
        .expect("read")
        .expect("the owed order");
    assert_eq!(owed.shipments[0].shipped_at, at("2026-11-21T11:00:00Z"));

    // Nothing left to ship in a fulfilled order; the confirmed one ships as any new one.
    let open = store
        .get_order(id(OPEN).into())
        .await
        .expect("read")
        .expect("the confirmed order");
    assert!(open.shipments.is_empty());
    let stats = store.stats(100_000).await.expect("stats");
    assert_eq!(stats.by_status["fulfilled"], 2);
    assert_eq!(stats.by_status["confirmed"], 1);
    assert_eq!(stats.by_status["partially_fulfilled"], 0);
    assert_eq!(stats.refunds_cents, 0);
    let revenue: i64 = stats.revenue_by_day.iter().map(|d| d.revenue_cents).sum();
    assert_eq!(
        revenue,
        2100 + 450 + 900,
        "fulfilled orders still count as sold"
    );
    db.close().await;
}

const PART: &str = "0192f6a0-0000-7000-8000-0000000000a1";
const WHOLE: &str = "0192f6a0-0000-7000-8000-0000000000a2";
const FIRST_BOX: &str = "0192f6a0-0000-7000-8000-0000000000b1";
const ASKED_BACK: &str = "0192f6a0-0000-7000-8000-0000000000b2";

/// Rows as the main before the outbox wrote them: an order partly shipped with a return asked
/// for, and a confirmed one (text literals: both backends cast them).
const BEFORE_OUTBOX: &[&str] = &[
    "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
         idempotency_key, request_hash, response_status, response_body, inventory_action, created_at, updated_at,
         shipping_address, placed_by)
     VALUES ('0192f6a0-0000-7000-8000-0000000000a1', 3001, '0192f6a0-0000-7000-8000-0000000000c1', 'c@example.com',
             'partially_fulfilled', 1800, 'USD', NULL, NULL, 'h1', 201, '{}', NULL,
             '2026-12-01T10:00:00.000000Z', '2026-12-01T12:00:00.000000Z', NULL, '0192f6a0-0000-7000-8000-0000000000f9'),
            ('0192f6a0-0000-7000-8000-0000000000a2', 3002, '0192f6a0-0000-7000-8000-0000000000c1', 'c@example.com',
             'confirmed', 450, 'USD', NULL, NULL, 'h2', 201, '{}', NULL,
             '2026-12-02T10:00:00.000000Z', '2026-12-02T10:00:00.000000Z', NULL, NULL)",
    "INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
     VALUES ('0192f6a0-0000-7000-8000-0000000000a1', 0, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 4, 450, 1800),
            ('0192f6a0-0000-7000-8000-0000000000a2', 0, '0192f6a0-0000-7000-8000-0000000000e1', 'TEA', 'Tea', 1, 450, 450)",
    "INSERT INTO shipments (id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by)
     VALUES ('0192f6a0-0000-7000-8000-0000000000b1', '0192f6a0-0000-7000-8000-0000000000a1',
             '[{\"product_id\":\"0192f6a0-0000-7000-8000-0000000000e1\",\"quantity\":3}]', 'DHL', 'JD1',
             '2026-12-01T12:00:00.000000Z', 'staff')",
    "INSERT INTO returns (id, order_id, customer_id, status, lines, reason, refund_cents, currency, requested_by,
         created_at, updated_at)
     VALUES ('0192f6a0-0000-7000-8000-0000000000b2', '0192f6a0-0000-7000-8000-0000000000a1',
             '0192f6a0-0000-7000-8000-0000000000c1', 'requested',
             '[{\"product_id\":\"0192f6a0-0000-7000-8000-0000000000e1\",\"sku\":\"TEA\",\"name\":\"Tea\",\"quantity\":2,\"unit_price_cents\":450,\"restocked\":0,\"damaged\":0}]',
             'too strong', 900, 'USD', '0192f6a0-0000-7000-8000-0000000000c1',
             '2026-12-03T10:00:00.000000Z', '2026-12-03T10:00:00.000000Z')",
];

#[tokio::test]
async fn orders_from_before_the_outbox_record_their_next_changes_in_it() {
    let database = kernel::testing::fresh_database("orders");
    let old = Migrations {
        postgres: before(MIGRATIONS.postgres, 4),
        sqlite: before(MIGRATIONS.sqlite, 3),
    };
    let db = Db::connect(&database.url, &database.schema, 2, &old)
        .await
        .expect("the schema before the outbox");
    run_old(&db, BEFORE_OUTBOX).await;
    db.close().await;

    let db = Db::connect(&database.url, &database.schema, 2, &MIGRATIONS)
        .await
        .expect("the full migrator runs over the old data");
    let store = store::open(db.clone(), usd());
    assert!(outbox(&db).await.is_empty(), "old changes record nothing");
    let part = store
        .get_order(id(PART).into())
        .await
        .expect("read")
        .expect("the partly shipped order survived");
    assert_eq!(part.status, OrderStatus::PartiallyFulfilled);
    assert_eq!(part.shipments[0].id, id(FIRST_BOX));
    assert_eq!(part.returns[0].id, id(ASKED_BACK));

    // The rest ships: the shipment and the fulfilment are recorded with it.
    let staff = Actor::user("orders", id(STAFF_ID), Some("staff@example.com"));
    let at = store::now();
    let rest = Shipment {
        id: Uuid::now_v7(),
        lines: vec![ShipmentLine {
            product_id: id(TEA).into(),
            quantity: 1,
        }],
        carrier: Some("UPS".into()),
        tracking_number: Some("1Z9".into()),
        shipped_at: at,
        shipped_by: Some(STAFF_ID.into()),
        delivered_at: None,
        idempotency_key: Some("ship-rest".into()),
        request_hash: Some("h".into()),
    };
    let ship = |order: &Order| -> kernel::Result<OrderChange> {
        Ok(OrderChange::Ship {
            shipment: rest.clone(),
            status: Some(StatusStep::new(
                order.status,
                OrderStatus::Fulfilled,
                at,
                STAFF_ID,
                None,
            )),
        })
    };
    store
        .change_order(id(PART).into(), &staff, &ship)
        .await
        .expect("ship")
        .expect("the order");
    // The return comes back, one unit damaged; a replay records nothing.
    let mut received = part.returns[0].clone();
    received.status = ReturnStatus::Received;
    received.lines[0].restocked = 1;
    received.lines[0].damaged = 1;
    received.received_at = Some(at);
    received.updated_at = at;
    let receive = |_: &Order| Ok(OrderChange::UpdateReturn(received.clone()));
    store
        .change_order(id(PART).into(), &staff, &receive)
        .await
        .expect("receive");
    let replay = |_: &Order| Ok(OrderChange::Replayed(id(ASKED_BACK)));
    store
        .change_order(id(PART).into(), &staff, &replay)
        .await
        .expect("replay");
    // The other order is cancelled: the update that moves it says what the event tells.
    assert!(store
        .settle_open(
            id(WHOLE).into(),
            OrderStatus::Confirmed,
            OrderStatus::Cancelled,
            Settlement::Release,
            (CUSTOMER, &customer()),
            Some("changed my mind"),
        )
        .await
        .expect("cancel"));

    let events = outbox(&db).await;
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["entity"]["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("order.shipped", PART),
            ("order.fulfilled", PART),
            ("return.received", ASKED_BACK),
            ("order.cancelled", WHOLE),
        ]
    );
    for e in &events {
        assert_eq!(e["data"]["customer_id"], CUSTOMER, "{e}");
        assert_eq!(e["data"]["customer_email"], "c@example.com", "{e}");
    }
    let shipped = &events[0]["data"];
    assert_eq!(shipped["number"], "SR-003001");
    assert_eq!(shipped["status"], "fulfilled");
    assert_eq!(shipped["tracking_number"], "1Z9");
    assert_eq!(shipped["lines"][0]["name"], "Tea");
    assert_eq!(shipped["placed_by"], "0192f6a0-0000-7000-8000-0000000000f9");
    assert_eq!(events[0]["actor"]["email"], "staff@example.com");
    let returned = &events[2]["data"];
    assert_eq!(returned["order_number"], "SR-003001");
    assert_eq!(returned["refund_cents"], 900);
    let conditions: Vec<(&str, i64)> = returned["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["condition"].as_str().unwrap(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(conditions, [("restock", 1), ("damaged", 1)]);
    let cancelled = &events[3]["data"];
    assert_eq!(cancelled["number"], "SR-003002");
    assert_eq!(cancelled["total_cents"], 450);
    assert_eq!(cancelled["currency"], "USD");
    assert_eq!(cancelled["reason"], "changed my mind");
    assert!(cancelled.get("placed_by").is_none());
    db.close().await;
}

const STAFF_ID: &str = "0192f6a0-0000-7000-8000-0000000000f9";

//! A database made by the previous version (text ids and times, `active` 0/1, one migration
//! directory for both backends) starts on this one with nothing lost: the old schema is built
//! with only the old migrations, filled as the old code wrote rows, migrated with the full set
//! and read back through the new store. SQLite always; PostgreSQL when
//! `STOCKROOM_TEST_DATABASE_URL` names one (a fresh schema per run).

use std::{borrow::Cow, sync::Arc};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use contracts::{
    reservation::{ReservationStatus, ReserveLine, Settlement},
    OrderId, ProductId,
};
use kernel::{
    db::{Db, Migrations},
    idempotency::{IdempotencyKey, Keyed, Outcome},
    pagination::{Cursor, PageRequest},
    time::from_db,
};
use sqlx::migrate::Migrator;
use uuid::Uuid;

use super::{InventoryStore, Once, ProductFilter, ReserveOutcome, SupplierFields};
use crate::domain::Reason;

const SUPPLIER: &str = "0190a1b2-0000-7000-8000-00000000000a";
const SHELF: &str = "0190a1b2-0000-7000-8000-000000000001";
const ARCHIVED: &str = "0190a1b2-0000-7000-8000-000000000002";
const HELD: &str = "0190a1b2-0000-7000-8000-0000000000b1";
const TOMBSTONE: &str = "0190a1b2-0000-7000-8000-0000000000b2";
const STAFF: &str = "0190a1b2-0000-7000-8000-0000000000c1";
const T_SUPPLIER: &str = "2026-11-20T08:00:00.000000Z";
const T_SHELF: &str = "2026-11-20T09:00:00.000001Z";
const T_ARCHIVED: &str = "2026-11-20T10:30:00.250000Z";
const T_RESERVED: &str = "2026-11-21T12:00:00.000000Z";

/// The migrations the previous main ran (0001 and 0002), and nothing newer.
fn previous(full: &'static Migrator) -> &'static Migrator {
    let mut old = Migrator::DEFAULT;
    old.migrations = Cow::Owned(
        full.migrations
            .iter()
            .filter(|m| m.version <= 2)
            .cloned()
            .collect(),
    );
    old.locking = full.locking;
    Box::leak(Box::new(old))
}

/// Rows exactly as the `Any`-driver code wrote them: text everywhere, `$n` placeholders that
/// both backends accepted. The idempotency key's answer is recent, so it must still replay.
fn old_rows(recent: &str) -> Vec<String> {
    vec![
        format!("INSERT INTO suppliers (id, name, contact_email, phone, lead_time_days, created_at, updated_at)
                 VALUES ('{SUPPLIER}', 'Tea Co', 'tea@example.com', '+44 1', 12, '{T_SUPPLIER}', '{T_SUPPLIER}')"),
        format!("INSERT INTO products (id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                     reorder_point, reorder_quantity, active, version, created_at, updated_at)
                 VALUES ('{SHELF}', 'TEA-1', 'Green tea', 'loose leaf', 'tea', '{SUPPLIER}', 450, 10, 3, 2, 20, 1, 4,
                     '{T_SHELF}', '{T_RESERVED}')"),
        format!("INSERT INTO products (id, sku, name, description, category, supplier_id, price_cents, on_hand, reserved,
                     reorder_point, reorder_quantity, active, version, created_at, updated_at)
                 VALUES ('{ARCHIVED}', 'MUG-1', 'Mug', '', 'ware', NULL, 900, 0, 0, 0, 0, 0, 2,
                     '{T_ARCHIVED}', '{T_ARCHIVED}')"),
        format!("INSERT INTO movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after,
                     reserved_after, order_id, user_id, note, created_at)
                 VALUES ('0190a1b2-0000-7000-8000-0000000000d1', '{SHELF}', 'received', 10, 0, 10, 0, NULL, '{STAFF}',
                     'initial stock', '{T_SHELF}')"),
        format!("INSERT INTO movements (id, product_id, reason, on_hand_delta, reserved_delta, on_hand_after,
                     reserved_after, order_id, user_id, note, created_at)
                 VALUES ('0190a1b2-0000-7000-8000-0000000000d2', '{SHELF}', 'reserved', 0, 3, 10, 3, '{HELD}', NULL,
                     NULL, '{T_RESERVED}')"),
        format!("INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                 VALUES ('{HELD}', 'held', 1350, '{T_RESERVED}', '{T_RESERVED}')"),
        format!("INSERT INTO reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
                 VALUES ('{HELD}', '{SHELF}', 3, 450, 'TEA-1', 'Green tea')"),
        format!("INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                 VALUES ('{TOMBSTONE}', 'released', 0, '{T_RESERVED}', '{T_RESERVED}')"),
        format!("INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
                 VALUES ('{STAFF}', 'retry-1', 'abcd', 201, '{{\"kept\":true}}', '{recent}')"),
    ]
}

fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("a test constant is a UUID")
}

fn time(text: &str) -> chrono::DateTime<chrono::Utc> {
    from_db(text).expect("a test constant is a timestamp")
}

async fn old_database(url: &str, schema: &str) -> Db {
    let old = Migrations {
        postgres: previous(&crate::POSTGRES),
        sqlite: previous(&crate::SQLITE),
    };
    let db = Db::connect(url, schema, 2, &old)
        .await
        .expect("the old schema is built");
    let recent = kernel::time::now_db();
    for sql in old_rows(&recent) {
        let done = match &db {
            Db::Postgres(pool) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
            Db::Sqlite(pool) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
        };
        done.unwrap_or_else(|e| panic!("old row {sql}: {e}"));
    }
    db
}

async fn migrate_fully(db: &Db) {
    match db {
        Db::Postgres(pool) => crate::POSTGRES.run(pool).await,
        Db::Sqlite(pool) => crate::SQLITE.run(pool).await,
    }
    .expect("the full migration set runs over the old schema and its rows");
}

/// Everything the old rows said, read back through the new store.
async fn reads_back(store: Arc<dyn InventoryStore>) {
    let shelf = store
        .get_product(ProductId(uuid(SHELF)))
        .await
        .unwrap()
        .expect("the product survives");
    assert_eq!(shelf.sku, "TEA-1");
    assert_eq!(shelf.description, "loose leaf");
    assert_eq!(shelf.supplier_id, Some(uuid(SUPPLIER)));
    assert_eq!((shelf.on_hand, shelf.reserved, shelf.available), (10, 3, 7));
    assert_eq!((shelf.reorder_point, shelf.reorder_quantity), (2, 20));
    assert_eq!((shelf.price_cents, shelf.version), (450, 4));
    assert!(shelf.active);
    assert_eq!(shelf.created_at, time(T_SHELF));
    assert_eq!(shelf.updated_at, time(T_RESERVED));
    assert_eq!(shelf.currency, "EUR");
    // Purchasing (0005/0004): nothing is on order yet and no cost is known.
    assert_eq!((shelf.on_order, shelf.cost_cents), (0, None));

    let archived = store
        .get_product(ProductId(uuid(ARCHIVED)))
        .await
        .unwrap()
        .expect("the archived product survives");
    assert!(!archived.active, "0 is read as archived");
    assert_eq!(archived.supplier_id, None);
    assert_eq!(archived.created_at, time(T_ARCHIVED));

    // Newest first, one per page: the cursor works over migrated times and ids.
    let page = PageRequest::parse(Some(1), None).unwrap();
    let first = store
        .list_products(&ProductFilter::default(), &page)
        .await
        .unwrap();
    let first = page.page(first, |p| Cursor {
        created_at: p.created_at,
        id: p.id.as_uuid(),
    });
    assert_eq!(first.items.len(), 1);
    assert_eq!(first.items[0].id, ProductId(uuid(ARCHIVED)));
    let page = PageRequest::parse(Some(1), first.next_cursor.as_deref()).unwrap();
    let second = store
        .list_products(&ProductFilter::default(), &page)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, ProductId(uuid(SHELF)));
    let active_only = ProductFilter {
        active: Some(true),
        q: Some("green".into()),
        ..Default::default()
    };
    let found = store
        .list_products(&active_only, &PageRequest::parse(None, None).unwrap())
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "the search and the active flag still filter"
    );

    let supplier = store
        .get_supplier(uuid(SUPPLIER))
        .await
        .unwrap()
        .expect("the supplier survives");
    assert_eq!(supplier.name, "Tea Co");
    assert_eq!(supplier.contact_email.as_deref(), Some("tea@example.com"));
    assert_eq!(supplier.lead_time_days, 12);
    assert_eq!(supplier.created_at, time(T_SUPPLIER));

    let ledger = store
        .movements(
            Some(ProductId(uuid(SHELF))),
            &PageRequest::parse(None, None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(ledger.len(), 2);
    assert_eq!(ledger[0].reason, Reason::Reserved);
    assert_eq!(ledger[0].order_id, Some(OrderId(uuid(HELD))));
    assert_eq!(ledger[0].created_at, time(T_RESERVED));
    assert_eq!(ledger[1].reason, Reason::Received);
    assert_eq!(ledger[1].user_id.as_deref(), Some(STAFF));
    assert_eq!(ledger[1].note.as_deref(), Some("initial stock"));
    assert!(ledger.iter().all(|m| m.purchase_order_id.is_none()));

    let levels = store.stock_levels(&[ProductId(uuid(SHELF))]).await.unwrap();
    assert_eq!(levels.len(), 1);
    assert_eq!(levels[0].lead_time_days, Some(12));
    assert_eq!((levels[0].on_order, levels[0].expected_at), (0, None));
    // A product from before purchasing can be ordered from its supplier.
    let draft = store
        .create_purchase_order(
            Once {
                keyed: None,
                success: StatusCode::CREATED,
            },
            &super::NewPurchaseOrder {
                supplier_id: uuid(SUPPLIER),
                lines: vec![super::NewLine {
                    product_id: ProductId(uuid(SHELF)),
                    quantity: 5,
                    unit_cost_cents: None,
                }],
                expected_at: None,
                note: None,
                created_by: STAFF.into(),
            },
            &kernel::outbox::Actor::service(crate::SERVICE),
        )
        .await
        .unwrap();
    assert!(
        matches!(&draft, Outcome::Fresh(po) if po.number == "PO-000001" && po.lines[0].sku == "TEA-1")
    );
    let summary = store.summary().await.unwrap();
    assert_eq!(
        (
            summary.products,
            summary.active_products,
            summary.units_reserved
        ),
        (2, 1, 3)
    );

    // The tombstone still refuses a late reserve; the held reservation commits.
    let late = store
        .reserve(
            OrderId(uuid(TOMBSTONE)),
            &[ReserveLine {
                product_id: ProductId(uuid(SHELF)),
                quantity: contracts::Quantity::MIN,
            }],
        )
        .await
        .unwrap();
    assert!(
        matches!(&late, ReserveOutcome::Reserved(r) if r.status == ReservationStatus::Released && r.lines.is_empty())
    );
    let committed = store
        .settle(OrderId(uuid(HELD)), Settlement::Commit)
        .await
        .unwrap()
        .expect("the held reservation survives");
    assert_eq!(committed.status, ReservationStatus::Committed);
    assert_eq!(committed.total_cents, 1350);
    assert_eq!(committed.lines.len(), 1);
    assert_eq!(committed.lines[0].product_id, ProductId(uuid(SHELF)));
    let shelf = store
        .get_product(ProductId(uuid(SHELF)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((shelf.on_hand, shelf.reserved), (7, 0));

    // A key answered before the upgrade replays its answer after it.
    let mut headers = HeaderMap::new();
    headers.insert("idempotency-key", HeaderValue::from_static("retry-1"));
    let key = IdempotencyKey::from_headers(&headers).unwrap().unwrap();
    let keyed = Keyed::new(STAFF, &key, &[0xab, 0xcd]);
    let once = Once {
        keyed: Some(&keyed),
        success: StatusCode::CREATED,
    };
    let replay = store
        .create_supplier(
            once,
            SupplierFields {
                name: Some("Other".into()),
                ..Default::default()
            },
            &kernel::outbox::Actor::service(crate::SERVICE),
        )
        .await
        .unwrap();
    assert!(
        matches!(replay, Outcome::Replayed(s) if s.status == StatusCode::CREATED && s.body == r#"{"kept":true}"#)
    );
}

#[tokio::test]
async fn an_sqlite_database_from_the_previous_version_reads_back_after_migrating() {
    let dir = std::env::temp_dir()
        .join("stockroom-tests")
        .join(Uuid::new_v4().simple().to_string());
    let url = format!("sqlite://{}/inventory.db", dir.display());
    let db = old_database(&url, "inventory").await;
    migrate_fully(&db).await;
    reads_back(super::open(db.clone(), super::eur(), 0)).await;
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_postgres_database_from_the_previous_version_reads_back_after_migrating() {
    let Ok(url) = std::env::var("STOCKROOM_TEST_DATABASE_URL") else {
        return;
    };
    if !url.starts_with("postgres") {
        return;
    }
    let schema = format!(
        "t_inventory_mig_{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    let db = old_database(&url, &schema).await;
    migrate_fully(&db).await;
    reads_back(super::open(db.clone(), super::eur(), 0)).await;
    db.close().await;
}

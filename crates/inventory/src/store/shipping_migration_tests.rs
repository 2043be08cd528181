//! Reservations made before partial commits keep their meaning: a committed one has nothing
//! left held (its units left with it), a held one holds all its units and can now ship part
//! of them, once per shipment, and release the rest. SQLite always; PostgreSQL when
//! `STOCKROOM_TEST_DATABASE_URL` names one (a fresh schema per run).

use std::borrow::Cow;

use contracts::{
    reservation::{ReservationStatus, ReserveLine, Settlement},
    OrderId, ProductId, Quantity,
};
use kernel::db::{Db, Migrations};
use sqlx::migrate::Migrator;
use uuid::Uuid;

const TEA: &str = "0190a1b2-0000-7000-8000-0000000000f1";
const SHIPPED: &str = "0190a1b2-0000-7000-8000-0000000000f2";
const HELD: &str = "0190a1b2-0000-7000-8000-0000000000f3";
const AT: &str = "2026-11-21T12:00:00.000000Z";

/// The migrations before shipments: everything older than `version`.
fn before(full: &'static Migrator, version: i64) -> &'static Migrator {
    let mut old = Migrator::DEFAULT;
    old.migrations = Cow::Owned(
        full.migrations
            .iter()
            .filter(|m| m.version < version)
            .cloned()
            .collect(),
    );
    old.locking = full.locking;
    Box::leak(Box::new(old))
}

/// Ten teas, two committed by one order, three held by another (text literals: both
/// backends cast them).
fn rows() -> Vec<String> {
    vec![
        format!("INSERT INTO products (id, sku, name, description, category, price_cents, on_hand, reserved,
                     reorder_point, reorder_quantity, version, created_at, updated_at)
                 VALUES ('{TEA}', 'TEA', 'Tea', '', '', 450, 10, 3, 0, 0, 1, '{AT}', '{AT}')"),
        format!("INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                 VALUES ('{SHIPPED}', 'committed', 900, '{AT}', '{AT}'), ('{HELD}', 'held', 1350, '{AT}', '{AT}')"),
        format!("INSERT INTO reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
                 VALUES ('{SHIPPED}', '{TEA}', 2, 450, 'TEA', 'Tea'), ('{HELD}', '{TEA}', 3, 450, 'TEA', 'Tea')"),
    ]
}

async fn levels(store: &dyn super::InventoryStore, product: ProductId) -> (i64, i64) {
    let p = store
        .get_product(product)
        .await
        .expect("read")
        .expect("the product");
    (p.on_hand, p.reserved)
}

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("a test constant is a UUID")
}

async fn carried_forward(url: &str, schema: &str) {
    let old = Migrations {
        postgres: before(&crate::POSTGRES, 6),
        sqlite: before(&crate::SQLITE, 5),
    };
    let db = Db::connect(url, schema, 2, &old)
        .await
        .expect("the schema before shipments");
    for sql in rows() {
        let done = match &db {
            Db::Postgres(pool) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
            Db::Sqlite(pool) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
        };
        done.unwrap_or_else(|e| panic!("old row {sql}: {e}"));
    }
    match &db {
        Db::Postgres(pool) => crate::POSTGRES.run(pool).await,
        Db::Sqlite(pool) => crate::SQLITE.run(pool).await,
    }
    .expect("the full migration set runs over the old rows");
    let store = super::open(db.clone(), super::eur(), 0);
    let tea = ProductId(id(TEA));
    let product = || levels(store.as_ref(), tea);

    // The committed reservation left whole: releasing it gives nothing back.
    assert!(store
        .settle(OrderId(id(SHIPPED)), Settlement::Release)
        .await
        .is_err());
    let again = store
        .settle(OrderId(id(SHIPPED)), Settlement::Commit)
        .await
        .expect("a repeated commit")
        .expect("known");
    assert_eq!(again.status, ReservationStatus::Committed);
    assert_eq!(product().await, (10, 3), "nothing moved");

    // The held one ships one unit, once however often asked, and releases the other two.
    let line = [ReserveLine {
        product_id: tea,
        quantity: Quantity::new(1).expect("a quantity"),
    }];
    let shipment = Uuid::now_v7();
    for _ in 0..2 {
        let held = store
            .commit_part(OrderId(id(HELD)), shipment, &line)
            .await
            .expect("a partial commit")
            .expect("known");
        assert_eq!(held.status, ReservationStatus::Held);
    }
    assert_eq!(product().await, (9, 2));
    store
        .settle(OrderId(id(HELD)), Settlement::Release)
        .await
        .expect("a release");
    assert_eq!(
        product().await,
        (9, 0),
        "only the unshipped units are released"
    );
    db.close().await;
}

#[tokio::test]
async fn sqlite_reservations_from_before_shipments_keep_their_meaning() {
    let dir = std::env::temp_dir()
        .join("stockroom-tests")
        .join(Uuid::new_v4().simple().to_string());
    let url = format!("sqlite://{}/inventory.db", dir.display());
    carried_forward(&url, "inventory").await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn postgres_reservations_from_before_shipments_keep_their_meaning() {
    let Ok(url) = std::env::var("STOCKROOM_TEST_DATABASE_URL") else {
        return;
    };
    if !url.starts_with("postgres") {
        return;
    }
    let schema = format!("t_inv_ship_{}", &Uuid::new_v4().simple().to_string()[..12]);
    carried_forward(&url, &schema).await;
}

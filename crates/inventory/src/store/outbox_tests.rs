//! The outbox migration (PostgreSQL 0007, SQLite 0006) over a database made by the previous
//! migrations: the stock it held moves on, and each change from then on records its events
//! in the same transaction: those that commit are in the outbox, in order, those refused are
//! not. SQLite always; PostgreSQL when `STOCKROOM_TEST_DATABASE_URL` names one.

use std::borrow::Cow;

use axum::http::StatusCode;
use contracts::{reservation::ReserveLine, OrderId, ProductId, Quantity};
use kernel::{
    db::{Db, Migrations},
    outbox::Actor,
};
use serde_json::{json, Value};
use sqlx::migrate::Migrator;
use uuid::Uuid;

use super::{InventoryStore, NewAdjustment, Once, ProductPatch, ReserveOutcome};
use crate::domain::Reason;

const TEA: &str = "0190a1b2-0000-7000-8000-0000000000e1";
const STAFF: &str = "0190a1b2-0000-7000-8000-0000000000e2";
const AT: &str = "2026-11-22T12:00:00.000000Z";

/// The events waiting in `db`'s outbox, oldest first.
pub async fn recorded(db: &Db) -> Vec<Value> {
    let sql = "SELECT event FROM outbox ORDER BY seq";
    let rows: Vec<String> = match db {
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await,
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await,
    }
    .expect("the outbox reads");
    rows.iter()
        .map(|text| serde_json::from_str(text).expect("an event as JSON"))
        .collect()
}

/// The migrations before the outbox: everything older than `version`.
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

fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("a test constant is a UUID")
}

fn once() -> Once<'static> {
    Once {
        keyed: None,
        success: StatusCode::CREATED,
    }
}

async fn reserve(store: &dyn InventoryStore, quantity: i64) -> (OrderId, ReserveOutcome) {
    let order = OrderId(Uuid::now_v7());
    let line = ReserveLine {
        product_id: ProductId(id(TEA)),
        quantity: Quantity::new(quantity).expect("a quantity"),
    };
    let outcome = store.reserve(order, &[line]).await.expect("a reservation");
    (order, outcome)
}

async fn carried_forward(url: &str, schema: &str) {
    let old = Migrations {
        postgres: before(&crate::POSTGRES, 7),
        sqlite: before(&crate::SQLITE, 6),
    };
    let db = Db::connect(url, schema, 2, &old)
        .await
        .expect("the schema before the outbox");
    // Twelve teas, low at 10 (its own point), as the previous code left them.
    let row = format!(
        "INSERT INTO products (id, sku, name, description, category, price_cents, on_hand, reserved,
             reorder_point, reorder_quantity, version, created_at, updated_at)
         VALUES ('{TEA}', 'TEA', 'Tea', '', '', 450, 12, 0, 10, 0, 1, '{AT}', '{AT}')"
    );
    match &db {
        Db::Postgres(pool) => sqlx::query(&row).execute(pool).await.map(|_| ()),
        Db::Sqlite(pool) => sqlx::query(&row).execute(pool).await.map(|_| ()),
    }
    .expect("an old row");
    match &db {
        Db::Postgres(pool) => crate::POSTGRES.run(pool).await,
        Db::Sqlite(pool) => crate::SQLITE.run(pool).await,
    }
    .expect("the full migration set runs over the old rows");
    assert!(recorded(&db).await.is_empty(), "the outbox starts empty");

    let store = super::open(db.clone(), super::eur(), 0);
    let staff = Actor::user(crate::SERVICE, id(STAFF), Some("staff@example.com"));
    let tea = ProductId(id(TEA));
    let adjustment = |delta: i64| NewAdjustment {
        product_id: tea,
        delta,
        reason: Reason::Damaged,
        note: Some("dropped"),
        user_id: STAFF,
    };
    store
        .adjust(once(), &adjustment(-1), &staff)
        .await
        .expect("12 → 11");
    assert!(
        store
            .adjust(once(), &adjustment(-20), &staff)
            .await
            .is_err(),
        "refused: more than is on hand"
    );
    let (low, _) = reserve(store.as_ref(), 1).await;
    let (out, _) = reserve(store.as_ref(), 10).await;
    let (_, short) = reserve(store.as_ref(), 1).await;
    assert!(matches!(short, ReserveOutcome::Short(_)), "nothing is left");
    let patch = ProductPatch {
        price_cents: Some(500),
        name: Some("Tea".into()),
        ..Default::default()
    };
    store
        .update_product(tea, patch, None, &staff)
        .await
        .expect("a price change");

    let events = recorded(&db).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "stock.adjusted",
            "stock.low",
            "stock.out",
            "product.updated"
        ],
        "committed changes only, in order"
    );
    assert!(events
        .iter()
        .all(|e| e["entity"] == json!({"kind": "product", "id": TEA})));
    let adjusted = &events[0];
    assert_eq!(adjusted["actor"]["user_id"], STAFF);
    assert_eq!(
        adjusted["data"],
        json!({"sku": "TEA", "name": "Tea", "delta": -1, "kind": "damaged", "note": "dropped",
               "on_hand": 11, "available": 11})
    );
    assert_eq!(
        events[1]["data"],
        json!({"sku": "TEA", "name": "Tea", "available": 10, "reorder_point": 10,
               "kind": "reserved", "order_id": low})
    );
    assert_eq!(events[1]["actor"], json!({"service": "inventory"}));
    assert_eq!(events[2]["data"]["available"], 0);
    assert_eq!(events[2]["data"]["order_id"], json!(out));
    assert_eq!(
        events[3]["data"],
        json!({"sku": "TEA", "changes": {"price_cents": {"before": 450, "after": 500}}}),
        "only what changed"
    );
    db.close().await;
}

#[tokio::test]
async fn sqlite_moves_on_to_the_outbox_and_records_what_commits() {
    let dir = std::env::temp_dir()
        .join("stockroom-tests")
        .join(Uuid::new_v4().simple().to_string());
    let url = format!("sqlite://{}/inventory.db", dir.display());
    carried_forward(&url, "inventory").await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn postgres_moves_on_to_the_outbox_and_records_what_commits() {
    let Ok(url) = std::env::var("STOCKROOM_TEST_DATABASE_URL") else {
        return;
    };
    if !url.starts_with("postgres") {
        return;
    }
    let schema = format!(
        "t_inv_outbox_{}",
        &Uuid::new_v4().simple().to_string()[..12]
    );
    carried_forward(&url, &schema).await;
}

//! A release arriving while the reservation it releases is still being made (orders gave up on
//! a slow reserve) must still give the stock back. On PostgreSQL the in-flight reservation is
//! invisible to the release until it commits; SQLite's one connection makes them serial.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use contracts::{reservation::ReservationStatus, reservation::Settlement, OrderId};
use kernel::{db::Db, idempotency::Outcome, time::now};
use sqlx::PgPool;
use uuid::Uuid;

use super::{NewProduct, Once};
use crate::domain::Sku;

async fn postgres() -> Option<PgPool> {
    let url = std::env::var("STOCKROOM_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))?;
    let id = Uuid::new_v4().simple().to_string();
    let schema = format!("t_inventory_race_{}", &id[..12]);
    match Db::connect(&url, &schema, 4, &crate::MIGRATIONS)
        .await
        .expect("a fresh schema migrates")
    {
        Db::Postgres(pool) => Some(pool),
        Db::Sqlite(_) => None,
    }
}

/// Waits until some session of this database waits on a lock: the release is parked behind
/// the reservation's transaction.
async fn until_a_session_waits_on_a_lock(pool: &PgPool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .expect("pg_stat_activity is readable");
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the release never waited on the reservation"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_release_racing_its_reservation_gives_the_stock_back() {
    let Some(pool) = postgres().await else { return };
    let store = super::open(Db::Postgres(pool.clone()), super::eur(), 0);
    let product = NewProduct {
        sku: Sku::parse("RACE-1").expect("a valid SKU"),
        name: "race".into(),
        description: String::new(),
        category: String::new(),
        supplier_id: None,
        price_cents: 100,
        reorder_point: 0,
        reorder_quantity: 0,
        initial_stock: 5,
        cost_cents: None,
        active: true,
    };
    let Outcome::Fresh(product) = store
        .create_product(
            Once {
                keyed: None,
                success: StatusCode::CREATED,
            },
            &product,
            "tester",
            &kernel::outbox::Actor::service(crate::SERVICE),
        )
        .await
        .expect("the product is created")
    else {
        panic!("an unkeyed create is fresh")
    };
    let order = OrderId(Uuid::now_v7());

    // The reservation, as the store makes it, left uncommitted.
    let mut reserving = pool.begin().await.expect("a transaction");
    let at = now();
    sqlx::query(
        "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
         VALUES ($1, 'held', 100, $2, $2)",
    )
    .bind(order.as_uuid())
    .bind(at)
    .execute(&mut *reserving)
    .await
    .expect("the reservation is claimed");
    sqlx::query("UPDATE products SET reserved = reserved + 1 WHERE id = $1")
        .bind(product.id.as_uuid())
        .execute(&mut *reserving)
        .await
        .expect("a unit is reserved");
    sqlx::query(
        "INSERT INTO reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
         VALUES ($1, $2, 1, 100, 'RACE-1', 'race')",
    )
    .bind(order.as_uuid())
    .bind(product.id.as_uuid())
    .execute(&mut *reserving)
    .await
    .expect("its line is written");

    let releasing = {
        let store = store.clone();
        tokio::spawn(async move { store.settle(order, Settlement::Release).await })
    };
    until_a_session_waits_on_a_lock(&pool).await;
    reserving.commit().await.expect("the reservation commits");

    let released = releasing
        .await
        .expect("the release task ends")
        .expect("the release succeeds")
        .expect("the release found the reservation once it was committed");
    assert_eq!(released.status, ReservationStatus::Released);
    let reserved: i64 = sqlx::query_scalar("SELECT reserved FROM products WHERE id = $1")
        .bind(product.id.as_uuid())
        .fetch_one(&pool)
        .await
        .expect("the product is readable");
    assert_eq!(reserved, 0, "the unit went back on the shelf");
}

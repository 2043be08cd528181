//! A batch of reservations on SQLite: the same steps as PostgreSQL's, a statement per row
//! (an in-process database has no round trips to save). SQLite has one writer at a time, so
//! the rows need no locks of their own.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::{
    reservation::{Hold, Reservation},
    OrderId, ProductId,
};
use kernel::{context, outbox::record_sqlite, time::to_db, AppError, Result};
use sqlx::{Sqlite, SqlitePool, Transaction};
use uuid::{fmt::Hyphenated, Uuid};

use super::{load_reservation, write_movement};
use crate::{
    domain::Reason,
    store::{
        reserve::{ReserveTx, Shelf, Writes},
        LedgerEntry,
    },
};

pub struct SqliteReserveTx {
    tx: Transaction<'static, Sqlite>,
    currency: String,
}

impl SqliteReserveTx {
    pub async fn begin(pool: &SqlitePool, currency: &str) -> Result<Self> {
        Ok(Self {
            tx: pool.begin().await?,
            currency: currency.to_string(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ShelfRow {
    id: Hyphenated,
    on_hand: i64,
    reserved: i64,
    active: bool,
    price_cents: i64,
    sku: String,
    name: String,
    reorder_point: i64,
}

#[derive(sqlx::FromRow)]
struct HoldRow {
    id: Hyphenated,
    created_at: DateTime<Utc>,
}

#[async_trait]
impl ReserveTx for SqliteReserveTx {
    async fn claim(&mut self, ids: &[OrderId], at: DateTime<Utc>) -> Result<HashSet<OrderId>> {
        let at = to_db(at);
        let mut claimed = HashSet::new();
        for &id in ids {
            let fresh = sqlx::query(
                "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                 VALUES (?1, 'held', 0, ?2, ?2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id.as_uuid().hyphenated())
            .bind(&at)
            .execute(&mut *self.tx)
            .await?
            .rows_affected()
                == 1;
            if fresh {
                claimed.insert(id);
            }
        }
        Ok(claimed)
    }

    async fn existing(&mut self, id: OrderId) -> Result<Option<Reservation>> {
        load_reservation(&mut self.tx, id, &self.currency).await
    }

    async fn lock_shelves(&mut self, ids: &[ProductId]) -> Result<HashMap<ProductId, Shelf>> {
        let ids: Vec<Hyphenated> = ids.iter().map(|id| id.as_uuid().hyphenated()).collect();
        let ids = serde_json::to_string(&ids).map_err(AppError::internal)?;
        let rows = sqlx::query_as::<_, ShelfRow>(
            "SELECT id, on_hand, reserved, active, price_cents, sku, name, reorder_point FROM products
             WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    ProductId(Uuid::from(r.id)),
                    Shelf {
                        on_hand: r.on_hand,
                        reserved: r.reserved,
                        active: r.active,
                        price_cents: r.price_cents,
                        sku: r.sku,
                        name: r.name,
                        reorder_point: r.reorder_point,
                    },
                )
            })
            .collect())
    }

    async fn write(&mut self, w: &Writes, at: DateTime<Utc>) -> Result<()> {
        let stamp = to_db(at);
        for (id, reserved) in &w.products {
            sqlx::query("UPDATE products SET reserved = ?2, updated_at = ?3 WHERE id = ?1")
                .bind(id.as_uuid().hyphenated())
                .bind(reserved)
                .bind(&stamp)
                .execute(&mut *self.tx)
                .await?;
        }
        for take in &w.takes {
            let entry = LedgerEntry {
                product_id: take.product_id,
                reason: Reason::Reserved,
                on_hand_delta: 0,
                reserved_delta: take.quantity,
                on_hand_after: take.on_hand_after,
                reserved_after: take.reserved_after,
                order_id: Some(take.order_id),
                user_id: None,
                note: None,
            };
            write_movement(&mut self.tx, &entry, &stamp).await?;
        }
        for (id, line) in &w.lines {
            sqlx::query(
                "INSERT INTO reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(id.as_uuid().hyphenated())
            .bind(line.product_id.as_uuid().hyphenated())
            .bind(line.quantity)
            .bind(line.unit_price_cents)
            .bind(&line.sku)
            .bind(&line.name)
            .execute(&mut *self.tx)
            .await?;
        }
        for (id, total) in &w.totals {
            sqlx::query("UPDATE reservations SET total_cents = ?2 WHERE id = ?1")
                .bind(id.as_uuid().hyphenated())
                .bind(total)
                .execute(&mut *self.tx)
                .await?;
        }
        for id in &w.unclaim {
            sqlx::query("DELETE FROM reservations WHERE id = ?1")
                .bind(id.as_uuid().hyphenated())
                .execute(&mut *self.tx)
                .await?;
        }
        // Each under the request that caused it, which the outbox keeps with it.
        for r in &w.events {
            let recorded = record_sqlite(&mut self.tx, &r.event);
            match r.context.clone() {
                Some(ctx) => context::scope(ctx, recorded).await?,
                None => recorded.await?,
            }
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

pub async fn holds(
    pool: &SqlitePool,
    before: DateTime<Utc>,
    after: Option<OrderId>,
    limit: i64,
) -> Result<Vec<Hold>> {
    let rows = sqlx::query_as::<_, HoldRow>(
        "SELECT id, created_at FROM reservations
         WHERE status = 'held' AND created_at < ?1 AND (?2 IS NULL OR id > ?2)
         ORDER BY id LIMIT ?3",
    )
    .bind(to_db(before))
    .bind(after.map(|id| id.as_uuid().hyphenated()))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Hold {
            reservation_id: OrderId(Uuid::from(r.id)),
            created_at: r.created_at,
        })
        .collect())
}

//! A batch of reservations on PostgreSQL: five round trips whatever the batch's size (claim,
//! lock, one statement for every write, commit), arrays bound with `UNNEST`. The events a
//! batch records go into the outbox in that same statement.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::{
    reservation::{Hold, Reservation},
    OrderId, ProductId,
};
use kernel::{AppError, Result};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::load_reservation;
use crate::{
    domain::Reason,
    store::reserve::{Recorded, ReserveTx, Shelf, Writes},
};

pub struct PgReserveTx {
    tx: Transaction<'static, Postgres>,
    currency: String,
}

impl PgReserveTx {
    pub async fn begin(pool: &PgPool, currency: &str) -> Result<Self> {
        Ok(Self {
            tx: pool.begin().await?,
            currency: currency.to_string(),
        })
    }
}

fn uuids<T>(items: &[T], id: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    items.iter().map(id).collect()
}

#[async_trait]
impl ReserveTx for PgReserveTx {
    async fn claim(&mut self, ids: &[OrderId], at: DateTime<Utc>) -> Result<HashSet<OrderId>> {
        // Sorted ids: two batches claiming the same ids wait on each other in one order.
        let claimed = sqlx::query_scalar!(
            "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
             SELECT id, 'held', 0, $2, $2 FROM UNNEST($1::uuid[]) AS t(id) ORDER BY id
             ON CONFLICT (id) DO NOTHING
             RETURNING id",
            &uuids(ids, |id| id.as_uuid()),
            at,
        )
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(claimed.into_iter().map(OrderId).collect())
    }

    async fn existing(&mut self, id: OrderId) -> Result<Option<Reservation>> {
        load_reservation(&mut self.tx, id, &self.currency).await
    }

    async fn lock_shelves(&mut self, ids: &[ProductId]) -> Result<HashMap<ProductId, Shelf>> {
        let rows = sqlx::query!(
            "SELECT id, on_hand, reserved, active, price_cents, sku, name, reorder_point FROM products
             WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
            &uuids(ids, |id| id.as_uuid()),
        )
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    ProductId(r.id),
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
        let (product_ids, reserved): (Vec<Uuid>, Vec<i64>) =
            w.products.iter().map(|(id, r)| (id.as_uuid(), *r)).unzip();
        let movement_ids: Vec<Uuid> = w.takes.iter().map(|_| Uuid::now_v7()).collect();
        let take_products = uuids(&w.takes, |t| t.product_id.as_uuid());
        let take_quantities: Vec<i64> = w.takes.iter().map(|t| t.quantity).collect();
        let on_hand_after: Vec<i64> = w.takes.iter().map(|t| t.on_hand_after).collect();
        let reserved_after: Vec<i64> = w.takes.iter().map(|t| t.reserved_after).collect();
        let take_orders = uuids(&w.takes, |t| t.order_id.as_uuid());
        let line_orders = uuids(&w.lines, |(id, _)| id.as_uuid());
        let line_products: Vec<Uuid> = w
            .lines
            .iter()
            .map(|(_, l)| l.product_id.as_uuid())
            .collect();
        let line_quantities: Vec<i64> = w.lines.iter().map(|(_, l)| l.quantity).collect();
        let line_prices: Vec<i64> = w.lines.iter().map(|(_, l)| l.unit_price_cents).collect();
        let line_skus: Vec<String> = w.lines.iter().map(|(_, l)| l.sku.clone()).collect();
        let line_names: Vec<String> = w.lines.iter().map(|(_, l)| l.name.clone()).collect();
        let (total_ids, totals): (Vec<Uuid>, Vec<i64>) =
            w.totals.iter().map(|(id, t)| (id.as_uuid(), *t)).unzip();
        let outbox = OutboxRows::of(&w.events)?;
        // Every write of the batch in one statement: the parts touch different rows, so they
        // need not see each other.
        sqlx::query!(
            "WITH shelf AS (
                 UPDATE products SET reserved = t.reserved, updated_at = $3
                 FROM UNNEST($1::uuid[], $2::bigint[]) AS t(id, reserved) WHERE products.id = t.id
             ), ledger AS (
                 INSERT INTO movements (id, product_id, reason, on_hand_delta, reserved_delta,
                     on_hand_after, reserved_after, order_id, created_at)
                 SELECT id, product_id, $4, 0, quantity, on_hand_after, reserved_after, order_id, $3
                 FROM UNNEST($5::uuid[], $6::uuid[], $7::bigint[], $8::bigint[], $9::bigint[], $10::uuid[])
                     AS t(id, product_id, quantity, on_hand_after, reserved_after, order_id)
             ), held AS (
                 INSERT INTO reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name)
                 SELECT * FROM UNNEST($11::uuid[], $12::uuid[], $13::bigint[], $14::bigint[], $15::text[], $16::text[])
             ), total AS (
                 UPDATE reservations SET total_cents = t.total
                 FROM UNNEST($17::uuid[], $18::bigint[]) AS t(id, total) WHERE reservations.id = t.id
             ), outbox AS (
                 INSERT INTO outbox (id, event, request_id, traceparent, recorded_at)
                 SELECT id, event, request_id, traceparent, $3
                 FROM UNNEST($20::uuid[], $21::text[], $22::text[], $23::text[])
                     AS t(id, event, request_id, traceparent)
             )
             DELETE FROM reservations WHERE id = ANY($19::uuid[])",
            &product_ids,
            &reserved,
            at,
            Reason::Reserved.as_str(),
            &movement_ids,
            &take_products,
            &take_quantities,
            &on_hand_after,
            &reserved_after,
            &take_orders,
            &line_orders,
            &line_products,
            &line_quantities,
            &line_prices,
            &line_skus,
            &line_names,
            &total_ids,
            &totals,
            &uuids(&w.unclaim, |id| id.as_uuid()),
            &outbox.ids,
            &outbox.events,
            &outbox.request_ids as &[Option<String>],
            &outbox.traceparents as &[Option<String>],
        )
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A batch's events as the outbox stores them (the rows `kernel::outbox::record_postgres`
/// writes), in columns for `UNNEST`: they ride the batch's one statement.
struct OutboxRows {
    ids: Vec<Uuid>,
    events: Vec<String>,
    request_ids: Vec<Option<String>>,
    traceparents: Vec<Option<String>>,
}

impl OutboxRows {
    fn of(recorded: &[Recorded]) -> Result<Self> {
        let mut rows = Self {
            ids: Vec::with_capacity(recorded.len()),
            events: Vec::with_capacity(recorded.len()),
            request_ids: Vec::with_capacity(recorded.len()),
            traceparents: Vec::with_capacity(recorded.len()),
        };
        for r in recorded {
            rows.ids.push(r.event.id);
            rows.events
                .push(serde_json::to_string(&r.event).map_err(AppError::internal)?);
            rows.request_ids
                .push(r.context.as_ref().map(|c| c.request_id.clone()));
            rows.traceparents
                .push(r.context.as_ref().and_then(|c| c.traceparent.clone()));
        }
        Ok(rows)
    }
}

pub async fn holds(
    pool: &PgPool,
    before: DateTime<Utc>,
    after: Option<OrderId>,
    limit: i64,
) -> Result<Vec<Hold>> {
    let rows = sqlx::query!(
        "SELECT id, created_at FROM reservations
         WHERE status = 'held' AND created_at < $1 AND ($2::uuid IS NULL OR id > $2)
         ORDER BY id LIMIT $3",
        before,
        after.map(OrderId::as_uuid),
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Hold {
            reservation_id: OrderId(r.id),
            created_at: r.created_at,
        })
        .collect())
}

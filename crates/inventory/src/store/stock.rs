//! Stock changes: manual adjustments and the reservations behind orders.
//!
//! A reservation takes every line or none, in one transaction. Each line is a conditional
//! `UPDATE … WHERE on_hand - reserved >= quantity`, so stock can never go below zero however
//! many reservations race; lines are taken in product-id order so concurrent multi-line
//! reservations lock rows in the same order and cannot deadlock on PostgreSQL. SQLite runs one
//! transaction at a time.

use kernel::{
    legacy::db::Args,
    time::now_db,
    AppError, Result,
    {legacy::pagination::PageQuery, pagination::PageRequest},
};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::{movement, LedgerEntry, Store, MOVEMENT_COLUMNS, PRODUCT_COLUMNS};
use crate::{
    domain::Reason,
    model::{AdjustmentResult, Movement, Reservation, ReserveLine, ReservedLine, ShortLine},
};

pub enum ReserveOutcome {
    Reserved(Reservation),
    /// Nothing was reserved; these lines could not be.
    Short(Vec<ShortLine>),
}

impl Store {
    /// Changes `on_hand` by `delta`, inside the caller's transaction (see [`Store::once`]);
    /// never below `reserved`, never below zero.
    pub async fn adjust(
        &self,
        conn: &mut AnyConnection,
        product_id: Uuid,
        delta: i64,
        reason: Reason,
        note: Option<&str>,
        user_id: &str,
    ) -> Result<AdjustmentResult> {
        let id = product_id.to_string();
        let now = now_db();
        let updated = sqlx::query(&format!(
            "UPDATE products SET on_hand = on_hand + $2, updated_at = $3
             WHERE id = $1 AND on_hand + $2 >= reserved AND on_hand + $2 >= 0 RETURNING {PRODUCT_COLUMNS}"
        ))
        .bind(&id)
        .bind(delta)
        .bind(&now)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = updated else {
            let current = sqlx::query("SELECT on_hand, reserved FROM products WHERE id = $1")
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| AppError::NotFound("no product with this id".into()))?;
            let (on_hand, reserved): (i64, i64) =
                (current.try_get("on_hand")?, current.try_get("reserved")?);
            return Err(AppError::conflict(
                "insufficient-stock",
                "Insufficient stock",
                format!(
                    "on hand would be {} but {reserved} units are reserved (on hand now {on_hand})",
                    on_hand + delta
                ),
            ));
        };
        let product = self.product(&row)?;
        let entry = LedgerEntry {
            product_id: &id,
            reason,
            on_hand_delta: delta,
            reserved_delta: 0,
            on_hand_after: product.on_hand,
            reserved_after: product.reserved,
            order_id: None,
            user_id: Some(user_id),
            note,
        }
        .write(conn, &now)
        .await?;
        Ok(AdjustmentResult {
            movement: movement(&entry)?,
            product,
        })
    }

    /// Reserves every line or none. Repeating a reservation id returns the first result.
    pub async fn reserve(
        &self,
        reservation_id: Uuid,
        lines: &[ReserveLine],
    ) -> Result<ReserveOutcome> {
        let rid = reservation_id.to_string();
        let now = now_db();
        let mut tx = self.db.pool.begin().await?;
        // Claiming the id first serialises repeats: a concurrent twin waits here, then sees it.
        let claimed = sqlx::query(
            "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
             VALUES ($1, 'held', 0, $2, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&rid)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            let existing = self.load_reservation(&mut tx, &rid).await?;
            tx.commit().await?;
            return existing
                .map(ReserveOutcome::Reserved)
                .ok_or_else(|| AppError::internal("reservation vanished while being read"));
        }

        let mut sorted = lines.to_vec();
        sorted.sort_by_key(|l| l.product_id);
        let mut reserved = Vec::with_capacity(sorted.len());
        let mut short = Vec::new();
        for line in &sorted {
            let pid = line.product_id.to_string();
            let row = sqlx::query(
                "UPDATE products SET reserved = reserved + $2, updated_at = $3
                 WHERE id = $1 AND active = 1 AND on_hand - reserved >= $2
                 RETURNING on_hand, reserved, price_cents, sku, name",
            )
            .bind(&pid)
            .bind(line.quantity)
            .bind(&now)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                Some(row) if short.is_empty() => {
                    let (on_hand, now_reserved): (i64, i64) =
                        (row.try_get("on_hand")?, row.try_get("reserved")?);
                    LedgerEntry {
                        product_id: &pid,
                        reason: Reason::Reserved,
                        on_hand_delta: 0,
                        reserved_delta: line.quantity,
                        on_hand_after: on_hand,
                        reserved_after: now_reserved,
                        order_id: Some(&rid),
                        user_id: None,
                        note: None,
                    }
                    .write(&mut tx, &now)
                    .await?;
                    reserved.push(ReservedLine {
                        product_id: line.product_id,
                        quantity: line.quantity,
                        unit_price_cents: row.try_get("price_cents")?,
                        sku: row.try_get("sku")?,
                        name: row.try_get("name")?,
                    });
                }
                // Already failing: the rest only needs checking, everything is rolled back.
                Some(_) => {}
                None => short.push(short_line(&mut tx, line).await?),
            }
        }
        if !short.is_empty() {
            tx.rollback().await?;
            return Ok(ReserveOutcome::Short(short));
        }

        let total_cents = reserved
            .iter()
            .map(|l| l.unit_price_cents * l.quantity)
            .sum();
        sqlx::query("UPDATE reservations SET total_cents = $2 WHERE id = $1")
            .bind(&rid)
            .bind(total_cents)
            .execute(&mut *tx)
            .await?;
        insert_lines(&mut tx, &rid, &reserved).await?;
        tx.commit().await?;
        Ok(ReserveOutcome::Reserved(Reservation {
            reservation_id,
            status: "held".into(),
            lines: reserved,
            total_cents,
            currency: self.currency.clone(),
        }))
    }

    /// Gives the reserved stock back. Idempotent: a released or unknown id is a no-op.
    pub async fn release(&self, reservation_id: Uuid) -> Result<()> {
        self.settle(reservation_id, Reason::Released)
            .await
            .map(|_| ())
    }

    /// Stock leaves: `on_hand` and `reserved` both drop. Idempotent.
    pub async fn commit(&self, reservation_id: Uuid) -> Result<Option<Reservation>> {
        self.settle(reservation_id, Reason::Committed).await
    }

    async fn settle(&self, reservation_id: Uuid, how: Reason) -> Result<Option<Reservation>> {
        let rid = reservation_id.to_string();
        let now = now_db();
        let status = if how == Reason::Committed {
            "committed"
        } else {
            "released"
        };
        let mut tx = self.db.pool.begin().await?;
        let moved = sqlx::query("UPDATE reservations SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'held'")
            .bind(&rid)
            .bind(status)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        let reservation = self.load_reservation(&mut tx, &rid).await?;
        match (&reservation, moved) {
            (Some(r), false) if r.status != status => {
                return Err(AppError::conflict(
                    "reservation-settled",
                    "Reservation already settled",
                    format!("the reservation is already {}", r.status),
                ))
            }
            (Some(r), true) => {
                let on_hand_factor = if how == Reason::Committed { -1 } else { 0 };
                for line in &r.lines {
                    let pid = line.product_id.to_string();
                    let row = sqlx::query(
                        "UPDATE products SET on_hand = on_hand + $2, reserved = reserved - $3, updated_at = $4
                         WHERE id = $1 RETURNING on_hand, reserved",
                    )
                    .bind(&pid)
                    .bind(on_hand_factor * line.quantity)
                    .bind(line.quantity)
                    .bind(&now)
                    .fetch_one(&mut *tx)
                    .await?;
                    LedgerEntry {
                        product_id: &pid,
                        reason: how,
                        on_hand_delta: on_hand_factor * line.quantity,
                        reserved_delta: -line.quantity,
                        on_hand_after: row.try_get("on_hand")?,
                        reserved_after: row.try_get("reserved")?,
                        order_id: Some(&rid),
                        user_id: None,
                        note: None,
                    }
                    .write(&mut tx, &now)
                    .await?;
                }
            }
            // Releasing an id never reserved leaves a tombstone: a reserve that was still in
            // flight when its order gave up then finds the id taken and reserves nothing.
            (None, _) if how == Reason::Released => {
                sqlx::query(
                    "INSERT INTO reservations (id, status, total_cents, created_at, updated_at)
                     VALUES ($1, 'released', 0, $2, $2) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&rid)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
            _ => {}
        }
        tx.commit().await?;
        Ok(reservation)
    }

    async fn load_reservation(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        rid: &str,
    ) -> Result<Option<Reservation>> {
        let Some(head) = sqlx::query("SELECT status, total_cents FROM reservations WHERE id = $1")
            .bind(rid)
            .fetch_optional(&mut **tx)
            .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT product_id, quantity, unit_price_cents, sku, name FROM reservation_lines
             WHERE reservation_id = $1 ORDER BY product_id",
        )
        .bind(rid)
        .fetch_all(&mut **tx)
        .await?;
        let lines = rows
            .iter()
            .map(|r| {
                Ok(ReservedLine {
                    product_id: super::uuid(r, "product_id")?,
                    quantity: r.try_get("quantity")?,
                    unit_price_cents: r.try_get("unit_price_cents")?,
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Reservation {
            reservation_id: Uuid::parse_str(rid).map_err(AppError::internal)?,
            status: head.try_get("status")?,
            lines,
            total_cents: head.try_get("total_cents")?,
            currency: self.currency.clone(),
        }))
    }

    /// The ledger, newest first, optionally for one product.
    pub async fn movements(
        &self,
        product_id: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Vec<Movement>> {
        let mut query = PageQuery::default();
        if let Some(pid) = product_id {
            let pid = query.args.text(pid.to_string());
            query.filter(format!("product_id = {pid}"));
        }
        let (sql, args) = query.finish(
            &format!("SELECT {MOVEMENT_COLUMNS} FROM movements"),
            "",
            page,
        );
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        rows.iter().map(movement).collect()
    }
}

async fn short_line(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    line: &ReserveLine,
) -> Result<ShortLine> {
    let row =
        sqlx::query("SELECT on_hand - reserved AS available, active FROM products WHERE id = $1")
            .bind(line.product_id.to_string())
            .fetch_optional(&mut **tx)
            .await?;
    let (available, reason) = match row {
        None => (0, "unknown"),
        Some(r) if r.try_get::<i64, _>("active")? == 0 => (0, "inactive"),
        Some(r) => (r.try_get("available")?, "insufficient"),
    };
    Ok(ShortLine {
        product_id: line.product_id,
        requested: line.quantity,
        available,
        reason,
    })
}

async fn insert_lines(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rid: &str,
    lines: &[ReservedLine],
) -> Result<()> {
    let mut args = Args::default();
    let rid_param = args.text(rid);
    let values: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "({rid_param}, {}, {}, {}, {}, {})",
                args.text(l.product_id.to_string()),
                args.int(l.quantity),
                args.int(l.unit_price_cents),
                args.text(l.sku.clone()),
                args.text(l.name.clone())
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO reservation_lines (reservation_id, product_id, quantity, unit_price_cents, sku, name) VALUES {}",
        values.join(", ")
    );
    args.bind(&sql).execute(&mut **tx).await?;
    Ok(())
}

//! Partial commits (a shipment's units leave) and restocked returns on PostgreSQL, each
//! applied once by its id. A partial commit locks its reservation's row first, then the
//! products in id order, as a release does: the two never deadlock.

use contracts::{
    reservation::{Reservation, ReserveLine, RestockRequest},
    OrderId, ProductId,
};
use kernel::{outbox::Actor, time::now, Result};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{load_reservation, record, write_movement};
use crate::{
    domain::Reason,
    events::{self, Level},
    store::{already_settled, over_commit, product_not_found, LedgerEntry},
};

/// Units of each line still held (reserved and not committed).
pub async fn held_left(conn: &mut PgConnection, id: OrderId) -> Result<Vec<(ProductId, i64)>> {
    Ok(sqlx::query!(
        r#"SELECT product_id, quantity - committed AS "left!" FROM reservation_lines
           WHERE reservation_id = $1 ORDER BY product_id"#,
        id.as_uuid()
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (ProductId(r.product_id), r.left))
    .collect())
}

/// Moves `quantity` of `product` out of the warehouse (or back on hand, with `on_hand_sign`
/// 0 for a release) and writes its ledger row.
pub async fn settle_units(
    conn: &mut PgConnection,
    id: OrderId,
    product: ProductId,
    quantity: i64,
    reason: Reason,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let on_hand_delta = if reason == Reason::Committed {
        -quantity
    } else {
        0
    };
    let row = sqlx::query!(
        "UPDATE products SET on_hand = on_hand + $2, reserved = reserved - $3, updated_at = $4
         WHERE id = $1 RETURNING on_hand, reserved",
        product.as_uuid(),
        on_hand_delta,
        quantity,
        at,
    )
    .fetch_one(&mut *conn)
    .await?;
    let entry = LedgerEntry {
        product_id: product,
        reason,
        on_hand_delta,
        reserved_delta: -quantity,
        on_hand_after: row.on_hand,
        reserved_after: row.reserved,
        order_id: Some(id),
        user_id: None,
        note: None,
    };
    write_movement(conn, &entry, at).await?;
    Ok(())
}

pub async fn commit_part(
    pool: &PgPool,
    currency: &str,
    id: OrderId,
    commit_id: Uuid,
    lines: &[ReserveLine],
) -> Result<Option<Reservation>> {
    let at = now();
    let mut tx = pool.begin().await?;
    let Some(status) = sqlx::query_scalar!(
        "SELECT status FROM reservations WHERE id = $1 FOR UPDATE",
        id.as_uuid()
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let fresh = sqlx::query!(
        "INSERT INTO reservation_commits (id, reservation_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
        commit_id,
        id.as_uuid(),
        at,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        // Applied before: answered as the reservation now stands, nothing committed again.
        let done = load_reservation(&mut tx, id, currency).await?;
        tx.commit().await?;
        return Ok(done);
    }
    let status = super::stored_status(&status)?;
    if status != contracts::reservation::ReservationStatus::Held {
        return Err(already_settled(status));
    }
    let mut sorted = lines.to_vec();
    sorted.sort_by_key(|l| l.product_id);
    for line in &sorted {
        let quantity = line.quantity.get();
        let taken = sqlx::query!(
            "UPDATE reservation_lines SET committed = committed + $3
             WHERE reservation_id = $1 AND product_id = $2 AND committed + $3 <= quantity",
            id.as_uuid(),
            line.product_id.as_uuid(),
            quantity,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !taken {
            return Err(over_commit(line.product_id));
        }
        settle_units(
            &mut tx,
            id,
            line.product_id,
            quantity,
            Reason::Committed,
            at,
        )
        .await?;
    }
    sqlx::query!(
        "UPDATE reservations SET status = 'committed', updated_at = $2
         WHERE id = $1 AND NOT EXISTS
             (SELECT 1 FROM reservation_lines WHERE reservation_id = $1 AND committed < quantity)",
        id.as_uuid(),
        at,
    )
    .execute(&mut *tx)
    .await?;
    let reservation = load_reservation(&mut tx, id, currency).await?;
    tx.commit().await?;
    Ok(reservation)
}

pub async fn restock(pool: &PgPool, req: &RestockRequest) -> Result<bool> {
    let at = now();
    let mut tx = pool.begin().await?;
    let fresh = sqlx::query!(
        "INSERT INTO stock_returns (id, order_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING",
        req.return_id,
        req.order_id.as_uuid(),
        at,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        return Ok(false);
    }
    let mut sorted = req.lines.clone();
    sorted.sort_by_key(|l| l.product_id);
    let note = format!("return {}", req.return_id);
    for line in &sorted {
        let quantity = line.quantity.get();
        let Some(row) = sqlx::query!(
            "UPDATE products SET on_hand = on_hand + $2, updated_at = $3
             WHERE id = $1 RETURNING on_hand, reserved, sku, name",
            line.product_id.as_uuid(),
            quantity,
            at,
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(product_not_found());
        };
        let entry = LedgerEntry {
            product_id: line.product_id,
            reason: Reason::Returned,
            on_hand_delta: quantity,
            reserved_delta: 0,
            on_hand_after: row.on_hand,
            reserved_after: row.reserved,
            order_id: Some(req.order_id),
            user_id: None,
            note: Some(&note),
        };
        write_movement(&mut tx, &entry, at).await?;
        let level = Level {
            product_id: line.product_id.as_uuid(),
            sku: &row.sku,
            name: &row.name,
            on_hand: row.on_hand,
            reserved: row.reserved,
        };
        let context = json!({"order_id": req.order_id, "return_id": req.return_id});
        let by = Actor::service(crate::SERVICE);
        let event = events::stock_adjusted(&level, quantity, Reason::Returned, None, context, &by);
        record(&mut tx, [event]).await?;
    }
    tx.commit().await?;
    Ok(true)
}

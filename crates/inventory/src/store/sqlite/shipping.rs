//! Partial commits (a shipment's units leave) and restocked returns on SQLite, each applied
//! once by its id. One writer: the transaction sees nothing change under it.

use contracts::{
    reservation::{Reservation, ReservationStatus, ReserveLine, RestockRequest},
    OrderId, ProductId,
};
use kernel::{
    outbox::Actor,
    time::{now, to_db},
    Result,
};
use serde_json::json;
use sqlx::{SqliteConnection, SqlitePool};
use uuid::{fmt::Hyphenated, Uuid};

use super::{load_reservation, record, write_movement, Levels};
use crate::{
    domain::Reason,
    events::{self, Level},
    store::{already_settled, over_commit, product_not_found, stored_status, LedgerEntry},
};

#[derive(sqlx::FromRow)]
struct Restocked {
    on_hand: i64,
    reserved: i64,
    sku: String,
    name: String,
}

#[derive(sqlx::FromRow)]
struct LeftRow {
    product_id: Hyphenated,
    left: i64,
}

/// Units of each line still held (reserved and not committed).
pub async fn held_left(conn: &mut SqliteConnection, id: OrderId) -> Result<Vec<(ProductId, i64)>> {
    Ok(sqlx::query_as::<_, LeftRow>(
        "SELECT product_id, quantity - committed AS left FROM reservation_lines
         WHERE reservation_id = ?1 ORDER BY product_id",
    )
    .bind(id.as_uuid().hyphenated())
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (ProductId(r.product_id.into_uuid()), r.left))
    .collect())
}

/// Takes `quantity` of `product` out of `reserved` (and out of `on_hand` when committed) and
/// writes its ledger row.
pub async fn settle_units(
    conn: &mut SqliteConnection,
    id: OrderId,
    product: ProductId,
    quantity: i64,
    reason: Reason,
    at: &str,
) -> Result<()> {
    let on_hand_delta = if reason == Reason::Committed {
        -quantity
    } else {
        0
    };
    let row = sqlx::query_as::<_, Levels>(
        "UPDATE products SET on_hand = on_hand + ?2, reserved = reserved - ?3, updated_at = ?4
         WHERE id = ?1 RETURNING on_hand, reserved",
    )
    .bind(product.as_uuid().hyphenated())
    .bind(on_hand_delta)
    .bind(quantity)
    .bind(at)
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
    pool: &SqlitePool,
    currency: &str,
    id: OrderId,
    commit_id: Uuid,
    lines: &[ReserveLine],
) -> Result<Option<Reservation>> {
    let at = to_db(now());
    let rid = id.as_uuid().hyphenated();
    let mut tx = pool.begin().await?;
    let Some(status) =
        sqlx::query_scalar::<_, String>("SELECT status FROM reservations WHERE id = ?1")
            .bind(rid)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(None);
    };
    let fresh = sqlx::query(
        "INSERT INTO reservation_commits (id, reservation_id, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(commit_id.hyphenated())
    .bind(rid)
    .bind(&at)
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
    let status = stored_status(&status)?;
    if status != ReservationStatus::Held {
        return Err(already_settled(status));
    }
    let mut sorted = lines.to_vec();
    sorted.sort_by_key(|l| l.product_id);
    for line in &sorted {
        let quantity = line.quantity.get();
        let taken = sqlx::query(
            "UPDATE reservation_lines SET committed = committed + ?3
             WHERE reservation_id = ?1 AND product_id = ?2 AND committed + ?3 <= quantity",
        )
        .bind(rid)
        .bind(line.product_id.as_uuid().hyphenated())
        .bind(quantity)
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
            &at,
        )
        .await?;
    }
    sqlx::query(
        "UPDATE reservations SET status = 'committed', updated_at = ?2
         WHERE id = ?1 AND NOT EXISTS
             (SELECT 1 FROM reservation_lines WHERE reservation_id = ?1 AND committed < quantity)",
    )
    .bind(rid)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    let reservation = load_reservation(&mut tx, id, currency).await?;
    tx.commit().await?;
    Ok(reservation)
}

pub async fn restock(pool: &SqlitePool, req: &RestockRequest) -> Result<bool> {
    let at = to_db(now());
    let mut tx = pool.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO stock_returns (id, order_id, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(req.return_id.hyphenated())
    .bind(req.order_id.as_uuid().hyphenated())
    .bind(&at)
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
        let Some(row) = sqlx::query_as::<_, Restocked>(
            "UPDATE products SET on_hand = on_hand + ?2, updated_at = ?3
             WHERE id = ?1 RETURNING on_hand, reserved, sku, name",
        )
        .bind(line.product_id.as_uuid().hyphenated())
        .bind(quantity)
        .bind(&at)
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
        write_movement(&mut tx, &entry, &at).await?;
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

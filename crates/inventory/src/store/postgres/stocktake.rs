//! A stocktake on PostgreSQL: the counted rows are locked in id order, checked, and every
//! difference written as a `correction` with its ledger row, in one transaction.

use std::collections::HashMap;

use kernel::{idempotency::Outcome, outbox::Actor, time::now, Result};
use sqlx::PgConnection;

use super::{record, write_movement, PgStore};
use crate::{
    domain::Reason,
    model::effective_reorder_point,
    stocktake::{differences, lock_order, Books, Counted, CountedLine, StocktakeResult},
    store::{LedgerEntry, Once},
};

impl PgStore {
    pub(super) async fn count_stock(
        &self,
        once: Once<'_>,
        counted: &Counted<'_>,
        actor: &Actor,
    ) -> Result<Outcome<StocktakeResult>> {
        self.once(once, async |conn: &mut PgConnection| {
            let ids = lock_order(counted);
            let mut books: HashMap<_, _> = sqlx::query!(
                "SELECT id, sku, name, on_hand, reserved, active, reorder_point FROM products
                 WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                &ids,
            )
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| {
                let books = Books {
                    sku: r.sku,
                    name: r.name,
                    on_hand: r.on_hand,
                    reserved: r.reserved,
                    active: r.active,
                    reorder_point: effective_reorder_point(
                        r.reorder_point,
                        self.default_reorder_point,
                    ),
                };
                (r.id, books)
            })
            .collect();
            let lines = differences(counted, |id| books.remove(&id.as_uuid()))?;
            let at = now();
            let mut result = StocktakeResult {
                lines: Vec::with_capacity(lines.len()),
                corrected: 0,
            };
            for (id, count, b) in lines {
                let difference = count - b.on_hand;
                let movement = if difference == 0 {
                    None
                } else {
                    sqlx::query!(
                        "UPDATE products SET on_hand = $2, updated_at = $3 WHERE id = $1",
                        id.as_uuid(),
                        count,
                        at,
                    )
                    .execute(&mut *conn)
                    .await?;
                    let entry = LedgerEntry {
                        product_id: id,
                        reason: Reason::Correction,
                        on_hand_delta: difference,
                        reserved_delta: 0,
                        on_hand_after: count,
                        reserved_after: b.reserved,
                        order_id: None,
                        user_id: Some(counted.user_id),
                        note: counted.note,
                    };
                    result.corrected += 1;
                    let movement = write_movement(conn, &entry, at).await?;
                    record(conn, b.corrected(id, count, counted.note, actor)).await?;
                    Some(movement)
                };
                result.lines.push(CountedLine {
                    product_id: id,
                    sku: b.sku,
                    name: b.name,
                    previous_on_hand: b.on_hand,
                    counted: count,
                    difference,
                    reserved: b.reserved,
                    movement,
                });
            }
            Ok(result)
        })
        .await
    }
}

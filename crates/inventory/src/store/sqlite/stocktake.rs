//! A stocktake on SQLite: one writer makes the transaction serial, so the books read at its
//! start are the books every correction is written against.

use kernel::{idempotency::Outcome, outbox::Actor, time::now, time::to_db, Result};
use sqlx::SqliteConnection;

use super::{product_row, record, write_movement, SqliteStore};
use crate::{
    domain::Reason,
    model::effective_reorder_point,
    stocktake::{differences, Books, Counted, CountedLine, StocktakeResult},
    store::{LedgerEntry, Once},
};

impl SqliteStore {
    pub(super) async fn count_stock(
        &self,
        once: Once<'_>,
        counted: &Counted<'_>,
        actor: &Actor,
    ) -> Result<Outcome<StocktakeResult>> {
        self.once(once, async |conn: &mut SqliteConnection| {
            let mut books = std::collections::HashMap::new();
            for &(id, _) in &counted.counts {
                if let Some(row) = product_row(conn, id).await? {
                    let b = Books {
                        sku: row.sku,
                        name: row.name,
                        on_hand: row.on_hand,
                        reserved: row.reserved,
                        active: row.active,
                        reorder_point: effective_reorder_point(
                            row.reorder_point,
                            self.default_reorder_point,
                        ),
                    };
                    books.insert(id, b);
                }
            }
            let lines = differences(counted, |id| books.remove(&id))?;
            let at = to_db(now());
            let mut result = StocktakeResult {
                lines: Vec::with_capacity(lines.len()),
                corrected: 0,
            };
            for (id, count, b) in lines {
                let difference = count - b.on_hand;
                let movement = if difference == 0 {
                    None
                } else {
                    sqlx::query("UPDATE products SET on_hand = ?2, updated_at = ?3 WHERE id = ?1")
                        .bind(id.as_uuid().hyphenated())
                        .bind(count)
                        .bind(&at)
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
                    let movement = write_movement(conn, &entry, &at).await?;
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

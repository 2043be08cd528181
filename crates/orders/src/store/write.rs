//! The saga's writes. Each step is one transaction and moves the order only from the state
//! it expects, so a step repeated (a retry, the sweeper) changes nothing.

use kernel::{
    error::is_unique_violation,
    legacy::db::Args,
    time::{now, now_db, to_db},
    AppError, Result,
};
use sqlx::Row;
use uuid::Uuid;

use super::Store;
use crate::{
    domain::{order_number, OrderRequest, OrderStatus},
    model::{AiSummary, HistoryEntry, Order, OrderLine},
};

/// A new pending order, as stored.
pub struct Inserted {
    pub order: Order,
}

/// The order an idempotency key already belongs to.
pub struct Existing {
    pub id: Uuid,
    pub request_hash: String,
    pub response: Option<(u16, String)>,
}

/// A line as inventory priced it.
pub struct PricedLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub unit_price_cents: i64,
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// What a status change writes besides the status.
struct Change<'a> {
    /// The answer to keep for idempotent replays.
    response: Option<(u16, &'a str)>,
    /// What inventory is owed (`release` or `commit`).
    owed: Option<&'a str>,
    /// Free the idempotency key, so a retry is a new attempt.
    free_key: bool,
}

async fn history(
    tx: &mut Tx<'_>,
    order_id: &str,
    status: OrderStatus,
    at: &str,
    by: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query("INSERT INTO order_history (id, order_id, status, at, by_user, reason) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(Uuid::now_v7().to_string())
        .bind(order_id)
        .bind(status.as_str())
        .bind(at)
        .bind(by)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_lines(tx: &mut Tx<'_>, order_id: &str, lines: &[OrderLine]) -> Result<()> {
    let mut args = Args::default();
    let oid = args.text(order_id);
    let values: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "({oid}, {}, {}, {}, {}, {}, {}, {})",
                args.int(i as i64),
                args.text(l.product_id.to_string()),
                args.text(l.sku.clone()),
                args.text(l.name.clone()),
                args.int(l.quantity),
                args.int(l.unit_price_cents),
                args.int(l.line_total_cents)
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
         VALUES {}",
        values.join(", ")
    );
    args.bind(&sql).execute(&mut **tx).await?;
    Ok(())
}

impl Store {
    /// Stores a new pending order, or returns the order this idempotency key already has.
    pub async fn insert_pending(
        &self,
        request: &OrderRequest,
        customer_id: &str,
        customer_email: &str,
        key: Option<&str>,
        request_hash: &str,
    ) -> Result<std::result::Result<Inserted, Existing>> {
        let id = Uuid::now_v7();
        let oid = id.to_string();
        let at = now();
        let at_db = to_db(at);
        let mut tx = self.db.pool.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
                 idempotency_key, request_hash, created_at, updated_at)
             VALUES ($1, {}, $2, $3, 'pending', 0, $4, $5, $6, $7, $8, $8) RETURNING number",
            self.next_number_sql()
        ))
        .bind(&oid)
        .bind(customer_id)
        .bind(customer_email)
        .bind(&self.currency)
        .bind(request.note.as_deref())
        .bind(key)
        .bind(request_hash)
        .bind(&at_db)
        .fetch_one(&mut *tx)
        .await;
        let number: i64 = match inserted {
            Ok(row) => row.try_get("number")?,
            Err(e) if is_unique_violation(&e) && key.is_some() => {
                tx.rollback().await?;
                let existing = self.existing(customer_id, key.unwrap_or_default()).await?;
                return existing.map(Err).ok_or_else(|| {
                    AppError::internal(
                        "idempotency key vanished (its order failed meanwhile); retry",
                    )
                });
            }
            Err(e) => return Err(e.into()),
        };
        let lines: Vec<OrderLine> = request
            .lines
            .iter()
            .map(|(product_id, quantity)| OrderLine {
                product_id: *product_id,
                sku: String::new(),
                name: String::new(),
                quantity: *quantity,
                unit_price_cents: 0,
                line_total_cents: 0,
            })
            .collect();
        insert_lines(&mut tx, &oid, &lines).await?;
        history(
            &mut tx,
            &oid,
            OrderStatus::Pending,
            &at_db,
            customer_id,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Inserted {
            order: Order {
                id,
                number: order_number(number),
                customer_id: customer_id.to_string(),
                customer_email: customer_email.to_string(),
                status: OrderStatus::Pending,
                lines,
                total_cents: 0,
                currency: self.currency.clone(),
                note: request.note.clone(),
                ai_summary: AiSummary {
                    status: "disabled".into(),
                    text: None,
                    customer_message: None,
                    model: None,
                    generated_at: None,
                },
                history: vec![HistoryEntry {
                    status: OrderStatus::Pending,
                    at,
                    by: Some(customer_id.to_string()),
                    reason: None,
                }],
                created_at: at,
                updated_at: at,
            },
        }))
    }

    pub async fn existing(&self, customer_id: &str, key: &str) -> Result<Option<Existing>> {
        let row = sqlx::query(
            "SELECT id, request_hash, response_status, response_body FROM orders
             WHERE customer_id = $1 AND idempotency_key = $2",
        )
        .bind(customer_id)
        .bind(key)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let response_status: Option<i64> = row.try_get("response_status")?;
        let response_body: Option<String> = row.try_get("response_body")?;
        Ok(Some(Existing {
            id: Uuid::parse_str(row.try_get::<&str, _>("id")?).map_err(AppError::internal)?,
            request_hash: row.try_get("request_hash")?,
            response: response_status
                .zip(response_body)
                .map(|(s, b)| (s as u16, b)),
        }))
    }

    /// pending → confirmed with inventory's prices; writes the AI job in the same transaction.
    /// Returns `None` when the order had already left `pending` (someone else settled it).
    pub async fn confirm(
        &self,
        mut order: Order,
        priced: &[PricedLine],
        ai_status: &str,
        by: &str,
    ) -> Result<Option<Order>> {
        OrderStatus::Pending.transition(OrderStatus::Confirmed)?;
        for line in &mut order.lines {
            let price = priced
                .iter()
                .find(|p| p.product_id == line.product_id)
                .ok_or_else(|| AppError::internal("inventory priced a different set of lines"))?;
            line.sku = price.sku.clone();
            line.name = price.name.clone();
            line.unit_price_cents = price.unit_price_cents;
            line.line_total_cents = price.unit_price_cents * line.quantity;
        }
        let at = now();
        let at_db = to_db(at);
        order.total_cents = order.lines.iter().map(|l| l.line_total_cents).sum();
        order.status = OrderStatus::Confirmed;
        order.updated_at = at;
        order.ai_summary.status = ai_status.to_string();
        order.history.push(HistoryEntry {
            status: OrderStatus::Confirmed,
            at,
            by: Some(by.to_string()),
            reason: None,
        });
        let body = serde_json::to_string(&order).map_err(AppError::internal)?;
        let oid = order.id.to_string();

        let mut tx = self.db.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE orders SET status = 'confirmed', total_cents = $2, response_status = 201, response_body = $3,
                 updated_at = $4
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(&oid)
        .bind(order.total_cents)
        .bind(&body)
        .bind(&at_db)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(None);
        }
        sqlx::query("DELETE FROM order_lines WHERE order_id = $1")
            .bind(&oid)
            .execute(&mut *tx)
            .await?;
        insert_lines(&mut tx, &oid, &order.lines).await?;
        history(&mut tx, &oid, OrderStatus::Confirmed, &at_db, by, None).await?;
        sqlx::query("INSERT INTO ai_summaries (order_id, status) VALUES ($1, $2)")
            .bind(&oid)
            .bind(ai_status)
            .execute(&mut *tx)
            .await?;
        // The AI job is written with the order: it survives a crash right after the commit.
        if ai_status == "pending" {
            super::ai::queue_job(&mut tx, &oid, &at_db).await?;
        }
        tx.commit().await?;
        Ok(Some(order))
    }

    /// pending → rejected, keeping the 409 answer for idempotent replays.
    pub async fn reject(
        &self,
        order_id: Uuid,
        problem_body: &str,
        reason: &str,
        by: &str,
    ) -> Result<bool> {
        let change = Change {
            response: Some((409, problem_body)),
            owed: None,
            free_key: false,
        };
        self.change_status(
            order_id,
            OrderStatus::Pending,
            OrderStatus::Rejected,
            change,
            by,
            Some(reason),
        )
        .await
    }

    /// pending → failed. Inventory is owed a release, and the idempotency key is freed: a
    /// 5xx answer is not kept, so the client's retry makes a new attempt.
    pub async fn fail(&self, order_id: Uuid, reason: &str, by: &str) -> Result<bool> {
        let change = Change {
            response: None,
            owed: Some("release"),
            free_key: true,
        };
        self.change_status(
            order_id,
            OrderStatus::Pending,
            OrderStatus::Failed,
            change,
            by,
            Some(reason),
        )
        .await
    }

    /// confirmed → cancelled | fulfilled, recording what inventory is owed.
    pub async fn settle_confirmed(
        &self,
        order_id: Uuid,
        to: OrderStatus,
        owed: &str,
        by: &str,
        reason: Option<&str>,
    ) -> Result<bool> {
        let change = Change {
            response: None,
            owed: Some(owed),
            free_key: false,
        };
        self.change_status(order_id, OrderStatus::Confirmed, to, change, by, reason)
            .await
    }

    /// Moves the order `from` → `to` if it is still `from`, with its history entry, in one
    /// transaction. `false` when someone else moved it first.
    async fn change_status(
        &self,
        order_id: Uuid,
        from: OrderStatus,
        to: OrderStatus,
        change: Change<'_>,
        by: &str,
        reason: Option<&str>,
    ) -> Result<bool> {
        from.transition(to)?;
        let oid = order_id.to_string();
        let at = now_db();
        let mut tx = self.db.pool.begin().await?;
        let mut sql =
            String::from("UPDATE orders SET status = $3, inventory_action = $4, updated_at = $5");
        if change.response.is_some() {
            sql.push_str(", response_status = $6, response_body = $7");
        }
        if change.free_key {
            sql.push_str(", idempotency_key = NULL");
        }
        sql.push_str(" WHERE id = $1 AND status = $2");
        let mut query = sqlx::query(&sql)
            .bind(&oid)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(change.owed)
            .bind(&at);
        if let Some((status, body)) = change.response {
            query = query.bind(status as i64).bind(body);
        }
        let moved = query.execute(&mut *tx).await?.rows_affected() == 1;
        if moved {
            history(&mut tx, &oid, to, &at, by, reason).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Inventory has done what this order owed it.
    pub async fn inventory_done(&self, order_id: Uuid, action: &str) -> Result<()> {
        sqlx::query(
            "UPDATE orders SET inventory_action = NULL WHERE id = $1 AND inventory_action = $2",
        )
        .bind(order_id.to_string())
        .bind(action)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// Orders still pending after `older_than`: a crash left them mid-saga.
    pub async fn stuck_pending(
        &self,
        older_than: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Order>> {
        let rows = sqlx::query("SELECT id FROM orders WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 100")
            .bind(to_db(older_than))
            .fetch_all(&self.db.pool)
            .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for row in rows {
            let id = Uuid::parse_str(row.try_get::<&str, _>("id")?).map_err(AppError::internal)?;
            if let Some(order) = self.get_order(id).await? {
                orders.push(order);
            }
        }
        Ok(orders)
    }

    /// Orders whose release or commit has not reached inventory yet.
    pub async fn owed_to_inventory(&self) -> Result<Vec<(Uuid, String)>> {
        let rows = sqlx::query(
            "SELECT id, inventory_action FROM orders WHERE inventory_action IS NOT NULL LIMIT 500",
        )
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    Uuid::parse_str(r.try_get::<&str, _>("id")?).map_err(AppError::internal)?,
                    r.try_get::<String, _>("inventory_action")?,
                ))
            })
            .collect()
    }
}

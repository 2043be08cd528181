//! [`OrdersStore`] on SQLite: the typed driver with `FromRow` rows. Ids stay hyphenated UUID
//! text and times fixed-width RFC 3339 text (`kernel::time::to_db`), as they always were, so
//! text order is time order. One connection is the one writer: order numbers are MAX + 1 and
//! the AI queue needs no row locks.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::{
    dashboard::{DayRevenue, TopProduct},
    reservation::Settlement,
    Currency, Money, OrderId, OrderStatus, ProductId,
};
use kernel::{
    outbox::{record_sqlite as record, Actor},
    pagination::PageRequest,
    time::to_db,
    AppError, Result,
};
use sqlx::{Sqlite, SqlitePool, Transaction};
use uuid::{fmt::Hyphenated, Uuid};

use super::{
    attach, json_text, settlement_text, stored_currency, stored_json, stored_settlement,
    stored_status, stored_summary_status, Decide, Existing, Job, JobResult, OrderChange,
    OrderFilter, OrdersStore, Placing, ReturnFilter, StatsRows, StatusChange, StoredLine, Written,
};
use crate::{
    domain::{order_number, Line, Order},
    model::{AiSummary, HistoryEntry, SummaryStatus},
    returns::Return,
    shipments::Shipment,
};

pub struct SqliteStore {
    pool: SqlitePool,
    currency: Currency,
}

impl SqliteStore {
    pub fn new(pool: SqlitePool, currency: Currency) -> Self {
        Self { pool, currency }
    }
}

type Tx<'a> = Transaction<'a, Sqlite>;

fn text(id: impl Into<Uuid>) -> Hyphenated {
    id.into().hyphenated()
}

/// Ids as a JSON array, for `IN (SELECT value FROM json_each(?))`: one static query for any
/// number of ids.
fn id_list(ids: &[OrderId]) -> Result<String> {
    serde_json::to_string(ids).map_err(AppError::internal)
}

/// The order head query, as a literal so `concat!` makes each full statement static.
macro_rules! head {
    () => {
        "SELECT o.id, o.number, o.customer_id, o.customer_email, o.status, o.total_cents,
        o.currency, o.note, o.shipping_address, o.placed_by, o.created_at, o.updated_at,
        s.status AS ai_status, s.text AS ai_text, s.customer_message AS ai_message,
        s.model AS ai_model, s.generated_at AS ai_generated_at
     FROM orders o LEFT JOIN ai_summaries s ON s.order_id = o.id"
    };
}
// After `head!`, which it uses.
mod fulfilment;

#[derive(sqlx::FromRow)]
struct Head {
    id: Hyphenated,
    number: i64,
    customer_id: String,
    customer_email: String,
    status: String,
    total_cents: i64,
    currency: String,
    note: Option<String>,
    shipping_address: Option<String>,
    placed_by: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    ai_status: Option<String>,
    ai_text: Option<String>,
    ai_message: Option<String>,
    ai_model: Option<String>,
    ai_generated_at: Option<DateTime<Utc>>,
}

impl Head {
    fn into_order(self) -> Result<Order> {
        Ok(Order {
            id: self.id.into_uuid().into(),
            number: order_number(self.number),
            customer_id: self.customer_id,
            customer_email: self.customer_email,
            status: stored_status(&self.status)?,
            lines: Vec::new(),
            total: Money::new(self.total_cents, stored_currency(&self.currency)?),
            note: self.note,
            shipping_address: self
                .shipping_address
                .as_deref()
                .map(|a| stored_json("shipping address", a))
                .transpose()?,
            placed_by: self.placed_by,
            ai_summary: AiSummary {
                status: stored_summary_status(self.ai_status.as_deref())?,
                text: self.ai_text,
                customer_message: self.ai_message,
                model: self.ai_model,
                generated_at: self.ai_generated_at,
            },
            history: Vec::new(),
            shipments: Vec::new(),
            returns: Vec::new(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    order_id: Hyphenated,
    product_id: Hyphenated,
    sku: String,
    name: String,
    quantity: i64,
    unit_price_cents: i64,
    line_total_cents: i64,
}

impl LineRow {
    fn stored(self) -> StoredLine {
        StoredLine {
            order_id: self.order_id.into_uuid().into(),
            product_id: self.product_id.into_uuid().into(),
            sku: self.sku,
            name: self.name,
            quantity: self.quantity,
            unit_price_cents: self.unit_price_cents,
            line_total_cents: self.line_total_cents,
        }
    }
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    order_id: Hyphenated,
    status: String,
    at: DateTime<Utc>,
    by_user: Option<String>,
    reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    id: Hyphenated,
    request_hash: String,
    response_status: Option<i64>,
    response_body: Option<String>,
}

/// An order as a status change leaves it: what its event says of it.
#[derive(sqlx::FromRow)]
struct MovedRow {
    number: i64,
    customer_id: String,
    customer_email: String,
    total_cents: i64,
    currency: String,
    placed_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct OwedRow {
    id: Hyphenated,
    inventory_action: String,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    status: String,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: String,
    revenue: i64,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct TopRow {
    product_id: Hyphenated,
    sku: String,
    name: String,
    qty: i64,
    revenue: i64,
}

#[derive(sqlx::FromRow)]
struct DemandRow {
    product_id: Hyphenated,
    qty: i64,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: Hyphenated,
    order_id: Hyphenated,
    attempts: i64,
}

async fn insert_lines(tx: &mut Tx<'_>, order_id: OrderId, lines: &[Line]) -> Result<()> {
    let lines: Vec<crate::model::OrderLine> = lines.iter().cloned().map(Into::into).collect();
    let lines = serde_json::to_string(&lines).map_err(AppError::internal)?;
    sqlx::query(
        "INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
         SELECT ?1, key, json_extract(value, '$.product_id'), json_extract(value, '$.sku'),
                json_extract(value, '$.name'), json_extract(value, '$.quantity'),
                json_extract(value, '$.unit_price_cents'), json_extract(value, '$.line_total_cents')
         FROM json_each(?2)",
    )
    .bind(text(order_id))
    .bind(lines)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_history(
    tx: &mut Tx<'_>,
    order_id: OrderId,
    status: OrderStatus,
    at: DateTime<Utc>,
    by: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO order_history (id, order_id, status, at, by_user, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(Uuid::now_v7().hyphenated())
    .bind(text(order_id))
    .bind(status.as_str())
    .bind(to_db(at))
    .bind(by)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn queue_job(tx: &mut Tx<'_>, order_id: OrderId, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "INSERT INTO ai_jobs (id, order_id, kind, status, attempts, run_after, created_at, updated_at)
         VALUES (?1, ?2, 'order_summary', 'queued', 0, ?3, ?3, ?3)",
    )
    .bind(Uuid::now_v7().hyphenated())
    .bind(text(order_id))
    .bind(to_db(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl SqliteStore {
    async fn with_details(&self, heads: Vec<Head>) -> Result<Vec<Order>> {
        let mut orders = heads
            .into_iter()
            .map(Head::into_order)
            .collect::<Result<Vec<_>>>()?;
        if orders.is_empty() {
            return Ok(orders);
        }
        let ids = id_list(&orders.iter().map(|o| o.id).collect::<Vec<_>>())?;
        let mut conn = self.pool.acquire().await?;
        let line_rows = sqlx::query_as::<_, LineRow>(
            "SELECT order_id, product_id, sku, name, quantity, unit_price_cents, line_total_cents
             FROM order_lines WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id, position",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
        let history_rows = sqlx::query_as::<_, HistoryRow>(
            "SELECT order_id, status, at, by_user, reason FROM order_history
             WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id, at, id",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
        let shipped = fulfilment::fulfilment_of(&mut conn, &ids).await?;
        let lines = line_rows.into_iter().map(LineRow::stored).collect();
        let mut history: HashMap<OrderId, Vec<HistoryEntry>> = HashMap::new();
        for r in history_rows {
            history
                .entry(r.order_id.into_uuid().into())
                .or_default()
                .push(HistoryEntry {
                    status: stored_status(&r.status)?,
                    at: r.at,
                    by: r.by_user,
                    reason: r.reason,
                });
        }
        attach(&mut orders, lines, history, shipped)?;
        Ok(orders)
    }
}

#[async_trait]
impl OrdersStore for SqliteStore {
    fn currency(&self) -> &Currency {
        &self.currency
    }

    async fn write_placed(&self, p: Placing<'_>) -> Result<Written> {
        let order = p.order;
        let mut tx = self.pool.begin().await?;
        let address = order.shipping_address.as_ref().map(json_text).transpose()?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency, note,
                 idempotency_key, request_hash, inventory_action, created_at, updated_at, shipping_address,
                 placed_by)
             VALUES (?1, (SELECT COALESCE(MAX(number), 1000) + 1 FROM orders), ?2, ?3, ?4, ?5, ?6, ?7,
                 ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT DO NOTHING RETURNING number",
        )
        .bind(text(order.id))
        .bind(&order.customer_id)
        .bind(&order.customer_email)
        .bind(order.status.as_str())
        .bind(order.total.cents)
        .bind(order.total.currency.as_str())
        .bind(order.note.as_deref())
        .bind(p.key)
        .bind(p.request_hash)
        .bind(p.owed.map(settlement_text))
        .bind(to_db(order.created_at))
        .bind(to_db(order.updated_at))
        .bind(address)
        .bind(&order.placed_by)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(number) = inserted else {
            return Ok(Written::KeyTaken);
        };
        if let Some((status, body)) = (p.answer)(number)? {
            sqlx::query("UPDATE orders SET response_status = ?2, response_body = ?3 WHERE id = ?1")
                .bind(text(order.id))
                .bind(i64::from(status))
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }
        insert_lines(&mut tx, order.id, &order.lines).await?;
        for h in &order.history {
            insert_history(
                &mut tx,
                order.id,
                h.status,
                h.at,
                h.by.as_deref().unwrap_or_default(),
                h.reason.as_deref(),
            )
            .await?;
        }
        if order.status == OrderStatus::Confirmed {
            let ai_status = order.ai_summary.status;
            sqlx::query("INSERT INTO ai_summaries (order_id, status) VALUES (?1, ?2)")
                .bind(text(order.id))
                .bind(ai_status.as_str())
                .execute(&mut *tx)
                .await?;
            if ai_status == SummaryStatus::Pending {
                queue_job(&mut tx, order.id, order.updated_at).await?;
            }
        }
        if let Some(event) = crate::events::placed(order, &order_number(number), p.actor) {
            record(&mut tx, &event).await?;
        }
        // One writer: nothing else commits between this check and the commit.
        if kernel::time::now() >= p.deadline {
            tx.rollback().await?;
            return Ok(Written::Expired);
        }
        tx.commit().await?;
        Ok(Written::Number(number))
    }

    async fn known_ids(&self, ids: &[OrderId]) -> Result<HashSet<OrderId>> {
        let known = sqlx::query_scalar::<_, Hyphenated>(
            "SELECT id FROM orders WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(id_list(ids)?)
        .fetch_all(&self.pool)
        .await?;
        Ok(known
            .into_iter()
            .map(|id| OrderId(Uuid::from(id)))
            .collect())
    }

    async fn existing(&self, customer_id: &str, key: &str) -> Result<Option<Existing>> {
        let row = sqlx::query_as::<_, ExistingRow>(
            "SELECT id, request_hash, response_status, response_body FROM orders
             WHERE customer_id = ?1 AND idempotency_key = ?2",
        )
        .bind(customer_id)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Existing {
            id: r.id.into_uuid().into(),
            request_hash: r.request_hash,
            response: r
                .response_status
                .zip(r.response_body)
                .map(|(s, b)| (s as u16, b)),
        }))
    }

    async fn write_confirmed(
        &self,
        order: &Order,
        response_body: &str,
        by: &str,
        actor: &Actor,
    ) -> Result<bool> {
        let at = order.updated_at;
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE orders SET status = 'confirmed', total_cents = ?2, response_status = 201, response_body = ?3,
                 updated_at = ?4
             WHERE id = ?1 AND status = 'pending'",
        )
        .bind(text(order.id))
        .bind(order.total.cents)
        .bind(response_body)
        .bind(to_db(at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM order_lines WHERE order_id = ?1")
            .bind(text(order.id))
            .execute(&mut *tx)
            .await?;
        insert_lines(&mut tx, order.id, &order.lines).await?;
        insert_history(&mut tx, order.id, OrderStatus::Confirmed, at, by, None).await?;
        let ai_status = order.ai_summary.status;
        sqlx::query("INSERT INTO ai_summaries (order_id, status) VALUES (?1, ?2)")
            .bind(text(order.id))
            .bind(ai_status.as_str())
            .execute(&mut *tx)
            .await?;
        // The AI job is written with the order: it survives a crash right after the commit.
        if ai_status == SummaryStatus::Pending {
            queue_job(&mut tx, order.id, at).await?;
        }
        if let Some(event) = crate::events::placed(order, &order.number, actor) {
            record(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn write_status(&self, c: StatusChange<'_>) -> Result<bool> {
        let (response_status, response_body) = match c.change.response {
            Some((status, body)) => (Some(i64::from(status)), Some(body)),
            None => (None, None),
        };
        let mut tx = self.pool.begin().await?;
        // What the event says of the order comes back from the update that moves it.
        let moved = sqlx::query_as::<_, MovedRow>(
            "UPDATE orders SET status = ?3, inventory_action = ?4, updated_at = ?5,
                 response_status = COALESCE(?6, response_status),
                 response_body = COALESCE(?7, response_body),
                 idempotency_key = CASE WHEN ?8 THEN NULL ELSE idempotency_key END
             WHERE id = ?1 AND status = ?2
             RETURNING number, customer_id, customer_email, total_cents, currency, placed_by",
        )
        .bind(text(c.id))
        .bind(c.from.as_str())
        .bind(c.to.as_str())
        .bind(c.change.owed.map(settlement_text))
        .bind(to_db(c.at))
        .bind(response_status)
        .bind(response_body)
        .bind(c.change.free_key)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = moved else {
            return Ok(false);
        };
        insert_history(&mut tx, c.id, c.to, c.at, c.by, c.reason).await?;
        let number = order_number(row.number);
        let facts = crate::events::Facts {
            id: c.id,
            number: &number,
            customer_id: &row.customer_id,
            customer_email: &row.customer_email,
            total_cents: row.total_cents,
            currency: &row.currency,
            placed_by: row.placed_by.as_deref(),
        };
        if let Some(event) = crate::events::status_changed(&facts, c.to, c.reason, c.actor) {
            record(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn inventory_done(&self, id: OrderId, action: Settlement) -> Result<()> {
        sqlx::query(
            "UPDATE orders SET inventory_action = NULL WHERE id = ?1 AND inventory_action = ?2",
        )
        .bind(text(id))
        .bind(settlement_text(action))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn stuck_pending(&self, older_than: DateTime<Utc>) -> Result<Vec<OrderId>> {
        let ids = sqlx::query_scalar::<_, Hyphenated>(
            "SELECT id FROM orders WHERE status = 'pending' AND created_at < ?1 ORDER BY created_at LIMIT 100",
        )
        .bind(to_db(older_than))
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(|id| id.into_uuid().into()).collect())
    }

    async fn owed_to_inventory(&self) -> Result<Vec<(OrderId, Settlement)>> {
        let rows = sqlx::query_as::<_, OwedRow>(
            "SELECT id, inventory_action FROM orders o WHERE inventory_action IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.inventory_owed)
             LIMIT 500",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.id.into_uuid().into(),
                    stored_settlement(&r.inventory_action)?,
                ))
            })
            .collect()
    }

    async fn orders_by_ids(&self, ids: &[OrderId]) -> Result<Vec<Order>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let heads = sqlx::query_as::<_, Head>(concat!(
            head!(),
            " WHERE o.id IN (SELECT value FROM json_each(?1))"
        ))
        .bind(id_list(ids)?)
        .fetch_all(&self.pool)
        .await?;
        self.with_details(heads).await
    }

    async fn list_orders(&self, filter: &OrderFilter, page: &PageRequest) -> Result<Vec<Order>> {
        let heads = sqlx::query_as::<_, Head>(concat!(
            head!(),
            "
             WHERE (?1 IS NULL OR (o.created_at, o.id) < (?1, ?2))
               AND (?3 IS NULL OR o.status = ?3)
               AND (?4 IS NULL OR o.customer_id = ?4)
             ORDER BY o.created_at DESC, o.id DESC LIMIT ?5"
        ))
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(|id| id.hyphenated()))
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.customer_id.as_deref())
        .bind(page.fetch())
        .fetch_all(&self.pool)
        .await?;
        self.with_details(heads).await
    }

    async fn stats_rows(&self, since: DateTime<Utc>) -> Result<StatsRows> {
        let since = to_db(since);
        // Revenue counts orders that were confirmed and not cancelled.
        let status_rows = sqlx::query_as::<_, CountRow>(
            "SELECT status, COUNT(*) AS n FROM orders GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        let day_rows = sqlx::query_as::<_, DayRow>(
            "SELECT SUBSTR(created_at, 1, 10) AS day, SUM(total_cents) AS revenue, COUNT(*) AS n
             FROM orders WHERE status IN ('confirmed', 'partially_fulfilled', 'fulfilled', 'delivered') AND created_at >= ?1
             GROUP BY SUBSTR(created_at, 1, 10) ORDER BY day",
        )
        .bind(&since)
        .fetch_all(&self.pool)
        .await?;
        let top_rows = sqlx::query_as::<_, TopRow>(
            "SELECT l.product_id, MAX(l.sku) AS sku, MAX(l.name) AS name, SUM(l.quantity) AS qty,
                    SUM(l.line_total_cents) AS revenue
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.status IN ('confirmed', 'partially_fulfilled', 'fulfilled', 'delivered') AND o.created_at >= ?1
             GROUP BY l.product_id ORDER BY revenue DESC, qty DESC LIMIT 10",
        )
        .bind(&since)
        .fetch_all(&self.pool)
        .await?;
        let refunds_cents = sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(SUM(refund_cents), 0) FROM returns WHERE status = 'received' AND received_at >= ?1",
        )
        .bind(&since)
        .fetch_one(&self.pool)
        .await?;
        Ok(StatsRows {
            by_status: status_rows.into_iter().map(|r| (r.status, r.n)).collect(),
            revenue_by_day: day_rows
                .into_iter()
                .map(|r| DayRevenue {
                    date: r.day,
                    revenue_cents: r.revenue,
                    orders: r.n,
                })
                .collect(),
            top_products: top_rows
                .into_iter()
                .map(|r| TopProduct {
                    product_id: r.product_id.into_uuid().into(),
                    sku: r.sku,
                    name: r.name,
                    quantity: r.qty,
                    revenue_cents: r.revenue,
                })
                .collect(),
            refunds_cents,
        })
    }

    async fn demand(&self, since: DateTime<Utc>) -> Result<HashMap<ProductId, i64>> {
        let rows = sqlx::query_as::<_, DemandRow>(
            "SELECT l.product_id, SUM(l.quantity) AS qty
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.status IN ('confirmed', 'partially_fulfilled', 'fulfilled', 'delivered') AND o.created_at >= ?1
             GROUP BY l.product_id",
        )
        .bind(to_db(since))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.product_id.into_uuid().into(), r.qty))
            .collect())
    }

    async fn change_order(
        &self,
        id: OrderId,
        actor: &Actor,
        decide: &Decide<'_>,
    ) -> Result<Option<OrderChange>> {
        fulfilment::change_order(&self.pool, id, actor, decide).await
    }

    async fn order_of_return(&self, id: Uuid) -> Result<Option<OrderId>> {
        fulfilment::order_of_return(&self.pool, id).await
    }

    async fn list_returns(&self, filter: &ReturnFilter, page: &PageRequest) -> Result<Vec<Return>> {
        fulfilment::list_returns(&self.pool, filter, page).await
    }

    async fn owed_shipments(&self, order: Option<OrderId>) -> Result<Vec<(OrderId, Shipment)>> {
        fulfilment::owed_shipments(&self.pool, order).await
    }

    async fn shipment_paid(&self, id: Uuid) -> Result<()> {
        fulfilment::shipment_paid(&self.pool, id).await
    }

    async fn owed_returns(&self) -> Result<Vec<Return>> {
        fulfilment::owed_returns(&self.pool).await
    }

    async fn return_paid(&self, id: Uuid) -> Result<()> {
        fulfilment::return_paid(&self.pool, id).await
    }

    async fn claim_jobs(
        &self,
        at: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: i64,
    ) -> Result<Vec<Job>> {
        let at = to_db(at);
        let rows = sqlx::query_as::<_, ClaimedRow>(
            "UPDATE ai_jobs SET status = 'running', lease_until = ?2, attempts = attempts + 1, updated_at = ?1
             WHERE id IN (SELECT id FROM ai_jobs
                          WHERE (status = 'queued' AND run_after <= ?1) OR (status = 'running' AND lease_until < ?1)
                          ORDER BY created_at LIMIT ?3)
             RETURNING id, order_id, attempts",
        )
        .bind(&at)
        .bind(to_db(lease_until))
        .bind(max.max(1))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Job {
                id: r.id.into_uuid(),
                order_id: r.order_id.into_uuid().into(),
                lease: lease_until,
                claims: r.attempts,
            })
            .collect())
    }

    async fn finish_jobs(&self, results: &[(Job, JobResult)]) -> Result<usize> {
        if results.is_empty() {
            return Ok(0);
        }
        let at = to_db(super::now());
        let mut written = 0;
        let mut tx = self.pool.begin().await?;
        for (job, result) in results {
            let (job_status, error) = match result {
                JobResult::Ready { .. } => ("done", None),
                JobResult::Failed(e) => ("failed", Some(e.as_str())),
            };
            let held = sqlx::query(
                "UPDATE ai_jobs SET status = ?3, last_error = ?4, lease_until = NULL, updated_at = ?5
                 WHERE id = ?1 AND status = 'running' AND lease_until = ?2",
            )
            .bind(job.id.hyphenated())
            .bind(to_db(job.lease))
            .bind(job_status)
            .bind(error)
            .bind(&at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !held {
                continue;
            }
            let (status, summary, message, model) = match result {
                JobResult::Ready {
                    text,
                    customer_message,
                    model,
                } => (
                    SummaryStatus::Ready,
                    Some(text.as_str()),
                    customer_message.as_deref(),
                    Some(model.as_str()),
                ),
                JobResult::Failed(_) => (SummaryStatus::Failed, None, None, None),
            };
            sqlx::query(
                "UPDATE ai_summaries SET status = ?2, text = ?3, customer_message = ?4, model = ?5, generated_at = ?6
                 WHERE order_id = ?1",
            )
            .bind(text(job.order_id))
            .bind(status.as_str())
            .bind(summary)
            .bind(message)
            .bind(model)
            .bind(summary.map(|_| at.clone()))
            .execute(&mut *tx)
            .await?;
            if let Some(message) = message {
                let (number, customer_id, customer_email): (i64, String, String) = sqlx::query_as(
                    "SELECT number, customer_id, customer_email FROM orders WHERE id = ?1",
                )
                .bind(text(job.order_id))
                .fetch_one(&mut *tx)
                .await?;
                let event = crate::events::summary_ready(
                    job.order_id,
                    &crate::domain::order_number(number),
                    &customer_id,
                    &customer_email,
                    message,
                );
                record(&mut tx, &event).await?;
            }
            written += 1;
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn requeue(&self, job: &Job, run_after: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE ai_jobs SET status = 'queued', run_after = ?3, attempts = attempts - 1, lease_until = NULL
             WHERE id = ?1 AND status = 'running' AND lease_until = ?2",
        )
        .bind(job.id.hyphenated())
        .bind(to_db(job.lease))
        .bind(to_db(run_after))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn queue_summary(&self, id: OrderId) -> Result<()> {
        let at = super::now();
        let mut tx = self.pool.begin().await?;
        let busy = sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM ai_jobs WHERE order_id = ?1 AND status IN ('queued', 'running'))",
        )
        .bind(text(id))
        .fetch_one(&mut *tx)
        .await?;
        if !busy {
            queue_job(&mut tx, id, at).await?;
            sqlx::query(
                "INSERT INTO ai_summaries (order_id, status) VALUES (?1, 'pending')
                 ON CONFLICT (order_id) DO UPDATE SET status = 'pending'",
            )
            .bind(text(id))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn job_rows(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query_as::<_, CountRow>(
            "SELECT status, COUNT(*) AS n FROM ai_jobs GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
    }

    async fn shed_jobs(&self, max: i64) -> Result<u64> {
        // Compared as stored text, not re-formatted: equal to the row it came from.
        let cut = sqlx::query_scalar::<_, String>(
            "SELECT created_at FROM ai_jobs WHERE status = 'queued' ORDER BY created_at DESC LIMIT 1 OFFSET ?1",
        )
        .bind(max.max(0))
        .fetch_optional(&self.pool)
        .await?;
        let Some(cut) = cut else { return Ok(0) };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE ai_summaries SET status = 'failed' WHERE order_id IN
                 (SELECT order_id FROM ai_jobs WHERE status = 'queued' AND created_at <= ?1)",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?;
        let shed = sqlx::query(
            "UPDATE ai_jobs SET status = 'failed', last_error = 'dropped: the AI backlog was too long'
             WHERE status = 'queued' AND created_at <= ?1",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(shed)
    }
}

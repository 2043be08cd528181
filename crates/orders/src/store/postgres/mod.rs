//! [`OrdersStore`] on PostgreSQL: compile-time checked queries on native `uuid` and
//! `timestamptz`; order numbers from a sequence (no hot row); the AI queue claimed with
//! `FOR UPDATE SKIP LOCKED`, so replicas never claim the same job.

mod fulfilment;
mod placing;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use contracts::{
    dashboard::{DayRevenue, TopProduct},
    reservation::Settlement,
    Currency, Money, OrderId, OrderStatus, ProductId,
};
use kernel::{
    outbox::{record_postgres as record, Actor},
    pagination::PageRequest,
    Result,
};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{
    attach, settlement_text, stored_currency, stored_json, stored_settlement, stored_status,
    stored_summary_status, Decide, Existing, Job, JobResult, OrderChange, OrderFilter, OrdersStore,
    Placing, ReturnFilter, StatsRows, StatusChange, StoredLine, Written,
};
use crate::{
    domain::{order_number, Line, Order},
    model::{AiSummary, HistoryEntry, SummaryStatus},
    returns::Return,
    shipments::Shipment,
};

pub struct PgStore {
    pool: PgPool,
    currency: Currency,
    numbers: placing::Numbers,
}

impl PgStore {
    pub fn new(pool: PgPool, currency: Currency) -> Self {
        Self {
            pool,
            currency,
            numbers: placing::Numbers::default(),
        }
    }
}

type Tx<'a> = Transaction<'a, Postgres>;

/// An order's row with its AI summary (a LEFT JOIN: the summary may be missing).
struct Head {
    id: Uuid,
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
            id: self.id.into(),
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

/// An order's lines as parallel arrays, for one `UNNEST` insert.
struct LineColumns {
    positions: Vec<i64>,
    products: Vec<Uuid>,
    skus: Vec<String>,
    names: Vec<String>,
    quantities: Vec<i64>,
    prices: Vec<i64>,
    totals: Vec<i64>,
}

impl LineColumns {
    fn of(lines: &[Line]) -> Self {
        Self {
            positions: (0..lines.len() as i64).collect(),
            products: lines.iter().map(|l| l.product_id.as_uuid()).collect(),
            skus: lines.iter().map(|l| l.sku.clone()).collect(),
            names: lines.iter().map(|l| l.name.clone()).collect(),
            quantities: lines.iter().map(|l| l.quantity.get()).collect(),
            prices: lines.iter().map(|l| l.unit_price.cents).collect(),
            totals: lines.iter().map(|l| l.line_total.cents).collect(),
        }
    }
}

async fn insert_lines(tx: &mut Tx<'_>, order_id: Uuid, lines: &[Line]) -> Result<()> {
    let LineColumns {
        positions,
        products,
        skus,
        names,
        quantities,
        prices,
        totals,
    } = LineColumns::of(lines);
    sqlx::query!(
        "INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)
         SELECT $1, l.position, l.product_id, l.sku, l.name, l.quantity, l.unit_price_cents, l.line_total_cents
         FROM UNNEST($2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
              AS l (position, product_id, sku, name, quantity, unit_price_cents, line_total_cents)",
        order_id,
        &positions,
        &products,
        &skus,
        &names,
        &quantities,
        &prices,
        &totals,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_history(
    tx: &mut Tx<'_>,
    order_id: Uuid,
    status: OrderStatus,
    at: DateTime<Utc>,
    by: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query!(
        "INSERT INTO order_history (id, order_id, status, at, by_user, reason) VALUES ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(),
        order_id,
        status.as_str(),
        at,
        by,
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn queue_job(tx: &mut Tx<'_>, order_id: Uuid, at: DateTime<Utc>) -> Result<()> {
    sqlx::query!(
        "INSERT INTO ai_jobs (id, order_id, kind, status, attempts, run_after, created_at, updated_at)
         VALUES ($1, $2, 'order_summary', 'queued', 0, $3, $3, $3)",
        Uuid::now_v7(),
        order_id,
        at,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl PgStore {
    /// Lines and history of `orders`, one query each, run side by side.
    async fn with_details(&self, heads: Vec<Head>) -> Result<Vec<Order>> {
        let mut orders = heads
            .into_iter()
            .map(Head::into_order)
            .collect::<Result<Vec<_>>>()?;
        if orders.is_empty() {
            return Ok(orders);
        }
        let ids: Vec<Uuid> = orders.iter().map(|o| o.id.as_uuid()).collect();
        let details = async {
            tokio::try_join!(
            sqlx::query!(
                "SELECT order_id, product_id, sku, name, quantity, unit_price_cents, line_total_cents
                 FROM order_lines WHERE order_id = ANY($1) ORDER BY order_id, position",
                &ids
            )
            .fetch_all(&self.pool),
            sqlx::query!(
                "SELECT order_id, status, at, by_user, reason FROM order_history
                 WHERE order_id = ANY($1) ORDER BY order_id, at, id",
                &ids
            )
            .fetch_all(&self.pool)
            )
            .map_err(kernel::AppError::from)
        };
        // Shipments and returns alongside: one round trip's wait for all four queries.
        let ((line_rows, history_rows), shipped) =
            tokio::try_join!(details, fulfilment::fulfilment_of(&self.pool, &ids))?;
        let lines = line_rows
            .into_iter()
            .map(|r| StoredLine {
                order_id: r.order_id.into(),
                product_id: r.product_id.into(),
                sku: r.sku,
                name: r.name,
                quantity: r.quantity,
                unit_price_cents: r.unit_price_cents,
                line_total_cents: r.line_total_cents,
            })
            .collect();
        let mut history: HashMap<OrderId, Vec<HistoryEntry>> = HashMap::new();
        for r in history_rows {
            history
                .entry(r.order_id.into())
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
impl OrdersStore for PgStore {
    fn currency(&self) -> &Currency {
        &self.currency
    }

    async fn write_placed(&self, placing: Placing<'_>) -> Result<Written> {
        placing::write_placed(&self.pool, &self.numbers, placing).await
    }

    async fn known_ids(&self, ids: &[OrderId]) -> Result<HashSet<OrderId>> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let known = sqlx::query_scalar!("SELECT id FROM orders WHERE id = ANY($1)", &ids)
            .fetch_all(&self.pool)
            .await?;
        Ok(known.into_iter().map(OrderId::from).collect())
    }

    async fn existing(&self, customer_id: &str, key: &str) -> Result<Option<Existing>> {
        let row = sqlx::query!(
            "SELECT id, request_hash, response_status, response_body FROM orders
             WHERE customer_id = $1 AND idempotency_key = $2",
            customer_id,
            key,
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Existing {
            id: r.id.into(),
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
        let id = order.id.as_uuid();
        let at = order.updated_at;
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query!(
            "UPDATE orders SET status = 'confirmed', total_cents = $2, response_status = 201, response_body = $3,
                 updated_at = $4
             WHERE id = $1 AND status = 'pending'",
            id,
            order.total.cents,
            response_body,
            at,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Ok(false);
        }
        sqlx::query!("DELETE FROM order_lines WHERE order_id = $1", id)
            .execute(&mut *tx)
            .await?;
        insert_lines(&mut tx, id, &order.lines).await?;
        insert_history(&mut tx, id, OrderStatus::Confirmed, at, by, None).await?;
        let ai_status = order.ai_summary.status;
        sqlx::query!(
            "INSERT INTO ai_summaries (order_id, status) VALUES ($1, $2)",
            id,
            ai_status.as_str(),
        )
        .execute(&mut *tx)
        .await?;
        // The AI job is written with the order: it survives a crash right after the commit.
        if ai_status == SummaryStatus::Pending {
            queue_job(&mut tx, id, at).await?;
        }
        if let Some(event) = crate::events::placed(order, &order.number, actor) {
            record(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn write_status(&self, c: StatusChange<'_>) -> Result<bool> {
        let id = c.id.as_uuid();
        let (response_status, response_body) = match c.change.response {
            Some((status, body)) => (Some(i64::from(status)), Some(body)),
            None => (None, None),
        };
        let mut tx = self.pool.begin().await?;
        // What the event says of the order comes back from the update that moves it.
        let moved = sqlx::query!(
            "UPDATE orders SET status = $3, inventory_action = $4, updated_at = $5,
                 response_status = COALESCE($6, response_status),
                 response_body = COALESCE($7, response_body),
                 idempotency_key = CASE WHEN $8 THEN NULL ELSE idempotency_key END
             WHERE id = $1 AND status = $2
             RETURNING number, customer_id, customer_email, total_cents, currency, placed_by",
            id,
            c.from.as_str(),
            c.to.as_str(),
            c.change.owed.map(settlement_text),
            c.at,
            response_status,
            response_body,
            c.change.free_key,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = moved else {
            return Ok(false);
        };
        insert_history(&mut tx, id, c.to, c.at, c.by, c.reason).await?;
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
        sqlx::query!(
            "UPDATE orders SET inventory_action = NULL WHERE id = $1 AND inventory_action = $2",
            id.as_uuid(),
            settlement_text(action),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn stuck_pending(&self, older_than: DateTime<Utc>) -> Result<Vec<OrderId>> {
        let ids = sqlx::query_scalar!(
            "SELECT id FROM orders WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 100",
            older_than,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(OrderId::from).collect())
    }

    async fn owed_to_inventory(&self) -> Result<Vec<(OrderId, Settlement)>> {
        let rows = sqlx::query!(
            r#"SELECT id, inventory_action AS "inventory_action!" FROM orders o
               WHERE inventory_action IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.inventory_owed)
               LIMIT 500"#
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| Ok((r.id.into(), stored_settlement(&r.inventory_action)?)))
            .collect()
    }

    async fn orders_by_ids(&self, ids: &[OrderId]) -> Result<Vec<Order>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let heads = sqlx::query_as!(
            Head,
            r#"SELECT o.id, o.number, o.customer_id, o.customer_email, o.status, o.total_cents,
                   o.currency, o.note, o.shipping_address, o.placed_by, o.created_at, o.updated_at, s.status AS "ai_status?",
                   s.text AS "ai_text?", s.customer_message AS "ai_message?", s.model AS "ai_model?",
                   s.generated_at AS "ai_generated_at?"
               FROM orders o LEFT JOIN ai_summaries s ON s.order_id = o.id
               WHERE o.id = ANY($1)"#,
            &ids
        )
        .fetch_all(&self.pool)
        .await?;
        self.with_details(heads).await
    }

    async fn list_orders(&self, filter: &OrderFilter, page: &PageRequest) -> Result<Vec<Order>> {
        let heads = sqlx::query_as!(
            Head,
            r#"SELECT o.id, o.number, o.customer_id, o.customer_email, o.status, o.total_cents,
                   o.currency, o.note, o.shipping_address, o.placed_by, o.created_at, o.updated_at, s.status AS "ai_status?",
                   s.text AS "ai_text?", s.customer_message AS "ai_message?", s.model AS "ai_model?",
                   s.generated_at AS "ai_generated_at?"
               FROM orders o LEFT JOIN ai_summaries s ON s.order_id = o.id
               WHERE ($1::timestamptz IS NULL OR (o.created_at, o.id) < ($1, $2::uuid))
                 AND ($3::text IS NULL OR o.status = $3)
                 AND ($4::text IS NULL OR o.customer_id = $4)
               ORDER BY o.created_at DESC, o.id DESC LIMIT $5"#,
            page.after_time(),
            page.after_id(),
            filter.status.map(|s| s.as_str()),
            filter.customer_id.as_deref(),
            page.fetch(),
        )
        .fetch_all(&self.pool)
        .await?;
        self.with_details(heads).await
    }

    async fn stats_rows(&self, since: DateTime<Utc>) -> Result<StatsRows> {
        // Revenue counts orders that were confirmed and not cancelled, gross of refunds.
        let (status_rows, day_rows, top_rows, refunds) = tokio::try_join!(
            sqlx::query!(r#"SELECT status, COUNT(*) AS "n!" FROM orders GROUP BY status"#)
                .fetch_all(&self.pool),
            sqlx::query!(
                r#"SELECT date_trunc('day', created_at AT TIME ZONE 'UTC')::date AS "day!",
                          SUM(total_cents)::bigint AS "revenue!", COUNT(*) AS "n!"
                   FROM orders WHERE status IN ('confirmed', 'partially_fulfilled', 'fulfilled', 'delivered') AND created_at >= $1
                   GROUP BY 1 ORDER BY 1"#,
                since
            )
            .fetch_all(&self.pool),
            sqlx::query!(
                r#"SELECT l.product_id, MAX(l.sku) AS "sku!", MAX(l.name) AS "name!",
                          SUM(l.quantity)::bigint AS "qty!", SUM(l.line_total_cents)::bigint AS "revenue!"
                   FROM order_lines l JOIN orders o ON o.id = l.order_id
                   WHERE o.status IN ('confirmed', 'partially_fulfilled', 'fulfilled', 'delivered') AND o.created_at >= $1
                   GROUP BY l.product_id ORDER BY 5 DESC, 4 DESC LIMIT 10"#,
                since
            )
            .fetch_all(&self.pool),
            sqlx::query_scalar!(
                r#"SELECT COALESCE(SUM(refund_cents), 0)::bigint AS "refunds!" FROM returns
                   WHERE status = 'received' AND received_at >= $1"#,
                since
            )
            .fetch_one(&self.pool),
        )?;
        Ok(StatsRows {
            by_status: status_rows.into_iter().map(|r| (r.status, r.n)).collect(),
            revenue_by_day: day_rows
                .into_iter()
                .map(|r| DayRevenue {
                    date: r.day.format("%Y-%m-%d").to_string(),
                    revenue_cents: r.revenue,
                    orders: r.n,
                })
                .collect(),
            top_products: top_rows
                .into_iter()
                .map(|r| TopProduct {
                    product_id: r.product_id.into(),
                    sku: r.sku,
                    name: r.name,
                    quantity: r.qty,
                    revenue_cents: r.revenue,
                })
                .collect(),
            refunds_cents: refunds,
        })
    }

    async fn demand(&self, since: DateTime<Utc>) -> Result<HashMap<ProductId, i64>> {
        let rows = sqlx::query!(
            r#"SELECT l.product_id, SUM(l.quantity)::bigint AS "qty!"
               FROM order_lines l JOIN orders o ON o.id = l.order_id
               WHERE o.status IN ('confirmed', 'partially_fulfilled', 'fulfilled', 'delivered') AND o.created_at >= $1
               GROUP BY l.product_id"#,
            since
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.product_id.into(), r.qty))
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
        let rows = sqlx::query!(
            "UPDATE ai_jobs SET status = 'running', lease_until = $2, attempts = attempts + 1, updated_at = $1
             WHERE id IN (SELECT id FROM ai_jobs
                          WHERE (status = 'queued' AND run_after <= $1) OR (status = 'running' AND lease_until < $1)
                          ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING id, order_id, attempts",
            at,
            lease_until,
            max.max(1),
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Job {
                id: r.id,
                order_id: r.order_id.into(),
                lease: lease_until,
                claims: r.attempts,
            })
            .collect())
    }

    async fn finish_jobs(&self, results: &[(Job, JobResult)]) -> Result<usize> {
        if results.is_empty() {
            return Ok(0);
        }
        let at = super::now();
        let mut written = 0;
        let mut tx = self.pool.begin().await?;
        for (job, result) in results {
            let (job_status, error) = match result {
                JobResult::Ready { .. } => ("done", None),
                JobResult::Failed(e) => ("failed", Some(e.as_str())),
            };
            let held = sqlx::query!(
                "UPDATE ai_jobs SET status = $3, last_error = $4, lease_until = NULL, updated_at = $5
                 WHERE id = $1 AND status = 'running' AND lease_until = $2",
                job.id,
                job.lease,
                job_status,
                error,
                at,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !held {
                continue;
            }
            let (status, text, message, model) = match result {
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
            sqlx::query!(
                "UPDATE ai_summaries SET status = $2, text = $3, customer_message = $4, model = $5, generated_at = $6
                 WHERE order_id = $1",
                job.order_id.as_uuid(),
                status.as_str(),
                text,
                message,
                model,
                text.map(|_| at),
            )
            .execute(&mut *tx)
            .await?;
            if let Some(message) = message {
                let order = sqlx::query!(
                    "SELECT number, customer_id, customer_email FROM orders WHERE id = $1",
                    job.order_id.as_uuid(),
                )
                .fetch_one(&mut *tx)
                .await?;
                let event = crate::events::summary_ready(
                    job.order_id,
                    &crate::domain::order_number(order.number),
                    &order.customer_id,
                    &order.customer_email,
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
        sqlx::query!(
            "UPDATE ai_jobs SET status = 'queued', run_after = $3, attempts = attempts - 1, lease_until = NULL
             WHERE id = $1 AND status = 'running' AND lease_until = $2",
            job.id,
            job.lease,
            run_after,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn queue_summary(&self, id: OrderId) -> Result<()> {
        let id = id.as_uuid();
        let at = super::now();
        let mut tx = self.pool.begin().await?;
        let busy = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM ai_jobs WHERE order_id = $1 AND status IN ('queued', 'running')) AS "busy!""#,
            id
        )
        .fetch_one(&mut *tx)
        .await?;
        if !busy {
            queue_job(&mut tx, id, at).await?;
            sqlx::query!(
                "INSERT INTO ai_summaries (order_id, status) VALUES ($1, 'pending')
                 ON CONFLICT (order_id) DO UPDATE SET status = 'pending'",
                id
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn job_rows(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query!(r#"SELECT status, COUNT(*) AS "n!" FROM ai_jobs GROUP BY status"#)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
    }

    async fn shed_jobs(&self, max: i64) -> Result<u64> {
        let cut = sqlx::query_scalar!(
            "SELECT created_at FROM ai_jobs WHERE status = 'queued' ORDER BY created_at DESC LIMIT 1 OFFSET $1",
            max.max(0)
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(cut) = cut else { return Ok(0) };
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "UPDATE ai_summaries SET status = 'failed' WHERE order_id IN
                 (SELECT order_id FROM ai_jobs WHERE status = 'queued' AND created_at <= $1)",
            cut
        )
        .execute(&mut *tx)
        .await?;
        let shed = sqlx::query!(
            "UPDATE ai_jobs SET status = 'failed', last_error = 'dropped: the AI backlog was too long'
             WHERE status = 'queued' AND created_at <= $1",
            cut
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(shed)
    }
}

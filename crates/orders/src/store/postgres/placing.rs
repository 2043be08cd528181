//! A new order on PostgreSQL in one statement (autocommit: one round trip, one commit):
//! the order row, its lines, history, AI summary and job, and its event in the outbox,
//! written only if the order is new and its deadline has not passed. Order numbers come from the sequence in blocks, so the
//! kept answer can name its number before the write.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use contracts::OrderStatus;
use kernel::Result;
use sqlx::PgPool;
use uuid::Uuid;

use super::{settlement_text, LineColumns};
use crate::{
    domain::order_number,
    model::SummaryStatus,
    store::{Placing, Written},
};

/// Numbers fetched per trip to the sequence. A restart skips the rest of a block: numbers
/// stay unique and increasing per process, not gapless.
const NUMBER_BLOCK: i64 = 32;

/// Order numbers taken from the sequence ahead of use.
#[derive(Default)]
pub struct Numbers {
    spare: Mutex<Vec<i64>>,
}

impl Numbers {
    pub async fn next(&self, pool: &PgPool) -> Result<i64> {
        if let Some(n) = self.take() {
            return Ok(n);
        }
        let mut block: Vec<i64> = sqlx::query_scalar!(
            r#"SELECT nextval('order_numbers') AS "n!" FROM generate_series(1, $1::bigint)"#,
            NUMBER_BLOCK
        )
        .fetch_all(pool)
        .await?;
        block.sort_unstable_by(|a, b| b.cmp(a));
        let first = block.pop();
        let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
        spare.extend(block);
        spare.sort_unstable_by(|a, b| b.cmp(a));
        first.ok_or_else(|| kernel::AppError::internal("the order-number sequence gave nothing"))
    }

    fn take(&self) -> Option<i64> {
        self.spare.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }
}

pub async fn write_placed(pool: &PgPool, numbers: &Numbers, p: Placing<'_>) -> Result<Written> {
    let order = p.order;
    let number = numbers.next(pool).await?;
    let (status, body) = (p.answer)(number)?.unzip();
    // The event is an insert in the same statement, so it commits exactly when the order does.
    let event = crate::events::placed(order, &order_number(number), p.actor);
    let event_text = event
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(kernel::AppError::internal)?;
    let origin = crate::events::origin();
    let LineColumns {
        positions,
        products,
        skus,
        names,
        quantities,
        prices,
        totals,
    } = LineColumns::of(&order.lines);
    let address = order
        .shipping_address
        .as_ref()
        .map(crate::store::json_text)
        .transpose()?;
    let history_ids: Vec<Uuid> = order.history.iter().map(|_| Uuid::now_v7()).collect();
    let history_status: Vec<String> = order
        .history
        .iter()
        .map(|h| h.status.as_str().to_string())
        .collect();
    let history_at: Vec<DateTime<Utc>> = order.history.iter().map(|h| h.at).collect();
    let history_by: Vec<Option<String>> = order.history.iter().map(|h| h.by.clone()).collect();
    let history_reason: Vec<Option<String>> =
        order.history.iter().map(|h| h.reason.clone()).collect();
    // A confirmed order has a summary row (pending, or disabled without AI); a rejected none.
    let summary = (order.status == OrderStatus::Confirmed).then_some(order.ai_summary.status);
    let queue_job = summary == Some(SummaryStatus::Pending);
    // The time left, not the deadline itself: it is checked against the database's clock,
    // which need not agree with this process's.
    let remaining_micros = (p.deadline - crate::store::now())
        .num_microseconds()
        .unwrap_or(0);
    let written = sqlx::query_scalar!(
        r#"WITH placed AS (
               INSERT INTO orders (id, number, customer_id, customer_email, status, total_cents, currency,
                   note, idempotency_key, request_hash, response_status, response_body, inventory_action,
                   created_at, updated_at, shipping_address, placed_by)
               SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $32, $33
               WHERE clock_timestamp() < statement_timestamp() + $16::bigint * interval '1 microsecond'
               ON CONFLICT DO NOTHING
               RETURNING id
           ), lines AS (
               INSERT INTO order_lines (order_id, position, product_id, sku, name, quantity,
                   unit_price_cents, line_total_cents)
               SELECT placed.id, l.* FROM placed,
                   UNNEST($17::bigint[], $18::uuid[], $19::text[], $20::text[], $21::bigint[], $22::bigint[],
                          $23::bigint[]) AS l
           ), history AS (
               INSERT INTO order_history (id, order_id, status, at, by_user, reason)
               SELECT h.id, placed.id, h.status, h.at, h.by_user, h.reason FROM placed,
                   UNNEST($24::uuid[], $25::text[], $26::timestamptz[], $27::text[], $28::text[])
                       AS h (id, status, at, by_user, reason)
           ), summary AS (
               INSERT INTO ai_summaries (order_id, status)
               SELECT placed.id, $29::text FROM placed WHERE $29::text IS NOT NULL
           ), job AS (
               INSERT INTO ai_jobs (id, order_id, kind, status, attempts, run_after, created_at, updated_at)
               SELECT $30, placed.id, 'order_summary', 'queued', 0, $15, $15, $15 FROM placed WHERE $31
           ), event AS (
               INSERT INTO outbox (id, event, request_id, traceparent, recorded_at)
               SELECT $34::uuid, $35::text, $36::text, $37::text, $38::timestamptz FROM placed
               WHERE $35::text IS NOT NULL
           )
           SELECT COUNT(*) AS "placed!" FROM placed"#,
        order.id.as_uuid(),
        number,
        order.customer_id,
        order.customer_email,
        order.status.as_str(),
        order.total.cents,
        order.total.currency.as_str(),
        order.note,
        p.key,
        p.request_hash,
        status.map(i64::from),
        body,
        p.owed.map(settlement_text),
        order.created_at,
        order.updated_at,
        remaining_micros,
        &positions,
        &products,
        &skus,
        &names,
        &quantities,
        &prices,
        &totals,
        &history_ids,
        &history_status,
        &history_at,
        &history_by as &[Option<String>],
        &history_reason as &[Option<String>],
        summary.map(SummaryStatus::as_str),
        Uuid::now_v7(),
        queue_job,
        address,
        order.placed_by,
        event.as_ref().map(|e| e.id),
        event_text,
        origin.request_id,
        origin.traceparent,
        Utc::now(),
    )
    .fetch_one(pool)
    .await?;
    if written == 1 {
        return Ok(Written::Number(number));
    }
    // Nothing written: a conflict (the key's order exists) or the deadline passed.
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1
               OR (customer_id = $2 AND idempotency_key = $3)) AS "exists!""#,
        order.id.as_uuid(),
        order.customer_id,
        p.key,
    )
    .fetch_one(pool)
    .await?;
    Ok(if exists {
        Written::KeyTaken
    } else {
        Written::Expired
    })
}

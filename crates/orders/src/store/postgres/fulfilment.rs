//! Shipments and returns on PostgreSQL. A fulfilment step locks its order's row
//! (`FOR UPDATE`) before reading what was shipped and returned, so two steps on one order
//! (two shipments of the last units, two return requests) decide one after the other.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use contracts::OrderId;
use kernel::{
    outbox::{record_postgres as record, Actor},
    pagination::PageRequest,
    Result,
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{insert_history, Head, Tx};
use crate::{
    domain::order_number,
    returns::Return,
    shipments::Shipment,
    store::{
        attach, json_text, stored_json, stored_return_status, Decide, Fulfilment, OrderChange,
        ReturnFilter, StatusStep, StoredLine,
    },
};

struct ShipmentRow {
    id: Uuid,
    order_id: Uuid,
    lines: String,
    carrier: Option<String>,
    tracking_number: Option<String>,
    shipped_at: DateTime<Utc>,
    shipped_by: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    idempotency_key: Option<String>,
    request_hash: Option<String>,
}

impl ShipmentRow {
    fn into_shipment(self) -> Result<(OrderId, Shipment)> {
        Ok((
            self.order_id.into(),
            Shipment {
                id: self.id,
                lines: stored_json("shipment lines", &self.lines)?,
                carrier: self.carrier,
                tracking_number: self.tracking_number,
                shipped_at: self.shipped_at,
                shipped_by: self.shipped_by,
                delivered_at: self.delivered_at,
                idempotency_key: self.idempotency_key,
                request_hash: self.request_hash,
            },
        ))
    }
}

struct ReturnRow {
    id: Uuid,
    order_id: Uuid,
    order_number: i64,
    customer_id: String,
    status: String,
    lines: String,
    reason: String,
    refund_cents: i64,
    currency: String,
    requested_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
    received_by: Option<String>,
    rejected_at: Option<DateTime<Utc>>,
    rejected_by: Option<String>,
    reject_reason: Option<String>,
    receipt_key: Option<String>,
    receipt_hash: Option<String>,
    inventory_owed: bool,
}

impl ReturnRow {
    fn into_return(self) -> Result<Return> {
        Ok(Return {
            id: self.id,
            order_id: self.order_id.into(),
            order_number: order_number(self.order_number),
            customer_id: self.customer_id,
            status: stored_return_status(&self.status)?,
            lines: stored_json("return lines", &self.lines)?,
            reason: self.reason,
            refund_cents: self.refund_cents,
            currency: self.currency,
            requested_by: self.requested_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            received_at: self.received_at,
            received_by: self.received_by,
            rejected_at: self.rejected_at,
            rejected_by: self.rejected_by,
            reject_reason: self.reject_reason,
            receipt_key: self.receipt_key,
            receipt_hash: self.receipt_hash,
            inventory_owed: self.inventory_owed,
        })
    }
}

/// The shipments and returns of these orders, oldest first.
pub async fn fulfilment_of(pool: &PgPool, ids: &[Uuid]) -> Result<Fulfilment> {
    let (shipment_rows, return_rows) = tokio::try_join!(
        sqlx::query_as!(
            ShipmentRow,
            "SELECT id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by, delivered_at,
                 idempotency_key, request_hash
             FROM shipments WHERE order_id = ANY($1) ORDER BY order_id, shipped_at, id",
            ids
        )
        .fetch_all(pool),
        sqlx::query_as!(
            ReturnRow,
            "SELECT r.id, r.order_id, o.number AS order_number, r.customer_id, r.status, r.lines, r.reason,
                 r.refund_cents, r.currency, r.requested_by, r.created_at, r.updated_at, r.received_at,
                 r.received_by, r.rejected_at, r.rejected_by, r.reject_reason, r.receipt_key, r.receipt_hash,
                 r.inventory_owed
             FROM returns r JOIN orders o ON o.id = r.order_id
             WHERE r.order_id = ANY($1) ORDER BY r.order_id, r.created_at, r.id",
            ids
        )
        .fetch_all(pool),
    )?;
    collect(shipment_rows, return_rows)
}

fn collect(shipment_rows: Vec<ShipmentRow>, return_rows: Vec<ReturnRow>) -> Result<Fulfilment> {
    let mut fulfilment = Fulfilment::default();
    for row in shipment_rows {
        let (order, shipment) = row.into_shipment()?;
        fulfilment
            .shipments
            .entry(order)
            .or_default()
            .push(shipment);
    }
    for row in return_rows {
        let r = row.into_return()?;
        fulfilment.returns.entry(r.order_id).or_default().push(r);
    }
    Ok(fulfilment)
}

/// One order, locked for the rest of the transaction, with lines, shipments and returns.
async fn locked_order(conn: &mut PgConnection, id: Uuid) -> Result<Option<crate::domain::Order>> {
    let Some(head) = sqlx::query_as!(
        Head,
        r#"SELECT o.id, o.number, o.customer_id, o.customer_email, o.status, o.total_cents,
               o.currency, o.note, o.shipping_address, o.placed_by, o.created_at, o.updated_at,
               NULL::text AS "ai_status?", NULL::text AS "ai_text?", NULL::text AS "ai_message?",
               NULL::text AS "ai_model?", NULL::timestamptz AS "ai_generated_at?"
           FROM orders o WHERE o.id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut orders = vec![head.into_order()?];
    let lines = sqlx::query!(
        "SELECT order_id, product_id, sku, name, quantity, unit_price_cents, line_total_cents
         FROM order_lines WHERE order_id = $1 ORDER BY position",
        id
    )
    .fetch_all(&mut *conn)
    .await?
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
    let ids = [id];
    let shipment_rows = sqlx::query_as!(
        ShipmentRow,
        "SELECT id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by, delivered_at,
             idempotency_key, request_hash
         FROM shipments WHERE order_id = ANY($1) ORDER BY order_id, shipped_at, id",
        &ids[..]
    )
    .fetch_all(&mut *conn)
    .await?;
    let return_rows = sqlx::query_as!(
        ReturnRow,
        "SELECT r.id, r.order_id, o.number AS order_number, r.customer_id, r.status, r.lines, r.reason,
             r.refund_cents, r.currency, r.requested_by, r.created_at, r.updated_at, r.received_at,
             r.received_by, r.rejected_at, r.rejected_by, r.reject_reason, r.receipt_key, r.receipt_hash,
             r.inventory_owed
         FROM returns r JOIN orders o ON o.id = r.order_id
         WHERE r.order_id = ANY($1) ORDER BY r.order_id, r.created_at, r.id",
        &ids[..]
    )
    .fetch_all(&mut *conn)
    .await?;
    attach(
        &mut orders,
        lines,
        HashMap::new(),
        collect(shipment_rows, return_rows)?,
    )?;
    Ok(orders.pop())
}

async fn step_status(tx: &mut Tx<'_>, id: Uuid, step: &StatusStep) -> Result<()> {
    sqlx::query!(
        "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1",
        id,
        step.to.as_str(),
        step.at,
    )
    .execute(&mut **tx)
    .await?;
    insert_history(tx, id, step.to, step.at, &step.by, step.reason.as_deref()).await
}

pub async fn change_order(
    pool: &PgPool,
    id: OrderId,
    actor: &Actor,
    decide: &Decide<'_>,
) -> Result<Option<OrderChange>> {
    let id = id.as_uuid();
    let mut tx = pool.begin().await?;
    let Some(order) = locked_order(&mut tx, id).await? else {
        return Ok(None);
    };
    let change = decide(&order)?;
    // Recorded after the lock: two steps of one order are recorded in the order they commit.
    for event in crate::events::of_change(&order, &change, actor) {
        record(&mut tx, &event).await?;
    }
    match &change {
        OrderChange::Replayed(_) => return Ok(Some(change)),
        OrderChange::Ship { shipment, status } => {
            sqlx::query!(
                "INSERT INTO shipments (id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by,
                     idempotency_key, request_hash, inventory_owed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)",
                shipment.id,
                id,
                json_text(&shipment.lines)?,
                shipment.carrier,
                shipment.tracking_number,
                shipment.shipped_at,
                shipment.shipped_by,
                shipment.idempotency_key,
                shipment.request_hash,
            )
            .execute(&mut *tx)
            .await?;
            if let Some(step) = status {
                step_status(&mut tx, id, step).await?;
            }
        }
        OrderChange::Deliver {
            shipment_id,
            at,
            status,
        } => {
            sqlx::query!(
                "UPDATE shipments SET delivered_at = $3 WHERE id = $1 AND order_id = $2",
                shipment_id,
                id,
                at,
            )
            .execute(&mut *tx)
            .await?;
            if let Some(step) = status {
                step_status(&mut tx, id, step).await?;
            }
        }
        OrderChange::NewReturn(r) => {
            sqlx::query!(
                "INSERT INTO returns (id, order_id, customer_id, status, lines, reason, refund_cents, currency,
                     requested_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
                r.id,
                id,
                r.customer_id,
                r.status.as_str(),
                json_text(&r.lines)?,
                r.reason,
                r.refund_cents,
                r.currency,
                r.requested_by,
                r.created_at,
            )
            .execute(&mut *tx)
            .await?;
        }
        OrderChange::UpdateReturn(r) => {
            sqlx::query!(
                "UPDATE returns SET status = $3, lines = $4, refund_cents = $5, updated_at = $6,
                     received_at = $7, received_by = $8, rejected_at = $9, rejected_by = $10,
                     reject_reason = $11, receipt_key = $12, receipt_hash = $13, inventory_owed = $14
                 WHERE id = $1 AND order_id = $2",
                r.id,
                id,
                r.status.as_str(),
                json_text(&r.lines)?,
                r.refund_cents,
                r.updated_at,
                r.received_at,
                r.received_by,
                r.rejected_at,
                r.rejected_by,
                r.reject_reason,
                r.receipt_key,
                r.receipt_hash,
                r.inventory_owed,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(change))
}

pub async fn order_of_return(pool: &PgPool, id: Uuid) -> Result<Option<OrderId>> {
    Ok(
        sqlx::query_scalar!("SELECT order_id FROM returns WHERE id = $1", id)
            .fetch_optional(pool)
            .await?
            .map(OrderId::from),
    )
}

pub async fn list_returns(
    pool: &PgPool,
    filter: &ReturnFilter,
    page: &PageRequest,
) -> Result<Vec<Return>> {
    sqlx::query_as!(
        ReturnRow,
        "SELECT r.id, r.order_id, o.number AS order_number, r.customer_id, r.status, r.lines, r.reason,
             r.refund_cents, r.currency, r.requested_by, r.created_at, r.updated_at, r.received_at,
             r.received_by, r.rejected_at, r.rejected_by, r.reject_reason, r.receipt_key, r.receipt_hash,
             r.inventory_owed
         FROM returns r JOIN orders o ON o.id = r.order_id
         WHERE ($1::timestamptz IS NULL OR (r.created_at, r.id) < ($1, $2::uuid))
           AND ($3::text IS NULL OR r.status = $3)
           AND ($4::text IS NULL OR r.customer_id = $4)
         ORDER BY r.created_at DESC, r.id DESC LIMIT $5",
        page.after_time(),
        page.after_id(),
        filter.status.map(|s| s.as_str()),
        filter.customer_id.as_deref(),
        page.fetch(),
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ReturnRow::into_return)
    .collect()
}

pub async fn owed_shipments(
    pool: &PgPool,
    order: Option<OrderId>,
) -> Result<Vec<(OrderId, Shipment)>> {
    sqlx::query_as!(
        ShipmentRow,
        "SELECT id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by, delivered_at,
             idempotency_key, request_hash
         FROM shipments WHERE inventory_owed AND ($1::uuid IS NULL OR order_id = $1)
         ORDER BY shipped_at, id LIMIT 100",
        order.map(OrderId::as_uuid),
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ShipmentRow::into_shipment)
    .collect()
}

pub async fn shipment_paid(pool: &PgPool, id: Uuid) -> Result<()> {
    sqlx::query!(
        "UPDATE shipments SET inventory_owed = false WHERE id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn owed_returns(pool: &PgPool) -> Result<Vec<Return>> {
    sqlx::query_as!(
        ReturnRow,
        "SELECT r.id, r.order_id, o.number AS order_number, r.customer_id, r.status, r.lines, r.reason,
             r.refund_cents, r.currency, r.requested_by, r.created_at, r.updated_at, r.received_at,
             r.received_by, r.rejected_at, r.rejected_by, r.reject_reason, r.receipt_key, r.receipt_hash,
             r.inventory_owed
         FROM returns r JOIN orders o ON o.id = r.order_id
         WHERE r.inventory_owed ORDER BY r.updated_at LIMIT 100"
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ReturnRow::into_return)
    .collect()
}

pub async fn return_paid(pool: &PgPool, id: Uuid) -> Result<()> {
    sqlx::query!(
        "UPDATE returns SET inventory_owed = false WHERE id = $1",
        id
    )
    .execute(pool)
    .await?;
    Ok(())
}

//! Shipments and returns on SQLite. One connection is the one writer, so a fulfilment step's
//! transaction reads and writes its order with nothing else in between.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use contracts::OrderId;
use kernel::{
    outbox::{record_sqlite as record, Actor},
    pagination::PageRequest,
    time::to_db,
    Result,
};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::{fmt::Hyphenated, Uuid};

use super::{id_list, insert_history, text, Head, LineRow, Tx};
use crate::{
    domain::order_number,
    returns::Return,
    shipments::Shipment,
    store::{
        attach, json_text, stored_json, stored_return_status, Decide, Fulfilment, OrderChange,
        ReturnFilter, StatusStep, StoredLine,
    },
};

#[derive(sqlx::FromRow)]
struct ShipmentRow {
    id: Hyphenated,
    order_id: Hyphenated,
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
            self.order_id.into_uuid().into(),
            Shipment {
                id: self.id.into_uuid(),
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

#[derive(sqlx::FromRow)]
struct ReturnRow {
    id: Hyphenated,
    order_id: Hyphenated,
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
            id: self.id.into_uuid(),
            order_id: self.order_id.into_uuid().into(),
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

/// The shipment query, as a literal so `concat!` makes each full statement static.
macro_rules! shipments {
    () => {
        "SELECT id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by, delivered_at,
             idempotency_key, request_hash
         FROM shipments"
    };
}

/// The return query, as a literal so `concat!` makes each full statement static.
macro_rules! returns {
    () => {
        "SELECT r.id, r.order_id, o.number AS order_number, r.customer_id, r.status, r.lines,
             r.reason, r.refund_cents, r.currency, r.requested_by, r.created_at, r.updated_at,
             r.received_at, r.received_by, r.rejected_at, r.rejected_by, r.reject_reason,
             r.receipt_key, r.receipt_hash, r.inventory_owed
         FROM returns r JOIN orders o ON o.id = r.order_id"
    };
}

/// The shipments and returns of these orders (a JSON list of ids), oldest first.
pub async fn fulfilment_of(conn: &mut SqliteConnection, ids: &str) -> Result<Fulfilment> {
    let shipment_rows = sqlx::query_as::<_, ShipmentRow>(concat!(
        shipments!(),
        " WHERE order_id IN (SELECT value FROM json_each(?1)) ORDER BY order_id, shipped_at, id"
    ))
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let return_rows = sqlx::query_as::<_, ReturnRow>(concat!(
        returns!(),
        " WHERE r.order_id IN (SELECT value FROM json_each(?1)) ORDER BY r.order_id, r.created_at, r.id"
    ))
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
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

/// One order with lines, shipments and returns, read inside the writer's transaction.
async fn current_order(tx: &mut Tx<'_>, id: OrderId) -> Result<Option<crate::domain::Order>> {
    let Some(head) = sqlx::query_as::<_, Head>(concat!(head!(), " WHERE o.id = ?1"))
        .bind(text(id))
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let mut orders = vec![head.into_order()?];
    let lines = sqlx::query_as::<_, LineRow>(
        "SELECT order_id, product_id, sku, name, quantity, unit_price_cents, line_total_cents
         FROM order_lines WHERE order_id = ?1 ORDER BY position",
    )
    .bind(text(id))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(LineRow::stored)
    .collect::<Vec<StoredLine>>();
    let fulfilment = fulfilment_of(&mut *tx, &id_list(&[id])?).await?;
    attach(&mut orders, lines, HashMap::new(), fulfilment)?;
    Ok(orders.pop())
}

async fn step_status(tx: &mut Tx<'_>, id: OrderId, step: &StatusStep) -> Result<()> {
    sqlx::query("UPDATE orders SET status = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(text(id))
        .bind(step.to.as_str())
        .bind(to_db(step.at))
        .execute(&mut **tx)
        .await?;
    insert_history(tx, id, step.to, step.at, &step.by, step.reason.as_deref()).await
}

pub async fn change_order(
    pool: &SqlitePool,
    id: OrderId,
    actor: &Actor,
    decide: &Decide<'_>,
) -> Result<Option<OrderChange>> {
    let mut tx = pool.begin().await?;
    let Some(order) = current_order(&mut tx, id).await? else {
        return Ok(None);
    };
    let change = decide(&order)?;
    for event in crate::events::of_change(&order, &change, actor) {
        record(&mut tx, &event).await?;
    }
    match &change {
        OrderChange::Replayed(_) => return Ok(Some(change)),
        OrderChange::Ship { shipment, status } => {
            sqlx::query(
                "INSERT INTO shipments (id, order_id, lines, carrier, tracking_number, shipped_at, shipped_by,
                     idempotency_key, request_hash, inventory_owed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)",
            )
            .bind(shipment.id.hyphenated())
            .bind(text(id))
            .bind(json_text(&shipment.lines)?)
            .bind(&shipment.carrier)
            .bind(&shipment.tracking_number)
            .bind(to_db(shipment.shipped_at))
            .bind(&shipment.shipped_by)
            .bind(&shipment.idempotency_key)
            .bind(&shipment.request_hash)
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
            sqlx::query("UPDATE shipments SET delivered_at = ?3 WHERE id = ?1 AND order_id = ?2")
                .bind(shipment_id.hyphenated())
                .bind(text(id))
                .bind(to_db(*at))
                .execute(&mut *tx)
                .await?;
            if let Some(step) = status {
                step_status(&mut tx, id, step).await?;
            }
        }
        OrderChange::NewReturn(r) => {
            sqlx::query(
                "INSERT INTO returns (id, order_id, customer_id, status, lines, reason, refund_cents, currency,
                     requested_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            )
            .bind(r.id.hyphenated())
            .bind(text(id))
            .bind(&r.customer_id)
            .bind(r.status.as_str())
            .bind(json_text(&r.lines)?)
            .bind(&r.reason)
            .bind(r.refund_cents)
            .bind(&r.currency)
            .bind(&r.requested_by)
            .bind(to_db(r.created_at))
            .execute(&mut *tx)
            .await?;
        }
        OrderChange::UpdateReturn(r) => {
            sqlx::query(
                "UPDATE returns SET status = ?3, lines = ?4, refund_cents = ?5, updated_at = ?6,
                     received_at = ?7, received_by = ?8, rejected_at = ?9, rejected_by = ?10,
                     reject_reason = ?11, receipt_key = ?12, receipt_hash = ?13, inventory_owed = ?14
                 WHERE id = ?1 AND order_id = ?2",
            )
            .bind(r.id.hyphenated())
            .bind(text(id))
            .bind(r.status.as_str())
            .bind(json_text(&r.lines)?)
            .bind(r.refund_cents)
            .bind(to_db(r.updated_at))
            .bind(r.received_at.map(to_db))
            .bind(&r.received_by)
            .bind(r.rejected_at.map(to_db))
            .bind(&r.rejected_by)
            .bind(&r.reject_reason)
            .bind(&r.receipt_key)
            .bind(&r.receipt_hash)
            .bind(r.inventory_owed)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(change))
}

pub async fn order_of_return(pool: &SqlitePool, id: Uuid) -> Result<Option<OrderId>> {
    Ok(
        sqlx::query_scalar::<_, Hyphenated>("SELECT order_id FROM returns WHERE id = ?1")
            .bind(id.hyphenated())
            .fetch_optional(pool)
            .await?
            .map(|id| id.into_uuid().into()),
    )
}

pub async fn list_returns(
    pool: &SqlitePool,
    filter: &ReturnFilter,
    page: &PageRequest,
) -> Result<Vec<Return>> {
    sqlx::query_as::<_, ReturnRow>(concat!(
        returns!(),
        "
         WHERE (?1 IS NULL OR (r.created_at, r.id) < (?1, ?2))
           AND (?3 IS NULL OR r.status = ?3)
           AND (?4 IS NULL OR r.customer_id = ?4)
         ORDER BY r.created_at DESC, r.id DESC LIMIT ?5"
    ))
    .bind(page.after_time().map(to_db))
    .bind(page.after_id().map(|id| id.hyphenated()))
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.customer_id.as_deref())
    .bind(page.fetch())
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ReturnRow::into_return)
    .collect()
}

pub async fn owed_shipments(
    pool: &SqlitePool,
    order: Option<OrderId>,
) -> Result<Vec<(OrderId, Shipment)>> {
    sqlx::query_as::<_, ShipmentRow>(concat!(
        shipments!(),
        " WHERE inventory_owed AND (?1 IS NULL OR order_id = ?1) ORDER BY shipped_at, id LIMIT 100"
    ))
    .bind(order.map(text))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ShipmentRow::into_shipment)
    .collect()
}

pub async fn shipment_paid(pool: &SqlitePool, id: Uuid) -> Result<()> {
    sqlx::query("UPDATE shipments SET inventory_owed = 0 WHERE id = ?1")
        .bind(id.hyphenated())
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn owed_returns(pool: &SqlitePool) -> Result<Vec<Return>> {
    sqlx::query_as::<_, ReturnRow>(concat!(
        returns!(),
        " WHERE r.inventory_owed ORDER BY r.updated_at LIMIT 100"
    ))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(ReturnRow::into_return)
    .collect()
}

pub async fn return_paid(pool: &SqlitePool, id: Uuid) -> Result<()> {
    sqlx::query("UPDATE returns SET inventory_owed = 0 WHERE id = ?1")
        .bind(id.hyphenated())
        .execute(pool)
        .await?;
    Ok(())
}

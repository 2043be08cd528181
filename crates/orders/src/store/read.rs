//! Reading orders with their lines, history and AI summary, in a fixed number of queries.

use std::collections::HashMap;

use kernel::{
    legacy::db::Args,
    time::from_db,
    AppError, Result,
    {legacy::pagination::PageQuery, pagination::PageRequest},
};
use sqlx::{any::AnyRow, Row};
use uuid::Uuid;

use super::Store;
use crate::{
    domain::{order_number, OrderStatus},
    model::{AiSummary, HistoryEntry, Order, OrderLine},
};

#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub customer_id: Option<String>,
}

pub(super) const ORDER_SELECT: &str =
    "SELECT o.id, o.number, o.customer_id, o.customer_email, o.status, o.total_cents,
        o.currency, o.note, o.created_at, o.updated_at, s.status AS ai_status, s.text AS ai_text,
        s.customer_message AS ai_message, s.model AS ai_model, s.generated_at AS ai_generated_at
     FROM orders o LEFT JOIN ai_summaries s ON s.order_id = o.id";

fn uuid(row: &AnyRow, column: &str) -> Result<Uuid> {
    Uuid::parse_str(row.try_get::<&str, _>(column)?).map_err(AppError::internal)
}

fn status(text: &str) -> Result<OrderStatus> {
    OrderStatus::parse(text).ok_or_else(|| AppError::internal(format!("stored status {text:?}")))
}

/// An order from its row, lines and history still empty.
fn order_head(row: &AnyRow) -> Result<Order> {
    let generated: Option<String> = row.try_get("ai_generated_at")?;
    Ok(Order {
        id: uuid(row, "id")?,
        number: order_number(row.try_get("number")?),
        customer_id: row.try_get("customer_id")?,
        customer_email: row.try_get("customer_email")?,
        status: status(row.try_get("status")?)?,
        lines: Vec::new(),
        total_cents: row.try_get("total_cents")?,
        currency: row.try_get("currency")?,
        note: row.try_get("note")?,
        ai_summary: AiSummary {
            status: row
                .try_get::<Option<String>, _>("ai_status")?
                .unwrap_or_else(|| "disabled".into()),
            text: row.try_get("ai_text")?,
            customer_message: row.try_get("ai_message")?,
            model: row.try_get("ai_model")?,
            generated_at: generated.as_deref().map(from_db).transpose()?,
        },
        history: Vec::new(),
        created_at: from_db(row.try_get("created_at")?)?,
        updated_at: from_db(row.try_get("updated_at")?)?,
    })
}

impl Store {
    pub async fn get_order(&self, id: Uuid) -> Result<Option<Order>> {
        Ok(self.orders_by_ids(&[id]).await?.pop())
    }

    /// The orders with these ids, in no particular order; unknown ids are left out.
    pub async fn orders_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Order>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = Args::default();
        let list: Vec<String> = ids.iter().map(|id| args.text(id.to_string())).collect();
        let sql = format!("{ORDER_SELECT} WHERE o.id IN ({})", list.join(", "));
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        let mut orders = rows.iter().map(order_head).collect::<Result<Vec<_>>>()?;
        self.attach_details(&mut orders).await?;
        Ok(orders)
    }

    /// Newest first.
    pub async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Vec<Order>> {
        let mut query = PageQuery::default();
        if let Some(s) = filter.status {
            let status = query.args.text(s.as_str());
            query.filter(format!("o.status = {status}"));
        }
        if let Some(c) = &filter.customer_id {
            let customer = query.args.text(c.clone());
            query.filter(format!("o.customer_id = {customer}"));
        }
        let (sql, args) = query.finish(ORDER_SELECT, "o.", page);
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        let mut orders = rows.iter().map(order_head).collect::<Result<Vec<_>>>()?;
        self.attach_details(&mut orders).await?;
        Ok(orders)
    }

    /// Loads lines and history for all `orders` with one query each.
    async fn attach_details(&self, orders: &mut [Order]) -> Result<()> {
        if orders.is_empty() {
            return Ok(());
        }
        let mut args = Args::default();
        let ids: Vec<String> = orders.iter().map(|o| args.text(o.id.to_string())).collect();
        let in_list = ids.join(", ");
        let line_sql = format!(
            "SELECT order_id, product_id, sku, name, quantity, unit_price_cents, line_total_cents
             FROM order_lines WHERE order_id IN ({in_list}) ORDER BY order_id, position"
        );
        let history_sql = format!(
            "SELECT order_id, status, at, by_user, reason FROM order_history
             WHERE order_id IN ({in_list}) ORDER BY order_id, at, id"
        );
        let mut history_args = Args::default();
        for o in orders.iter() {
            history_args.text(o.id.to_string());
        }
        let (line_rows, history_rows) = tokio::try_join!(
            args.bind(&line_sql).fetch_all(&self.db.pool),
            history_args.bind(&history_sql).fetch_all(&self.db.pool)
        )?;
        let mut lines: HashMap<String, Vec<OrderLine>> = HashMap::new();
        for r in &line_rows {
            lines
                .entry(r.try_get("order_id")?)
                .or_default()
                .push(OrderLine {
                    product_id: uuid(r, "product_id")?,
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    quantity: r.try_get("quantity")?,
                    unit_price_cents: r.try_get("unit_price_cents")?,
                    line_total_cents: r.try_get("line_total_cents")?,
                });
        }
        let mut history: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
        for r in &history_rows {
            history
                .entry(r.try_get("order_id")?)
                .or_default()
                .push(HistoryEntry {
                    status: status(r.try_get("status")?)?,
                    at: from_db(r.try_get("at")?)?,
                    by: r.try_get("by_user")?,
                    reason: r.try_get("reason")?,
                });
        }
        for order in orders.iter_mut() {
            let id = order.id.to_string();
            order.lines = lines.remove(&id).unwrap_or_default();
            order.history = history.remove(&id).unwrap_or_default();
        }
        Ok(())
    }
}

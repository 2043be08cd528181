//! Order statistics from real orders: counts by status, revenue by day, top products.

use std::collections::BTreeMap;

use kernel::{time::to_db, AppError, Result};
use sqlx::Row;
use uuid::Uuid;

use super::Store;
use crate::{
    domain::OrderStatus,
    model::{DayRevenue, Stats, TopProduct},
};

/// Revenue counts orders that were confirmed and not cancelled.
const EARNING: &str = "status IN ('confirmed', 'fulfilled')";

impl Store {
    pub async fn stats(&self, days: i64) -> Result<Stats> {
        let since = to_db(chrono::Utc::now() - chrono::Duration::days(days));
        let pool = &self.db.pool;
        let by_status_sql =
            "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM orders GROUP BY status";
        let by_day_sql = format!(
            "SELECT SUBSTR(created_at, 1, 10) AS day, CAST(SUM(total_cents) AS BIGINT) AS revenue,
                    CAST(COUNT(*) AS BIGINT) AS n
             FROM orders WHERE {EARNING} AND created_at >= $1 GROUP BY SUBSTR(created_at, 1, 10) ORDER BY day"
        );
        let top_sql = format!(
            "SELECT l.product_id, MAX(l.sku) AS sku, MAX(l.name) AS name, CAST(SUM(l.quantity) AS BIGINT) AS qty,
                    CAST(SUM(l.line_total_cents) AS BIGINT) AS revenue
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.{EARNING} AND o.created_at >= $1
             GROUP BY l.product_id ORDER BY revenue DESC, qty DESC LIMIT 10"
        );
        let (status_rows, day_rows, top_rows) = tokio::try_join!(
            sqlx::query(by_status_sql).fetch_all(pool),
            sqlx::query(&by_day_sql).bind(&since).fetch_all(pool),
            sqlx::query(&top_sql).bind(&since).fetch_all(pool),
        )?;
        let mut by_status: BTreeMap<String, i64> = OrderStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        for r in &status_rows {
            by_status.insert(r.try_get("status")?, r.try_get("n")?);
        }
        let revenue_by_day = day_rows
            .iter()
            .map(|r| {
                Ok(DayRevenue {
                    date: r.try_get("day")?,
                    revenue_cents: r.try_get("revenue")?,
                    orders: r.try_get("n")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let top_products = top_rows
            .iter()
            .map(|r| {
                Ok(TopProduct {
                    product_id: Uuid::parse_str(r.try_get::<&str, _>("product_id")?)
                        .map_err(AppError::internal)?,
                    sku: r.try_get("sku")?,
                    name: r.try_get("name")?,
                    quantity: r.try_get("qty")?,
                    revenue_cents: r.try_get("revenue")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Stats {
            by_status,
            revenue_by_day,
            top_products,
            currency: self.currency.clone(),
        })
    }
}

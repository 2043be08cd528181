//! Order statistics (`GET /api/orders/stats`) and the dashboard the gateway assembles from
//! them, inventory's summary and its low-stock list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ProductId;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayRevenue {
    /// YYYY-MM-DD (UTC)
    pub date: String,
    pub revenue_cents: i64,
    pub orders: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TopProduct {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub revenue_cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// Count per status (every status present, zero when none).
    pub by_status: BTreeMap<String, i64>,
    pub revenue_by_day: Vec<DayRevenue>,
    pub top_products: Vec<TopProduct>,
    /// Refunds of returns received in the period. Revenue is gross: orders still count as
    /// sold after a return, and this is what was paid back.
    #[serde(default)]
    pub refunds_cents: i64,
    pub currency: String,
}

/// Why a dashboard section is missing: `{"unavailable": true, "reason": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Unavailable {
    /// Always `true`: what tells this apart from the section's data.
    pub unavailable: bool,
    /// For people: which service failed and how.
    pub reason: String,
}

impl Unavailable {
    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            unavailable: true,
            reason: reason.into(),
        }
    }
}

/// A dashboard section: its data, or why it is missing (the rest of the dashboard still shows).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Section<T> {
    Ready(T),
    Unavailable(Unavailable),
}

impl<T> Section<T> {
    /// The data, or the reason it is missing as [`Unavailable`].
    pub fn of(result: Result<T, String>) -> Self {
        match result {
            Ok(data) => Section::Ready(data),
            Err(reason) => Section::Unavailable(Unavailable::because(reason)),
        }
    }
}

/// `GET /api/dashboard`: everything staff need at a glance, each part from its own service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Dashboard {
    pub orders: Section<OrdersSection>,
    pub inventory: Section<InventorySection>,
    pub ai: Section<AiSection>,
    pub services: Services,
}

/// The orders part: the chosen period's statistics next to today's, and the latest orders.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrdersSection {
    /// Count per status, all time (every status present, zero when none).
    pub by_status: BTreeMap<String, i64>,
    /// Today's (UTC) entry of `revenue_by_day`, 0 when there is none.
    pub revenue_today_cents: i64,
    /// Sold orders (confirmed, partially fulfilled, fulfilled or delivered) placed today (UTC).
    pub orders_today: i64,
    /// The period `revenue_by_day` covers, in days, today included.
    #[schema(minimum = 1, maximum = 365)]
    pub period_days: i64,
    /// Revenue of the period, gross: orders confirmed, partially fulfilled, fulfilled or
    /// delivered, not cancelled. Refunds are in `refunds_period_cents`.
    pub revenue_period_cents: i64,
    /// Refunds of returns received in the period (subtract from revenue for net).
    #[serde(default)]
    pub refunds_period_cents: i64,
    /// Those orders' count.
    pub orders_period: i64,
    pub revenue_by_day: Vec<DayRevenue>,
    pub top_products: Vec<TopProduct>,
    pub currency: String,
    /// The ten newest orders, as orders' own API shows them (passed through unread).
    #[schema(schema_with = orders_schema)]
    pub recent: Vec<serde_json::Value>,
}

impl OrdersSection {
    /// Assembles the part from orders' statistics over `period_days` and its newest orders;
    /// `today` is `YYYY-MM-DD` (UTC), the format of [`DayRevenue::date`].
    pub fn new(
        stats: Stats,
        recent: Vec<serde_json::Value>,
        today: &str,
        period_days: i64,
    ) -> Self {
        let today_entry = stats.revenue_by_day.iter().find(|day| day.date == today);
        Self {
            by_status: stats.by_status,
            revenue_today_cents: today_entry.map_or(0, |day| day.revenue_cents),
            orders_today: today_entry.map_or(0, |day| day.orders),
            period_days,
            revenue_period_cents: stats.revenue_by_day.iter().map(|d| d.revenue_cents).sum(),
            orders_period: stats.revenue_by_day.iter().map(|d| d.orders).sum(),
            refunds_period_cents: stats.refunds_cents,
            revenue_by_day: stats.revenue_by_day,
            top_products: stats.top_products,
            currency: stats.currency,
            recent,
        }
    }
}

/// The inventory part: its summary and the products at or below their reorder point.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InventorySection {
    pub summary: crate::stock::Summary,
    /// Inventory's low-stock list, as its own API shows the products (passed through unread).
    #[schema(schema_with = products_schema)]
    pub low_stock: Vec<serde_json::Value>,
}

/// The AI part: orders' `/api/ai/status`, passed through unread.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiSection {
    #[schema(schema_with = ai_status_schema)]
    pub status: serde_json::Value,
}

/// Each service's health as the gateway sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Services {
    pub auth: ServiceHealth,
    pub inventory: ServiceHealth,
    pub orders: ServiceHealth,
    /// The audit log, webhooks, email and live updates. While it is down, changes still
    /// commit: their events wait in each service's outbox and follow when it is back.
    pub events: ServiceHealth,
}

impl Services {
    pub fn all_up(&self) -> bool {
        [&self.auth, &self.inventory, &self.orders, &self.events]
            .iter()
            .all(|s| matches!(s, ServiceHealth::Up { .. }))
    }
}

/// One service: up with its version, or down with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ServiceHealth {
    Up { version: Option<String> },
    Down { reason: String },
}

/// `GET /api/status`: the platform's health without signing in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlatformStatus {
    pub status: Overall,
    pub gateway: GatewayHealth,
    pub services: Services,
}

/// `ok` when every service is up, else `degraded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    Ok,
    Degraded,
}

/// The gateway answering is the gateway being up.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GatewayHealth {
    pub status: GatewayUp,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GatewayUp {
    Up,
}

// The passed-through parts are described by the owning services' own schemas, found by name
// in the merged public document: described exactly, and this crate compiles neither service.
fn orders_schema() -> utoipa::openapi::Array {
    utoipa::openapi::Array::new(utoipa::openapi::Ref::from_schema_name("Order"))
}

fn products_schema() -> utoipa::openapi::Array {
    utoipa::openapi::Array::new(utoipa::openapi::Ref::from_schema_name("Product"))
}

fn ai_status_schema() -> utoipa::openapi::Ref {
    utoipa::openapi::Ref::from_schema_name("AiStatus")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_unavailable_section_says_so_and_why() {
        let section: Section<AiSection> =
            Section::of(Err("the orders service is unreachable".into()));
        assert_eq!(
            serde_json::to_value(section).unwrap(),
            json!({"unavailable": true, "reason": "the orders service is unreachable"})
        );
    }

    #[test]
    fn service_health_is_up_with_a_version_or_down_with_a_reason() {
        let up = ServiceHealth::Up {
            version: Some("1.2.3".into()),
        };
        let down = ServiceHealth::Down {
            reason: "unreachable".into(),
        };
        assert_eq!(
            serde_json::to_value(up).unwrap(),
            json!({"status": "up", "version": "1.2.3"})
        );
        assert_eq!(
            serde_json::to_value(down).unwrap(),
            json!({"status": "down", "reason": "unreachable"})
        );
    }

    #[test]
    fn the_period_sums_every_day_and_today_is_its_own_entry() {
        let day = |date: &str, revenue_cents, orders| DayRevenue {
            date: date.into(),
            revenue_cents,
            orders,
        };
        let stats = Stats {
            by_status: BTreeMap::new(),
            revenue_by_day: vec![day("2026-01-01", 500, 1), day("2026-01-02", 700, 2)],
            top_products: vec![],
            refunds_cents: 0,
            currency: "EUR".into(),
        };
        let part = OrdersSection::new(stats, vec![], "2026-01-02", 7);
        assert_eq!(
            (
                part.revenue_period_cents,
                part.orders_period,
                part.period_days
            ),
            (1200, 3, 7)
        );
        assert_eq!((part.revenue_today_cents, part.orders_today), (700, 2));
    }

    #[test]
    fn revenue_today_is_the_entry_dated_today_or_zero() {
        let stats = Stats {
            by_status: BTreeMap::new(),
            revenue_by_day: vec![
                DayRevenue {
                    date: "2026-01-01".into(),
                    revenue_cents: 500,
                    orders: 1,
                },
                DayRevenue {
                    date: "2026-01-02".into(),
                    revenue_cents: 700,
                    orders: 2,
                },
            ],
            top_products: vec![],
            refunds_cents: 0,
            currency: "EUR".into(),
        };
        assert_eq!(
            OrdersSection::new(stats.clone(), vec![], "2026-01-02", 30).revenue_today_cents,
            700
        );
        assert_eq!(
            OrdersSection::new(stats, vec![], "2026-01-03", 30).revenue_today_cents,
            0
        );
    }
}

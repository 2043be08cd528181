//! What the orders API sends and receives.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{LineRequest, OrderStatus};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    pub lines: Vec<LineRequest>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub line_total_cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    /// The user (or `system`) that caused the change.
    pub by: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiSummary {
    /// pending, ready, failed or disabled
    pub status: String,
    /// For staff only: customers get `null` here and read `customer_message`.
    pub text: Option<String>,
    pub customer_message: Option<String>,
    pub model: Option<String>,
    pub generated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    /// Human order number, e.g. SR-001001
    pub number: String,
    pub customer_id: String,
    pub customer_email: String,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    pub currency: String,
    pub note: Option<String>,
    pub ai_summary: AiSummary,
    pub history: Vec<HistoryEntry>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// The order as `caller` may read it: staff see the staff summary (`text`); a customer
    /// sees only what is meant for them, the `customer_message`.
    pub fn seen_by(mut self, caller: &kernel::auth::AuthUser) -> Self {
        if !caller.role().is_staff() {
            self.ai_summary.text = None;
        }
        self
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Reason {
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DayRevenue {
    /// YYYY-MM-DD (UTC)
    pub date: String,
    pub revenue_cents: i64,
    pub orders: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TopProduct {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub revenue_cents: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// Count per status (every status present, zero when none).
    pub by_status: std::collections::BTreeMap<String, i64>,
    pub revenue_by_day: Vec<DayRevenue>,
    pub top_products: Vec<TopProduct>,
    pub currency: String,
}

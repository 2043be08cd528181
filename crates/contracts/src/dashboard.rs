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
    pub currency: String,
}

/// A dashboard section: its data, or why it is missing (the rest of the dashboard still shows).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Section<T> {
    Ready(T),
    Unavailable { unavailable: String },
}

//! Stock levels (`GET /internal/stock`) and inventory's summary (`GET /api/inventory/summary`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ProductId;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockLevel {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub reorder_point: i64,
    pub reorder_quantity: i64,
    pub lead_time_days: Option<i64>,
    pub active: bool,
    /// Units on open purchase orders not yet received (absent from older inventories: 0).
    #[serde(default)]
    pub on_order: i64,
    /// When the earliest open purchase order with this product is expected.
    #[serde(default)]
    pub expected_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl StockLevel {
    /// At or below its reorder point.
    pub fn is_low(&self) -> bool {
        self.available <= self.reorder_point
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StockLevels {
    pub items: Vec<StockLevel>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    pub products: i64,
    pub active_products: i64,
    pub units_on_hand: i64,
    pub units_reserved: i64,
    pub stock_value_cents: i64,
    pub low_stock: i64,
    pub currency: String,
}

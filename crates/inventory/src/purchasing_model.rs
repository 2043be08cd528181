//! What the purchasing API sends and receives.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::purchasing::PoStatus;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrder {
    pub id: Uuid,
    /// `PO-000123`
    #[schema(pattern = "^PO-[0-9]{6,}$")]
    pub number: String,
    pub supplier_id: Uuid,
    pub supplier_name: String,
    pub status: PoStatus,
    pub lines: Vec<PurchaseOrderLine>,
    /// The sum of the lines whose cost is known.
    pub total_cents: i64,
    pub currency: String,
    pub expected_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_by: String,
    pub history: Vec<PurchaseOrderEvent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity_ordered: i64,
    pub quantity_received: i64,
    /// `null` when the cost is not known yet.
    pub unit_cost_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurchaseOrderEvent {
    pub status: PoStatus,
    pub at: DateTime<Utc>,
    /// The user (token subject) who made the change.
    pub by: String,
    pub note: Option<String>,
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub product_id: Uuid,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
    /// Defaults to the product's `cost_cents`.
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub unit_cost_cents: Option<i64>,
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePurchaseOrder {
    pub supplier_id: Uuid,
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineInput>,
    pub expected_at: Option<DateTime<Utc>>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Absent fields stay as they are; `null` clears `expected_at` or `note`; `lines` replaces
/// every line.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePurchaseOrder {
    pub supplier_id: Option<Uuid>,
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Option<Vec<LineInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expected_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub note: Option<Option<String>>,
}

/// Tells a present `null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    pub product_id: Uuid,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub quantity: i64,
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<ReceiptLineInput>,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromRestock {
    /// Only these products (default: every active product at or below its reorder point).
    #[schema(max_items = 1000)]
    pub product_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FromRestockResult {
    /// One draft per supplier.
    pub created: Vec<PurchaseOrder>,
    /// Products that need ordering but name no supplier.
    pub skipped: Vec<SkippedProduct>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SkippedProduct {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub suggested_quantity: i64,
    pub reason: SkipReason,
}

/// Why restock advice did not become a purchase order line.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The product names no supplier to order from.
    NoSupplier,
}

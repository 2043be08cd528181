//! What inventory's public API sends and receives. The `/internal` API and the summary speak
//! the shared `contracts` types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use contracts::{OrderId, ProductId};

use crate::domain::Reason;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Product {
    #[schema(value_type = Uuid)]
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub supplier_id: Option<Uuid>,
    pub price_cents: i64,
    pub currency: String,
    pub on_hand: i64,
    pub reserved: i64,
    /// `on_hand - reserved`
    pub available: i64,
    /// The product's own reorder point; 0 means none set (the deployment default applies).
    pub reorder_point: i64,
    /// Read-only: the point low stock is judged at, the product's own or, when that is 0,
    /// `DEFAULT_REORDER_POINT`; `available <= effective_reorder_point` is low. 0 for customers.
    pub effective_reorder_point: i64,
    pub reorder_quantity: i64,
    /// Units on open purchase orders (`ordered` or `partially_received`) not yet received.
    pub on_order: i64,
    /// What one unit costs to buy, when known; stock value uses it before the price.
    pub cost_cents: Option<i64>,
    pub active: bool,
    /// Bumped by every catalogue edit; the `ETag` is this number.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The reorder point low stock is judged at: the product's own, or the deployment default
/// when it has none (0), as the low-stock queries' `COALESCE(NULLIF(reorder_point, 0), default)`.
pub fn effective_reorder_point(own: i64, default: i64) -> i64 {
    if own > 0 {
        own
    } else {
        default
    }
}

impl Product {
    /// The product as `role` may see it. A customer sees what it is, its price and how many
    /// can be ordered: stock is reported as available only (`on_hand` = `available`,
    /// `reserved` 0), and the supplier, the cost, the reorder settings and what is on order
    /// are withheld (null or 0).
    pub fn seen_by(self, role: kernel::auth::Role) -> Self {
        if role.is_staff() {
            return self;
        }
        Self {
            supplier_id: None,
            on_hand: self.available,
            reserved: 0,
            reorder_point: 0,
            effective_reorder_point: 0,
            reorder_quantity: 0,
            on_order: 0,
            cost_cents: None,
            ..self
        }
    }
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// 1–64 of `A-Z0-9-_.`, upper-cased when stored.
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,64}$", max_length = 64, min_length = 1)]
    pub sku: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub category: String,
    pub supplier_id: Option<Uuid>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub price_cents: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub reorder_point: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub reorder_quantity: i64,
    /// Recorded as a `received` movement.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub initial_stock: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub cost_cents: Option<i64>,
}

/// Absent fields stay as they are; `"supplier_id": null` clears the supplier.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(max_length = 100)]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub supplier_id: Option<Option<Uuid>>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub price_cents: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub reorder_point: Option<i64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub reorder_quantity: Option<i64>,
    /// `null` clears a known cost.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub cost_cents: Option<Option<i64>>,
    pub active: Option<bool>,
    /// Optimistic concurrency, like `If-Match`: 409 when the product changed since.
    pub version: Option<i64>,
}

/// Tells a present `null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Movement {
    pub id: Uuid,
    #[schema(value_type = Uuid)]
    pub product_id: ProductId,
    pub reason: Reason,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    #[schema(value_type = Option<Uuid>)]
    pub order_id: Option<OrderId>,
    /// The purchase order goods came in on.
    pub purchase_order_id: Option<Uuid>,
    pub user_id: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    #[schema(value_type = Uuid)]
    pub product_id: ProductId,
    /// Not 0; positive for received and returned, negative for damaged and lost.
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000)]
    pub delta: i64,
    /// received, returned, damaged, lost or correction
    #[schema(pattern = "^(received|returned|damaged|lost|correction)$")]
    pub reason: String,
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentResult {
    pub movement: Movement,
    pub product: Product,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Supplier {
    pub id: Uuid,
    pub name: String,
    pub contact_email: Option<String>,
    pub phone: Option<String>,
    pub lead_time_days: i64,
    pub created_at: DateTime<Utc>,
}

// Serialize: its canonical JSON is the request's idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    /// Required when creating.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// Empty, or an address with an `@`.
    #[schema(max_length = 254, pattern = "^(\\s*|[^@]*@.*)$")]
    pub contact_email: Option<String>,
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    #[schema(minimum = 0, maximum = 365)]
    pub lead_time_days: Option<i64>,
}

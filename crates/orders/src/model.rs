//! What the orders API sends and receives.

use chrono::{DateTime, Utc};
use contracts::{OrderId, ProductId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    address::ShippingAddress,
    domain::{LineRequest, OrderStatus},
    returns::Return,
    shipments::Shipment,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// 1–100 lines; lines of the same product are merged.
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<LineRequest>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// Where to ship; absent means pickup.
    pub shipping_address: Option<ShippingAddress>,
    /// Staff only: the customer this order is for (it becomes theirs; the history records
    /// who placed it). 422 when no such user exists.
    #[schema(format = Uuid)]
    pub customer_id: Option<String>,
    /// Staff only: when an order taken earlier (on paper, in another system) was placed,
    /// within the last 366 days and not in the future. Stats and the order list use it; the
    /// history notes when it was recorded. Absent: now.
    pub placed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    pub product_id: ProductId,
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

/// Where an order's AI summary stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SummaryStatus {
    Pending,
    Ready,
    Failed,
    /// AI is not configured (or was not when the order was placed).
    Disabled,
}

impl SummaryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Ready, Self::Failed, Self::Disabled]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiSummary {
    pub status: SummaryStatus,
    /// For staff only: customers get `null` here and read `customer_message`.
    pub text: Option<String>,
    pub customer_message: Option<String>,
    pub model: Option<String>,
    pub generated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: OrderId,
    /// Human order number, e.g. SR-001001
    pub number: String,
    pub customer_id: String,
    pub customer_email: String,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    pub total_cents: i64,
    pub currency: String,
    pub note: Option<String>,
    /// Where it ships; `null` is pickup.
    #[serde(default)]
    pub shipping_address: Option<ShippingAddress>,
    /// The staff member who placed it for its customer; `null` when the customer did.
    #[serde(default)]
    pub placed_by: Option<String>,
    pub ai_summary: AiSummary,
    pub history: Vec<HistoryEntry>,
    /// Oldest first.
    #[serde(default)]
    pub shipments: Vec<Shipment>,
    /// Oldest first.
    #[serde(default)]
    pub returns: Vec<Return>,
    /// Until when its customer may ask for a return (`RETURN_WINDOW_DAYS` after the last
    /// delivery, or shipping for what has not arrived); `null` while nothing shipped is left
    /// to return. Staff may record returns after it too.
    #[serde(default)]
    pub returnable_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AiSummary {
    pub fn disabled() -> Self {
        Self {
            status: SummaryStatus::Disabled,
            text: None,
            customer_message: None,
            model: None,
            generated_at: None,
        }
    }
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

/// Why an order is cancelled (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(as = CancelOrder)]
pub struct Reason {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

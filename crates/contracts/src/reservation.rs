//! Inventory's `/internal/reservations` API: orders reserves an order's lines all-or-nothing
//! (the reservation id is the order id), then commits or releases them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{OrderId, ProductId, Quantity};

/// `POST /internal/reservations`. Safe to repeat with the same id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveRequest {
    pub reservation_id: OrderId,
    pub lines: Vec<ReserveLine>,
}

/// Unknown fields in a line are ignored, as inventory always has (only the request itself
/// refuses them).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReserveLine {
    pub product_id: ProductId,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    Held,
    Released,
    Committed,
}

impl ReservationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Released => "released",
            Self::Committed => "committed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Held, Self::Released, Self::Committed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// How a held reservation ends: its stock leaves the warehouse, or goes back on the shelf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    Commit,
    Release,
}

impl Settlement {
    /// The state a reservation is in once settled this way.
    pub fn outcome(self) -> ReservationStatus {
        match self {
            Self::Commit => ReservationStatus::Committed,
            Self::Release => ReservationStatus::Released,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReservedLine {
    pub product_id: ProductId,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub sku: String,
    pub name: String,
}

/// The answer to a reservation request, a commit, or a repeat of either.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    pub reservation_id: OrderId,
    pub status: ReservationStatus,
    pub lines: Vec<ReservedLine>,
    pub total_cents: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShortReason {
    Insufficient,
    Unknown,
    Inactive,
}

/// A line that could not be reserved (in the 409's `short_lines`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShortLine {
    pub product_id: ProductId,
    pub requested: i64,
    pub available: i64,
    pub reason: ShortReason,
}

/// One held reservation in `GET /internal/reservations?older_than_ms=`: orders looks for holds
/// whose order never got written (the process died between inventory's commit and its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Hold {
    pub reservation_id: OrderId,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A page of holds, oldest first; the next page starts after the last item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldPage {
    pub items: Vec<Hold>,
}

/// `POST /internal/reservations/{id}/commit`. Without `lines`, everything still held leaves
/// (the whole order, as before shipments). With `lines`, only those units leave, and
/// `commit_id` (the shipment's id) makes the call idempotent: a commit id inventory has
/// applied is answered again without committing twice.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_id: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<ReserveLine>>,
}

/// `POST /internal/returns`: units of a received return that go back on the shelf, each a
/// `returned` movement naming the order. Idempotent by `return_id`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestockRequest {
    pub return_id: uuid::Uuid,
    pub order_id: OrderId,
    pub lines: Vec<ReserveLine>,
}

/// The answer to a restock, or to a repeat of it (`repeated: true`, nothing changed again).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Restocked {
    pub return_id: uuid::Uuid,
    pub repeated: bool,
}

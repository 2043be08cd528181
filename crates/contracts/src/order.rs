//! An order's states and the one place its state machine lives.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Rejected,
    Failed,
    Cancelled,
    /// Some of its units have shipped, the rest are still reserved.
    PartiallyFulfilled,
    /// Every unit has shipped.
    Fulfilled,
    /// Every unit has shipped and every shipment has arrived.
    Delivered,
}

/// A status change the state machine does not allow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an order that is {} cannot become {}", from.as_str(), to.as_str())]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Rejected,
        OrderStatus::Failed,
        OrderStatus::Cancelled,
        OrderStatus::PartiallyFulfilled,
        OrderStatus::Fulfilled,
        OrderStatus::Delivered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::PartiallyFulfilled => "partially_fulfilled",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Delivered => "delivered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// `pending → confirmed | rejected | failed`; `confirmed → partially_fulfilled |
    /// fulfilled | cancelled`; `partially_fulfilled → fulfilled | cancelled` (a further partial
    /// shipment leaves it where it is); `fulfilled → delivered`.
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, InvalidTransition> {
        use OrderStatus::*;
        match (self, to) {
            (Pending, Confirmed | Rejected | Failed)
            | (Confirmed, Cancelled | PartiallyFulfilled | Fulfilled)
            | (PartiallyFulfilled, Cancelled | Fulfilled)
            | (Fulfilled, Delivered) => Ok(to),
            _ => Err(InvalidTransition { from: self, to }),
        }
    }

    /// Units may still ship: the order holds stock not yet shipped.
    pub fn ships(self) -> bool {
        matches!(
            self,
            OrderStatus::Confirmed | OrderStatus::PartiallyFulfilled
        )
    }

    /// Counted as sold in revenue and demand: confirmed and not cancelled.
    pub fn is_sold(self) -> bool {
        matches!(
            self,
            OrderStatus::Confirmed
                | OrderStatus::PartiallyFulfilled
                | OrderStatus::Fulfilled
                | OrderStatus::Delivered
        )
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;

    #[test]
    fn only_confirmed_orders_are_cancelled_or_fulfilled() {
        assert!(Confirmed.transition(Cancelled).is_ok());
        assert!(Confirmed.transition(Fulfilled).is_ok());
        assert!(Confirmed.transition(PartiallyFulfilled).is_ok());
        assert!(PartiallyFulfilled.transition(Cancelled).is_ok());
        assert!(PartiallyFulfilled.transition(Fulfilled).is_ok());
        assert!(Fulfilled.transition(Delivered).is_ok());
        assert!(Pending.transition(Fulfilled).is_err());
        assert!(Fulfilled.transition(Cancelled).is_err());
        assert!(Delivered.transition(Cancelled).is_err());
        assert!(Confirmed.transition(Delivered).is_err());
    }

    #[test]
    fn the_new_states_are_snake_case_on_the_wire() {
        assert_eq!(
            serde_json::to_string(&PartiallyFulfilled).unwrap(),
            "\"partially_fulfilled\""
        );
        assert_eq!(serde_json::to_string(&Fulfilled).unwrap(), "\"fulfilled\"");
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in super::OrderStatus::ALL {
            assert_eq!(super::OrderStatus::parse(s.as_str()), Some(s));
        }
    }
}

//! An order's states and the one place its state machine lives.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Rejected,
    Failed,
    Cancelled,
    Fulfilled,
}

/// A status change the state machine does not allow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("an order that is {} cannot become {}", from.as_str(), to.as_str())]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Rejected,
        OrderStatus::Failed,
        OrderStatus::Cancelled,
        OrderStatus::Fulfilled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Fulfilled => "fulfilled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// `pending → confirmed | rejected | failed`, `confirmed → cancelled | fulfilled`.
    pub fn transition(self, to: OrderStatus) -> Result<OrderStatus, InvalidTransition> {
        use OrderStatus::*;
        match (self, to) {
            (Pending, Confirmed | Rejected | Failed) | (Confirmed, Cancelled | Fulfilled) => Ok(to),
            _ => Err(InvalidTransition { from: self, to }),
        }
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
        assert!(Pending.transition(Fulfilled).is_err());
        assert!(Fulfilled.transition(Cancelled).is_err());
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in super::OrderStatus::ALL {
            assert_eq!(super::OrderStatus::parse(s.as_str()), Some(s));
        }
    }
}

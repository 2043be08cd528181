//! A count of units in an order line or a reservation line.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::limits::MAX_LINE_QUANTITY;

/// Units of one product in one line: 1 to [`MAX_LINE_QUANTITY`]. On the wire a plain integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
#[schema(value_type = i64, minimum = 1, maximum = 10_000, example = 2)]
pub struct Quantity(i64);

/// A quantity outside 1 to [`MAX_LINE_QUANTITY`]; the message is the one a client reads
/// against the line's `quantity` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {MAX_LINE_QUANTITY}")]
pub struct BadQuantity(pub i64);

impl Quantity {
    pub const MIN: Quantity = Quantity(1);
    pub const MAX: Quantity = Quantity(MAX_LINE_QUANTITY);

    /// The only place the rule lives.
    pub fn new(units: i64) -> Result<Self, BadQuantity> {
        if (1..=MAX_LINE_QUANTITY).contains(&units) {
            Ok(Self(units))
        } else {
            Err(BadQuantity(units))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = BadQuantity;
    fn try_from(units: i64) -> Result<Self, Self::Error> {
        Self::new(units)
    }
}

impl From<Quantity> for i64 {
    fn from(q: Quantity) -> Self {
        q.0
    }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_run_from_one_to_the_line_limit() {
        assert_eq!(Quantity::new(1).map(Quantity::get), Ok(1));
        assert_eq!(
            Quantity::new(MAX_LINE_QUANTITY).map(Quantity::get),
            Ok(MAX_LINE_QUANTITY)
        );
        for bad in [0, -1, MAX_LINE_QUANTITY + 1, i64::MIN, i64::MAX] {
            assert_eq!(Quantity::new(bad), Err(BadQuantity(bad)), "{bad}");
        }
        assert_eq!(
            BadQuantity(0).to_string(),
            format!("must be between 1 and {MAX_LINE_QUANTITY}")
        );
    }

    #[test]
    fn the_schema_is_an_int64_bounded_by_the_line_limit() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Quantity::schema()).unwrap();
        assert_eq!(schema["type"], "integer", "{schema}");
        assert_eq!(schema["format"], "int64", "{schema}");
        assert_eq!(schema["minimum"], 1, "{schema}");
        assert_eq!(schema["maximum"], MAX_LINE_QUANTITY, "{schema}");
    }

    #[test]
    fn a_quantity_is_a_plain_integer_on_the_wire() {
        let q: Quantity = serde_json::from_str("7").unwrap();
        assert_eq!(q.get(), 7);
        assert_eq!(serde_json::to_string(&q).unwrap(), "7");
        assert!(serde_json::from_str::<Quantity>("0").is_err());
        assert!(serde_json::from_str::<Quantity>("10001").is_err());
        assert!(serde_json::from_str::<Quantity>("\"7\"").is_err());
    }
}

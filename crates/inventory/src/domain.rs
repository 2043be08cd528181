//! Inventory's domain types and rules. Constructors are the only place a rule lives.

use kernel::FieldError;

/// A stock-keeping unit: 1–64 of `A-Z0-9-_.`, normalised to upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let sku = raw.trim().to_ascii_uppercase();
        let valid = (1..=64).contains(&sku.len())
            && sku
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-_.".contains(c));
        if valid {
            Ok(Self(sku))
        } else {
            Err("must be 1 to 64 characters of A-Z, 0-9, '-', '_' or '.'".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why stock changed. The first five are what staff record; the rest are written by
/// reservations.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Received,
    Returned,
    Damaged,
    Lost,
    Correction,
    Reserved,
    Released,
    Committed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Received => "received",
            Reason::Returned => "returned",
            Reason::Damaged => "damaged",
            Reason::Lost => "lost",
            Reason::Correction => "correction",
            Reason::Reserved => "reserved",
            Reason::Released => "released",
            Reason::Committed => "committed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// The sign a manual adjustment with this reason must have.
    pub fn check_delta(self, delta: i64) -> Result<(), &'static str> {
        match self {
            _ if delta == 0 => Err("must not be 0"),
            Reason::Received | Reason::Returned if delta < 0 => {
                Err("must be positive for received and returned stock")
            }
            Reason::Damaged | Reason::Lost if delta > 0 => {
                Err("must be negative for damaged and lost stock")
            }
            Reason::Reserved | Reason::Released | Reason::Committed => {
                Err("is set by orders, not by hand")
            }
            _ if delta.abs() > 1_000_000_000 => Err("is too large"),
            _ => Ok(()),
        }
    }
}

pub const MAX_PRICE_CENTS: i64 = 1_000_000_000_000;
pub const MAX_STOCK: i64 = 1_000_000_000;

/// Checks a text field: trimmed length within `min..=max`.
pub fn text(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let value = value.trim();
    let n = value.chars().count();
    if n < min || n > max {
        let message = if min == 0 {
            format!("must be at most {max} characters")
        } else {
            format!("must be {min} to {max} characters")
        };
        errors.push(FieldError::new(field, message));
    }
    value.to_string()
}

/// Checks an integer field lies within `min..=max`.
pub fn range(field: &str, value: i64, min: i64, max: i64, errors: &mut Vec<FieldError>) -> i64 {
    if value < min || value > max {
        errors.push(FieldError::new(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_upper_cased_and_checked() {
        assert_eq!(Sku::parse(" ab-1_2.x ").unwrap().as_str(), "AB-1_2.X");
        for bad in ["", "a b", "ä", &"A".repeat(65), "A/B"] {
            assert!(Sku::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn adjustment_signs_follow_the_reason() {
        assert!(Reason::Received.check_delta(5).is_ok());
        assert!(Reason::Received.check_delta(-5).is_err());
        assert!(Reason::Damaged.check_delta(-1).is_ok());
        assert!(Reason::Lost.check_delta(1).is_err());
        assert!(Reason::Correction.check_delta(-3).is_ok());
        assert!(Reason::Correction.check_delta(0).is_err());
        assert!(Reason::Reserved.check_delta(1).is_err());
    }
}

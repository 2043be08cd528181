//! Money is integer minor units (cents) with its currency; never a float.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An ISO 4217 code: three upper-case letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[A-Z]{3}$", example = "EUR")]
pub struct Currency(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not a currency code: use three upper-case letters (ISO 4217), e.g. EUR")]
pub struct BadCurrency(pub String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, BadCurrency> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code.to_string()))
        } else {
            Err(BadCurrency(code.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = BadCurrency;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.0
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in a currency's minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Money {
    pub cents: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Self {
        Self { cents, currency }
    }

    /// `quantity` units at this price; `None` on overflow.
    pub fn times(&self, quantity: i64) -> Option<Money> {
        Some(Money::new(
            self.cents.checked_mul(quantity)?,
            self.currency.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_upper_case_letters() {
        assert!(Currency::parse("EUR").is_ok());
        for bad in ["eur", "EURO", "E1R", "", "€€€"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn multiplying_money_refuses_to_overflow() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            Money::new(250, eur.clone()).times(4),
            Some(Money::new(1000, eur.clone()))
        );
        assert_eq!(Money::new(i64::MAX, eur).times(2), None);
    }
}

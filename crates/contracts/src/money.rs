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

/// Arithmetic that would not fit in an `i64` of minor units, or mixes currencies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("the amount is too large to represent")]
    Overflow,
    #[error("cannot add {0} to {1}")]
    CurrencyMismatch(Currency, Currency),
}

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Self {
        Self { cents, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// `quantity` units at this price, refused rather than wrapped on overflow.
    pub fn times(&self, quantity: i64) -> Result<Money, MoneyError> {
        let cents = self
            .cents
            .checked_mul(quantity)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(cents, self.currency.clone()))
    }

    /// The sum of two amounts in one currency, refused rather than wrapped on overflow.
    pub fn plus(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(
                other.currency.clone(),
                self.currency.clone(),
            ));
        }
        let cents = self
            .cents
            .checked_add(other.cents)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(cents, self.currency.clone()))
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
            Ok(Money::new(1000, eur.clone()))
        );
        assert_eq!(
            Money::new(i64::MAX, eur.clone()).times(2),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(i64::MIN, eur).times(-1),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn adding_money_refuses_to_overflow_or_mix_currencies() {
        let eur = Currency::parse("EUR").unwrap();
        let usd = Currency::parse("USD").unwrap();
        let a = Money::new(250, eur.clone());
        assert_eq!(a.plus(&a), Ok(Money::new(500, eur.clone())));
        assert_eq!(
            Money::new(i64::MAX, eur.clone()).plus(&Money::new(1, eur.clone())),
            Err(MoneyError::Overflow)
        );
        assert!(matches!(
            a.plus(&Money::new(1, usd)),
            Err(MoneyError::CurrencyMismatch(..))
        ));
    }
}

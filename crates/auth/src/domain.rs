//! Auth's domain types: each constructor is the only place its rule lives.

use std::fmt;

use kernel::{auth::Role, FieldError};
use serde::{de, Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A normalised (trimmed, lower-case) email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            })
            && !email.chars().any(char::is_whitespace);
        if valid {
            Ok(Self(email))
        } else {
            Err(FieldError::new(
                "email",
                "must be an email address such as ana@example.com",
            ))
        }
    }

    /// An address this service stored after parsing it. Not checked again: a later, stricter
    /// rule must not make existing accounts unreadable.
    pub(crate) fn from_stored(email: String) -> Self {
        Self(email)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy: 8–128 characters and not the email itself.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str, email: Option<&Email>) -> Result<Self, FieldError> {
        let len = raw.chars().count();
        if !(8..=128).contains(&len) {
            return Err(FieldError::new(
                "password",
                "must be 8 to 128 characters long",
            ));
        }
        if email.is_some_and(|e| raw.trim().eq_ignore_ascii_case(e.as_str())) {
            return Err(FieldError::new(
                "password",
                "must not be your email address",
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A display name: 1–100 characters after trimming.
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        match name.chars().count() {
            1..=100 => Ok(Self(name.to_string())),
            _ => Err(FieldError::new("name", "must be 1 to 100 characters long")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Request text of at most `MAX` characters, refused while the body is parsed (422 naming the
/// field): an over-long value is never copied, normalised, hashed or used as a key.
#[derive(Clone)]
pub struct Bounded<const MAX: usize>(String);

impl<const MAX: usize> Bounded<MAX> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Bounded<MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<const MAX: usize>;
        impl<const MAX: usize> de::Visitor<'_> for Visitor<MAX> {
            type Value = Bounded<MAX>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a string of at most {MAX} characters")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                // A character is at most 4 bytes: longer text is refused without counting.
                if text.len() > MAX * 4 || text.chars().count() > MAX {
                    return Err(E::custom(format!("must be at most {MAX} characters long")));
                }
                Ok(Bounded(text.to_owned()))
            }
        }
        deserializer.deserialize_str(Visitor::<MAX>)
    }
}

/// A user as the API shows it (never with the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@example",
            "a b@example.com",
            "ana@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn over_long_text_is_refused_while_parsing() {
        let ok: Bounded<4> = serde_json::from_str("\"abcd\"").unwrap();
        assert_eq!(ok.as_str(), "abcd");
        assert!(serde_json::from_str::<Bounded<4>>("\"abcde\"").is_err());
        let multibyte: Bounded<4> = serde_json::from_str("\"ééé\"").unwrap();
        assert_eq!(multibyte.into_inner(), "ééé");
    }

    #[test]
    fn password_policy() {
        let email = Email::parse("ana@example.com").unwrap();
        assert!(Password::parse("short", None).is_err());
        assert!(Password::parse(&"x".repeat(129), None).is_err());
        assert!(Password::parse("ANA@example.com", Some(&email)).is_err());
        assert!(Password::parse("correct horse", Some(&email)).is_ok());
    }
}

//! A shipping address: what a carrier needs, checked once at the edge. Absent means pickup.

use kernel::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an order goes. `country` is an ISO 3166-1 alpha-2 code (upper case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingAddress {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub line1: String,
    #[schema(max_length = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub city: String,
    #[schema(max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = r"^[A-Za-z0-9][A-Za-z0-9 -]*$"
    )]
    pub postal_code: String,
    #[schema(schema_with = country_schema)]
    pub country: String,
    /// Digits, spaces and `()./-`, at least three digits, optionally starting with `+`.
    #[schema(
        max_length = 30,
        pattern = r"^\+?[ ()./-]*[0-9][ ()./-]*[0-9][0-9 ()./-]*[0-9][0-9 ()./-]*$"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl ShippingAddress {
    /// The address trimmed and normalised, or every field that is wrong.
    pub fn parse(raw: &ShippingAddress) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut required = |field: &str, value: &str, max: usize| -> String {
            let v = value.trim().to_string();
            if v.is_empty() {
                errors.push(FieldError::new(
                    format!("shipping_address.{field}"),
                    "is required",
                ));
            } else if v.chars().count() > max {
                errors.push(FieldError::new(
                    format!("shipping_address.{field}"),
                    format!("must be at most {max} characters"),
                ));
            }
            v
        };
        let name = required("name", &raw.name, 100);
        let line1 = required("line1", &raw.line1, 200);
        let city = required("city", &raw.city, 100);
        let postal_code = required("postal_code", &raw.postal_code, 20);
        let mut optional = |field: &str, value: &Option<String>, max: usize| {
            let v = value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string);
            if v.as_ref().is_some_and(|v| v.chars().count() > max) {
                errors.push(FieldError::new(
                    format!("shipping_address.{field}"),
                    format!("must be at most {max} characters"),
                ));
            }
            v
        };
        let line2 = optional("line2", &raw.line2, 200);
        let region = optional("region", &raw.region, 100);
        let phone = optional("phone", &raw.phone, 30);
        if !postal_code.is_empty()
            && !postal_code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            errors.push(FieldError::new(
                "shipping_address.postal_code",
                "may hold only letters, digits, spaces and '-'",
            ));
        }
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            let valid = p
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || " ()./-".contains(c) || (i == 0 && c == '+'));
            if !valid || digits < 3 {
                errors.push(FieldError::new(
                    "shipping_address.phone",
                    "must be a phone number: digits, spaces and ()./-, optionally starting with +",
                ));
            }
        }
        let country = raw.country.trim().to_ascii_uppercase();
        if !is_country(&country) {
            errors.push(FieldError::new(
                "shipping_address.country",
                "must be an ISO 3166-1 alpha-2 country code, e.g. DE or US",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            line1,
            line2,
            city,
            region,
            postal_code: postal_code.to_ascii_uppercase(),
            country,
            phone,
        })
    }
}

/// The document lists the codes themselves: two letters alone are mostly not a country.
fn country_schema() -> utoipa::openapi::Object {
    let codes = COUNTRIES
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned());
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(
            "ISO 3166-1 alpha-2, e.g. `DE`, `US` (lower case is accepted and upper-cased)",
        ))
        .enum_values(Some(codes))
        .examples(["DE"])
        .build()
}

/// Whether `code` (upper case) is an officially assigned ISO 3166-1 alpha-2 code.
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.chunks(2).any(|c| c == code.as_bytes())
}

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, two letters each.
const COUNTRIES: &[u8] = b"ADAEAFAGAIALAMAOAQARASATAUAWAXAZ\
BABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ\
CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZ\
DEDJDKDMDODZ\
ECEEEGEHERESETFIFJFKFMFOFR\
GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGY\
HKHMHNHRHTHU\
IDIEILIMINIOIQIRISIT\
JEJMJOJP\
KEKGKHKIKMKNKPKRKWKYKZ\
LALBLCLILKLRLSLTLULVLY\
MAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZ\
NANCNENFNGNINLNONPNRNUNZ\
OM\
PAPEPFPGPHPKPLPMPNPRPSPTPWPY\
QA\
RERORSRURW\
SASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZ\
TCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZ\
UAUGUMUSUYUZ\
VAVCVEVGVIVN\
VUWFWSYEYTZAZMZW";

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str) -> ShippingAddress {
        ShippingAddress {
            name: " Ada Lovelace ".into(),
            line1: "12 St James's Square".into(),
            line2: Some("  ".into()),
            city: "London".into(),
            region: None,
            postal_code: "sw1y 4lb".into(),
            country: country.into(),
            phone: Some("+44 20 7946 0000".into()),
        }
    }

    #[test]
    fn the_code_list_is_the_assigned_codes() {
        assert_eq!(COUNTRIES.len(), 249 * 2);
        for code in ["DE", "US", "GB", "SS", "XK"] {
            assert_eq!(is_country(code), code != "XK", "{code}");
        }
        for fake in ["ZZ", "UK", "EU", "AA", "D", "DEU", "de"] {
            assert!(!is_country(fake), "{fake}");
        }
    }

    #[test]
    fn an_address_is_trimmed_and_normalised() {
        let parsed = ShippingAddress::parse(&address("gb")).expect("valid");
        assert_eq!(parsed.name, "Ada Lovelace");
        assert_eq!(parsed.line2, None);
        assert_eq!(parsed.country, "GB");
        assert_eq!(parsed.postal_code, "SW1Y 4LB");
    }

    #[test]
    fn every_wrong_field_is_named() {
        let mut bad = address("UK");
        bad.name = " ".into();
        bad.phone = Some("call me".into());
        bad.postal_code = "12<3".into();
        let errors = ShippingAddress::parse(&bad).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "shipping_address.name",
                "shipping_address.postal_code",
                "shipping_address.phone",
                "shipping_address.country"
            ]
        );
    }
}

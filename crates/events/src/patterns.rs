//! Which events a webhook wants: `*` (every event), `order.*` (a family) or an exact type.

use kernel::{AppError, FieldError};

/// Patterns one webhook may list, at most.
pub const MAX_PATTERNS: usize = 50;

fn valid_type(text: &str) -> bool {
    let mut parts = text.split('.');
    let all_parts_ok = text
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    parts.next().is_some() && parts.next().is_some() && all_parts_ok
}

/// Checks every pattern, naming each bad one (`events[i]`).
pub fn parse(patterns: &[String]) -> Result<Vec<String>, AppError> {
    let mut errors = Vec::new();
    if patterns.is_empty() || patterns.len() > MAX_PATTERNS {
        errors.push(FieldError::new(
            "events",
            format!("list 1 to {MAX_PATTERNS} patterns: \"*\", \"order.*\" or an exact type"),
        ));
    }
    for (i, p) in patterns.iter().enumerate() {
        let ok = p.len() <= 64
            && (p == "*"
                || p.strip_suffix(".*").is_some_and(|family| {
                    !family.is_empty()
                        && family.split('.').all(|x| {
                            !x.is_empty() && x.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                        })
                })
                || valid_type(p));
        if !ok {
            errors.push(FieldError::new(
                format!("events[{i}]"),
                "must be \"*\", a family such as \"order.*\", or a type such as \"order.confirmed\"",
            ));
        }
    }
    if errors.is_empty() {
        let mut unique = patterns.to_vec();
        unique.dedup();
        Ok(unique)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Whether `kind` is one of the types `patterns` ask for.
pub fn matches(patterns: &[String], kind: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == kind
            || p.strip_suffix('*')
                .is_some_and(|family| kind.starts_with(family))
    })
}

/// Whether `text` is a well-formed event type (`order.confirmed`).
pub fn is_type(text: &str) -> bool {
    text.len() <= 64 && valid_type(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn families_exact_types_and_everything_match_as_they_say() {
        assert!(matches(&list(&["order.*"]), "order.confirmed"));
        assert!(!matches(&list(&["order.*"]), "orders.confirmed"));
        assert!(!matches(&list(&["order.*"]), "stock.low"));
        assert!(matches(&list(&["stock.low"]), "stock.low"));
        assert!(!matches(&list(&["stock.low"]), "stock.lower"));
        assert!(matches(&list(&["*"]), "user.registered"));
    }

    #[test]
    fn malformed_patterns_are_named_by_position() {
        assert!(parse(&list(&["order.*", "*", "purchase_order.received"])).is_ok());
        let Err(AppError::Validation(errors)) =
            parse(&list(&["order.*", "Order", "order.*.x", "", "**"]))
        else {
            panic!("invalid patterns pass");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["events[1]", "events[2]", "events[3]", "events[4]"]);
        assert!(parse(&[]).is_err());
    }
}

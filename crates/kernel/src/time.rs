//! Timestamps are stored as fixed-width RFC 3339 UTC text, so text order is time order on
//! both SQLite and PostgreSQL.

use chrono::{DateTime, SecondsFormat, Utc};

pub type Timestamp = DateTime<Utc>;

pub fn now() -> Timestamp {
    Utc::now()
}

/// The stored form: `2026-11-25T09:00:00.000000Z`.
pub fn to_db(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn now_db() -> String {
    to_db(now())
}

/// Reads a stored timestamp; a malformed one is an internal error (we wrote it).
pub fn from_db(s: &str) -> Result<Timestamp, crate::AppError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| crate::AppError::internal(format!("bad stored timestamp {s:?}: {e}")))
}

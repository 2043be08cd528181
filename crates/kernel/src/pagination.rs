//! Cursor pagination: `?limit=` (1–100, default 20) and an opaque `?cursor=`.

use hex::{decode, encode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{time::Timestamp, AppError, FieldError};

/// A page of results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Validated page request. The cursor is the `(created_at, id)` of the last item seen.
///
/// Stores list newest first with a static keyset condition, so one checked query serves every
/// page: `WHERE ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) … LIMIT $4`.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Cursor>,
}

/// The position after which a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: Timestamp,
    pub id: Uuid,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(AppError::Validation(vec![FieldError::new(
                "limit",
                "must be between 1 and 100",
            )]));
        }
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                AppError::Validation(vec![FieldError::new(
                    "cursor",
                    "is not a cursor this API returned",
                )])
            })?),
        };
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to know whether more follow.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    pub fn after_time(&self) -> Option<Timestamp> {
        self.after.map(|c| c.created_at)
    }

    pub fn after_id(&self) -> Option<Uuid> {
        self.after.map(|c| c.id)
    }

    /// Turns `limit + 1` fetched rows into a page, using `key` to build the next cursor.
    pub fn page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> Cursor) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(&key(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

fn encode_cursor(cursor: &Cursor) -> String {
    encode(format!("{}|{}", crate::time::to_db(cursor.created_at), cursor.id).as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<Cursor> {
    let text = String::from_utf8(decode(cursor)?).ok()?;
    let (at, id) = text.split_once('|')?;
    Some(Cursor {
        created_at: crate::time::from_db(at).ok()?,
        id: Uuid::parse_str(id).ok()?,
    })
}

/// Cursors only need to be opaque and URL-safe: hex is enough and needs no dependency.
mod hex {
    pub fn encode(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
    pub fn decode(s: &str) -> Option<Vec<u8>> {
        if !s.len().is_multiple_of(2) || s.len() > 512 {
            return None;
        }
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect()
    }
}

//! Cursor pagination: `?limit=` (1–100, default 20) and an opaque `?cursor=`.

use hex::{decode, encode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AppError, FieldError};

/// A page of results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Validated page request. The cursor is the `(created_at, id)` of the last item seen.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<(String, String)>,
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

    /// Turns `limit + 1` fetched rows into a page, using `key` to build the next cursor.
    pub fn page<T>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> (String, String)) -> Page<T> {
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

fn encode_cursor((at, id): &(String, String)) -> String {
    encode(format!("{at}|{id}").as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<(String, String)> {
    let text = String::from_utf8(decode(cursor)?).ok()?;
    let (at, id) = text.split_once('|')?;
    uuid::Uuid::parse_str(id).ok()?;
    crate::time::from_db(at).ok()?;
    Some((at.to_string(), id.to_string()))
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

/// A newest-first list query: the caller's filters, then the keyset condition for the cursor,
/// `ORDER BY created_at DESC, id DESC` and one row more than the page (to know if more follow).
#[derive(Default)]
pub struct PageQuery {
    pub args: crate::db::Args,
    clauses: Vec<String>,
}

impl PageQuery {
    /// Adds a condition; build it with placeholders from `self.args`.
    pub fn filter(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    /// The SQL for `select` (e.g. `SELECT … FROM orders o`), keyed on `{prefix}created_at` and
    /// `{prefix}id`, and its arguments.
    pub fn finish(
        mut self,
        select: &str,
        prefix: &str,
        page: &PageRequest,
    ) -> (String, crate::db::Args) {
        if let Some((at, id)) = &page.after {
            let (at, id) = (self.args.text(at.clone()), self.args.text(id.clone()));
            self.clauses.push(format!(
                "({prefix}created_at < {at} OR ({prefix}created_at = {at} AND {prefix}id < {id}))"
            ));
        }
        let limit = self.args.int(page.limit + 1);
        let filter = if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        };
        let sql = format!(
            "{select}{filter} ORDER BY {prefix}created_at DESC, {prefix}id DESC LIMIT {limit}"
        );
        (sql, self.args)
    }
}

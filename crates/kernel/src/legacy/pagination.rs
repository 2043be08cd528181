//! The `Any`-driver page query, until every store lists with its typed keyset query.

use crate::{legacy::db::Args, pagination::PageRequest, time::to_db};

/// A newest-first list query: the caller's filters, then the keyset condition for the cursor,
/// `ORDER BY created_at DESC, id DESC` and one row more than the page (to know if more follow).
#[derive(Default)]
pub struct PageQuery {
    pub args: Args,
    clauses: Vec<String>,
}

impl PageQuery {
    pub fn filter(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    pub fn finish(mut self, select: &str, prefix: &str, page: &PageRequest) -> (String, Args) {
        if let Some(c) = &page.after {
            let (at, id) = (
                self.args.text(to_db(c.created_at)),
                self.args.text(c.id.to_string()),
            );
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

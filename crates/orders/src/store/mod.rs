//! Orders' storage: plain SQL that SQLite and PostgreSQL both accept; the one dialect
//! difference (how order numbers are drawn) is [`Store::next_number_sql`].

mod ai;
mod read;
mod stats;
mod write;

use kernel::legacy::db::{Backend, Db};

pub use ai::{Job, JobResult};
pub use read::OrderFilter;
pub use write::{Existing, PricedLine};

#[derive(Clone)]
pub struct Store {
    db: Db,
    currency: String,
}

impl Store {
    pub fn new(db: Db, currency: String) -> Self {
        Self { db, currency }
    }

    /// PostgreSQL draws from a sequence (no hot row); SQLite has one writer, so MAX + 1 is safe.
    fn next_number_sql(&self) -> &'static str {
        match self.db.backend {
            Backend::Postgres => "nextval('order_numbers')",
            Backend::Sqlite => "(SELECT COALESCE(MAX(number), 1000) + 1 FROM orders)",
        }
    }
}

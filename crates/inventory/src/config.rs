//! inventory's own settings, read from the environment; the part every service shares
//! (currency included, which orders must agree on) is [`kernel::Config`].

use kernel::config::{self, ConfigError, Database};

use crate::domain::MAX_STOCK;

/// Out of the box an imported catalogue (whose rows rarely carry reorder points) still flags
/// the products that are nearly gone.
const DEFAULT_REORDER_POINT: i64 = 10;

/// What inventory alone reads. Every variable is listed in the README.
#[derive(Clone, Debug)]
pub struct Config {
    /// `INVENTORY_PORT`: where `stockroom` binds inventory.
    pub port: u16,
    pub database: Database,
    /// `INVENTORY_RESERVE_WORKERS`: reservation batches committing at once.
    pub reserve_workers: usize,
    /// `DEFAULT_REORDER_POINT`: the reorder point of a product whose own is 0 (none set),
    /// for low stock, the summary and restock; 0 turns it off.
    pub default_reorder_point: i64,
    /// `INVENTORY_TEST_PAUSE_AFTER_COMMIT_MS`, for crash tests only: a pause between a
    /// shipment's commit (or a return's restock) and its answer, so a test can kill the
    /// process after the change and before orders hears of it.
    pub pause_after_commit: Option<std::time::Duration>,
}

impl Config {
    /// Reads inventory's variables; `common` says where its database is by default.
    pub fn from_env(common: &kernel::Config) -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::port("INVENTORY_PORT", 8002)?,
            database: common.database_for(crate::SERVICE),
            reserve_workers: config::parse("INVENTORY_RESERVE_WORKERS", 4)?,
            default_reorder_point: reorder_point("DEFAULT_REORDER_POINT")?,
            pause_after_commit: config::optional("INVENTORY_TEST_PAUSE_AFTER_COMMIT_MS")
                .map(|_| config::millis("INVENTORY_TEST_PAUSE_AFTER_COMMIT_MS", 0))
                .transpose()?,
        })
    }
}

fn reorder_point(name: &'static str) -> Result<i64, ConfigError> {
    let value = config::parse(name, DEFAULT_REORDER_POINT)?;
    if (0..=MAX_STOCK).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError {
            name,
            value: value.to_string(),
            reason: format!("must be a whole number from 0 to {MAX_STOCK}"),
        })
    }
}

//! inventory's own settings, read from the environment; the part every service shares
//! (currency included, which orders must agree on) is [`kernel::Config`].

use kernel::config::{self, ConfigError, Database};

/// What inventory alone reads. Every variable is listed in the README.
#[derive(Clone, Debug)]
pub struct Config {
    /// `INVENTORY_PORT`: where `stockroom` binds inventory.
    pub port: u16,
    pub database: Database,
    /// `INVENTORY_RESERVE_WORKERS`: reservation batches committing at once.
    pub reserve_workers: usize,
}

impl Config {
    /// Reads inventory's variables; `common` says where its database is by default.
    pub fn from_env(common: &kernel::Config) -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::port("INVENTORY_PORT", 8002)?,
            database: common.database_for(crate::SERVICE),
            reserve_workers: config::parse("INVENTORY_RESERVE_WORKERS", 4)?,
        })
    }
}

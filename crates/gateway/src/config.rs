//! The gateway's own settings, read from the environment; the part every service shares
//! (auth's URL, trusted proxies, the upstream timeout) is [`kernel::Config`].

use std::path::PathBuf;

use kernel::config::{self, ConfigError};

/// What the gateway alone reads. Every variable is listed in the README.
#[derive(Clone, Debug)]
pub struct Config {
    /// `GATEWAY_PORT`: where `stockroom` binds the gateway, the one public port.
    pub port: u16,
    /// Where the gateway routes inventory's, orders' and events' paths; auth's is the common
    /// `AUTH_URL`, which every service reads for signing keys.
    pub inventory_url: String,
    pub orders_url: String,
    /// Where the events service answers (webhooks, audit, notifications, live events).
    pub events_url: String,
    /// Live event streams one user may hold open through the gateway at once.
    pub streams_per_user: usize,
    pub cors_origins: Vec<String>,
    pub web_dir: PathBuf,
    /// Rate limit per client address and per user: sustained rate and burst.
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
}

impl Config {
    /// Reads the gateway's variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::port("GATEWAY_PORT", 8000)?,
            inventory_url: config::service_url("INVENTORY_URL", "INVENTORY_PORT", 8002)?,
            orders_url: config::service_url("ORDERS_URL", "ORDERS_PORT", 8003)?,
            events_url: config::service_url("EVENTS_URL", "EVENTS_PORT", 8004)?,
            streams_per_user: config::parse("STREAMS_PER_USER", 4)?,
            cors_origins: config::list("CORS_ORIGINS", "http://localhost:3000"),
            web_dir: config::string("STOCKROOM_WEB_DIR", "./web/dist").into(),
            rate_limit_per_second: config::parse("RATE_LIMIT_PER_SECOND", 100)?,
            rate_limit_burst: config::parse("RATE_LIMIT_BURST", 200)?,
        })
    }
}

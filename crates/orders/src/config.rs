//! orders' own settings, read from the environment; the part every service shares
//! (currency and the upstream timeout included) is [`kernel::Config`].

use std::time::Duration;

use kernel::config::{self, ConfigError, Database, Secret};

/// What orders alone reads. Every variable is listed in the README.
#[derive(Clone, Debug)]
pub struct Config {
    /// `ORDERS_PORT`: where `stockroom` binds orders.
    pub port: u16,
    pub database: Database,
    /// Where orders reserves stock.
    pub inventory_url: String,
    /// How long an order may stay `pending` before the sweeper settles it.
    pub pending_grace: Duration,
    pub sweep_interval: Duration,
    /// How often held stock is matched against orders (holds without an order are released).
    pub reconcile_interval: Duration,
    /// `ORDERS_TEST_PAUSE_AFTER_RESERVE_MS`, for crash tests only: a pause between
    /// inventory's commit and the order's, so a test can kill the process there.
    pub pause_after_reserve: Option<Duration>,
    /// `ORDERS_TEST_PAUSE_AFTER_SHIP_MS`, for crash tests only: a pause between orders' commit
    /// of a shipment (or a return's receipt) and inventory's.
    pub pause_after_ship: Option<Duration>,
    /// `RETURN_WINDOW_DAYS` (default 30): how long after delivery (or shipping, for what has
    /// not arrived) a customer may ask for a return. Staff may record one at any time.
    pub return_window: Duration,
    pub ai: AiConfig,
}

/// The AI provider settings.
#[derive(Clone, Debug)]
pub struct AiConfig {
    pub api_key: Option<Secret>,
    pub base_url: String,
    pub model: String,
    pub timeout: Duration,
    /// Tries per call (1 = no retry), and the base of the exponential backoff.
    pub max_attempts: u32,
    pub retry_base: Duration,
    /// Consecutive failures that open the breaker, and how long it stays open.
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
    pub workers: usize,
    /// How long a claimed job is a worker's before another may take it over.
    pub job_lease: Duration,
    /// Queued jobs beyond this are shed (oldest first) so the queue cannot grow without bound.
    pub queue_max: i64,
}

impl Config {
    /// Reads orders' variables; `common` says where its database is by default.
    pub fn from_env(common: &kernel::Config) -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::port("ORDERS_PORT", 8003)?,
            database: common.database_for(crate::SERVICE),
            inventory_url: config::service_url("INVENTORY_URL", "INVENTORY_PORT", 8002)?,
            pending_grace: config::millis("ORDERS_PENDING_GRACE_MS", 30_000)?,
            sweep_interval: config::millis("ORDERS_SWEEP_INTERVAL_MS", 2_000)?,
            reconcile_interval: config::millis("ORDERS_RECONCILE_INTERVAL_MS", 60_000)?,
            pause_after_reserve: config::optional("ORDERS_TEST_PAUSE_AFTER_RESERVE_MS")
                .map(|_| config::millis("ORDERS_TEST_PAUSE_AFTER_RESERVE_MS", 0))
                .transpose()?,
            pause_after_ship: config::optional("ORDERS_TEST_PAUSE_AFTER_SHIP_MS")
                .map(|_| config::millis("ORDERS_TEST_PAUSE_AFTER_SHIP_MS", 0))
                .transpose()?,
            return_window: return_window(config::parse("RETURN_WINDOW_DAYS", 30)?)?,
            ai: AiConfig::from_env()?,
        })
    }
}

/// 1 to 3650 days.
fn return_window(days: u64) -> Result<Duration, ConfigError> {
    if !(1..=3650).contains(&days) {
        return Err(ConfigError {
            name: "RETURN_WINDOW_DAYS",
            value: days.to_string(),
            reason: "must be 1 to 3650 days".into(),
        });
    }
    Ok(Duration::from_secs(days * 24 * 3600))
}

impl AiConfig {
    fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            api_key: config::optional("OPENROUTER_API_KEY").map(Secret::new),
            base_url: config::string("AI_BASE_URL", "https://openrouter.ai/api/v1"),
            model: config::string("AI_MODEL", "openai/gpt-4o-mini"),
            timeout: config::millis("AI_TIMEOUT_MS", 10_000)?,
            max_attempts: config::parse("AI_MAX_ATTEMPTS", 3)?,
            retry_base: config::millis("AI_RETRY_BASE_MS", 500)?,
            breaker_threshold: config::parse("AI_BREAKER_THRESHOLD", 5)?,
            breaker_cooldown: config::millis("AI_BREAKER_COOLDOWN_MS", 30_000)?,
            workers: config::parse("AI_WORKERS", 2)?,
            job_lease: config::millis("AI_JOB_LEASE_MS", 60_000)?,
            queue_max: config::parse("AI_QUEUE_MAX", 10_000)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use kernel::config::{DatabaseUrl, Mode, Secret};

    #[test]
    fn orders_config_prints_no_ai_key_and_no_database_password() {
        let common = kernel::Config::from_env(Mode::All).expect("the defaults parse");
        let mut config = super::Config::from_env(&common).expect("the defaults parse");
        config.ai.api_key = Some(Secret::new("hunter2-ai-key"));
        config.database.url = DatabaseUrl::new("postgres://orders:hunter2@db/stockroom");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

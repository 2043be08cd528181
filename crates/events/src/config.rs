//! The events service's own settings, read from the environment; the part every service
//! shares is [`kernel::Config`]. Every variable is listed in the README.

use std::time::Duration;

use kernel::config::{self, ConfigError, Database, Secret};

#[derive(Clone, Debug)]
pub struct Config {
    /// `EVENTS_PORT`: where `stockroom` binds the events service.
    pub port: u16,
    pub database: Database,
    /// `SMTP_URL`: unset, emails are recorded as `not_sent`. It holds credentials.
    pub smtp_url: Option<Secret>,
    /// `MAIL_FROM`: the sender of every email.
    pub mail_from: String,
    /// `WEBHOOK_ALLOW_PRIVATE`: webhooks may target private and loopback addresses (tests,
    /// a receiver on the same private network).
    pub webhook_allow_private: bool,
    /// `WEBHOOK_TIMEOUT_MS`: how long a receiver has to answer.
    pub webhook_timeout: Duration,
    /// `WEBHOOK_RETRY_BASE_MS`, `WEBHOOK_RETRY_MAX_MS`: the first wait after a failed attempt,
    /// doubling per attempt up to the maximum, jittered.
    pub webhook_retry_base: Duration,
    pub webhook_retry_max: Duration,
    /// `WEBHOOK_RETRY_WINDOW_SECS`: a delivery is retried this long, then `failed`.
    pub webhook_retry_window: Duration,
    /// `WEBHOOK_DEACTIVATE_AFTER_SECS`: a webhook failing this long is deactivated.
    pub webhook_deactivate_after: Duration,
    /// `EVENTS_WORK_INTERVAL_MS`: how often due deliveries and emails are looked for.
    pub work_interval: Duration,
    /// `EVENTS_STREAM_HEARTBEAT_MS`: a comment on idle live streams, so proxies keep them.
    pub stream_heartbeat: Duration,
    /// `EVENTS_STREAM_POLL_MS`: how often a live stream looks for events other replicas took.
    pub stream_poll: Duration,
    /// `EVENTS_STREAM_BUFFER`: events queued for one slow stream before it is dropped.
    pub stream_buffer: usize,
    /// `LOW_STOCK_DIGEST_INTERVAL_SECS`: how often staff who asked for it get the products
    /// that ran low since the last digest (none sent when nothing did).
    pub low_stock_digest_interval: Duration,
}

impl Config {
    pub fn from_env(common: &kernel::Config) -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::port("EVENTS_PORT", 8004)?,
            database: common.database_for(crate::SERVICE),
            smtp_url: config::optional("SMTP_URL").map(Secret::new),
            mail_from: config::string("MAIL_FROM", "Stockroom <stockroom@localhost>"),
            webhook_allow_private: config::parse("WEBHOOK_ALLOW_PRIVATE", false)?,
            webhook_timeout: config::millis("WEBHOOK_TIMEOUT_MS", 10_000)?,
            webhook_retry_base: config::millis("WEBHOOK_RETRY_BASE_MS", 30_000)?,
            webhook_retry_max: config::millis("WEBHOOK_RETRY_MAX_MS", 3_600_000)?,
            webhook_retry_window: config::secs("WEBHOOK_RETRY_WINDOW_SECS", 24 * 3600)?,
            webhook_deactivate_after: config::secs("WEBHOOK_DEACTIVATE_AFTER_SECS", 24 * 3600)?,
            work_interval: config::millis("EVENTS_WORK_INTERVAL_MS", 1_000)?,
            stream_heartbeat: config::millis("EVENTS_STREAM_HEARTBEAT_MS", 15_000)?,
            stream_poll: config::millis("EVENTS_STREAM_POLL_MS", 1_000)?,
            stream_buffer: config::parse("EVENTS_STREAM_BUFFER", 256)?,
            low_stock_digest_interval: config::secs("LOW_STOCK_DIGEST_INTERVAL_SECS", 24 * 3600)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use kernel::config::{DatabaseUrl, Mode, Secret};

    #[test]
    fn the_events_config_prints_no_smtp_password_and_no_database_password() {
        let common = kernel::Config::from_env(Mode::All).expect("the defaults parse");
        let mut config = super::Config::from_env(&common).expect("the defaults parse");
        config.smtp_url = Some(Secret::new("smtp://mailer:hunter2@mail:587"));
        config.database.url = DatabaseUrl::new("postgres://events:hunter2@db/stockroom");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

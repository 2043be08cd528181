//! auth's own settings, read from the environment; the part every service shares is
//! [`kernel::Config`].

use std::time::Duration;

use kernel::config::{self, ConfigError, Database, Secret};

/// What auth alone reads. Every variable is listed in the README.
#[derive(Clone, Debug)]
pub struct Config {
    /// `AUTH_PORT`: where `stockroom` binds auth.
    pub port: u16,
    pub database: Database,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub service_token_ttl: Duration,
    /// Base64url Ed25519 seed; when unset, auth generates a key and keeps it in its database.
    pub signing_key: Option<Secret>,
    /// Earlier Ed25519 seeds (base64url) still published in the JWKS, so tokens they signed
    /// stay valid after a rotation.
    pub previous_signing_keys: Vec<Secret>,
    pub login_max_failures: u32,
    pub login_window: Duration,
    /// Registrations allowed per client address per hour.
    pub register_max_per_hour: u32,
    /// In `serve`, the account that becomes the first admin when it registers.
    pub admin_email: Option<String>,
    /// Password hashes waiting for a hashing thread before auth answers 503.
    pub password_hash_queue: usize,
}

impl Config {
    /// Reads auth's variables; `common` says where its database is by default.
    pub fn from_env(common: &kernel::Config) -> Result<Self, ConfigError> {
        Ok(Self {
            port: config::port("AUTH_PORT", 8001)?,
            database: common.database_for(crate::SERVICE),
            access_token_ttl: config::secs("ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl: config::secs("REFRESH_TOKEN_TTL_SECS", 30 * 24 * 3600)?,
            service_token_ttl: config::secs("SERVICE_TOKEN_TTL_SECS", 3600)?,
            signing_key: config::optional("AUTH_SIGNING_KEY").map(Secret::new),
            previous_signing_keys: config::list("AUTH_PREVIOUS_SIGNING_KEYS", "")
                .into_iter()
                .map(Secret::new)
                .collect(),
            login_max_failures: config::parse("LOGIN_MAX_FAILURES", 5)?,
            login_window: config::secs("LOGIN_WINDOW_SECS", 900)?,
            register_max_per_hour: config::parse("REGISTER_MAX_PER_HOUR", 20)?,
            admin_email: config::optional("ADMIN_EMAIL").map(|e| e.trim().to_lowercase()),
            password_hash_queue: config::parse("PASSWORD_HASH_QUEUE", 64)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use kernel::config::{DatabaseUrl, Mode, Secret};

    #[test]
    fn auths_config_prints_no_signing_key_and_no_database_password() {
        let common = kernel::Config::from_env(Mode::All).expect("the defaults parse");
        let mut config = super::Config::from_env(&common).expect("the defaults parse");
        config.signing_key = Some(Secret::new("hunter2-current-seed"));
        config.previous_signing_keys = vec![Secret::new("hunter2-old-seed")];
        config.database.url = DatabaseUrl::new("postgres://auth:hunter2@db/stockroom");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

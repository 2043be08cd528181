//! Configuration from the environment, with defaults that make `stockroom all` work with
//! nothing set. Every variable read here is listed in the README.

use std::{fmt, net::IpAddr, path::PathBuf, str::FromStr, time::Duration};

/// A secret value whose `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// A fresh random secret, for the `all` shape where the services share one process.
    pub fn generate() -> Self {
        use rand::Rng;
        let bytes: [u8; 32] = rand::rng().random();
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The shape the process runs in: decides defaults such as the bind address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    All,
    Serve,
}

/// The AI provider settings (used by the orders service).
#[derive(Clone, Debug)]
pub struct AiSettings {
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

/// Every setting of every service. Services read what they need.
#[derive(Clone, Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// PostgreSQL schema; defaults to the service's name.
    pub database_schema: Option<String>,
    pub db_max_connections: u32,
    pub bind_addr: IpAddr,
    pub gateway_port: u16,
    pub auth_port: u16,
    pub inventory_port: u16,
    pub orders_port: u16,
    pub auth_url: String,
    pub inventory_url: String,
    pub orders_url: String,
    pub service_client_secret: Secret,
    /// True when no `SERVICE_CLIENT_SECRET` was given and this process made one up: fine in
    /// `all`, useless for services in separate processes.
    pub service_client_secret_generated: bool,
    pub upstream_timeout: Duration,
    pub cors_origins: Vec<String>,
    pub currency: String,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub service_token_ttl: Duration,
    /// Base64url Ed25519 seed; when unset, auth generates a key and keeps it in its database.
    pub signing_key: Option<Secret>,
    pub login_max_failures: u32,
    pub login_window: Duration,
    pub ai: AiSettings,
    pub web_dir: PathBuf,
    /// How long an order may stay `pending` before the sweeper settles it.
    pub pending_grace: Duration,
    pub sweep_interval: Duration,
    /// Proxies whose `X-Forwarded-For` is believed (the gateway, a load balancer); loopback by
    /// default, which covers `stockroom all`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Gateway rate limit per client address and per user: sustained rate and burst.
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    /// The shape this process runs in (`all` or `serve`).
    pub mode: Mode,
    /// Earlier Ed25519 seeds (base64url) still published in the JWKS, so tokens they signed
    /// stay valid after a rotation.
    pub previous_signing_keys: Vec<Secret>,
    /// In `serve`, the account that becomes the first admin when it registers.
    pub admin_email: Option<String>,
    /// Password hashes waiting for a hashing thread before auth answers 503.
    pub password_hash_queue: usize,
    /// Registrations allowed per client address per hour.
    pub register_max_per_hour: u32,
    /// How often a service refreshes auth's signing keys in the background.
    pub jwks_refresh: Duration,
    /// Slow-client protection for every server.
    pub http: HttpLimits,
}

/// Limits every server applies to its clients' connections.
#[derive(Clone, Debug)]
pub struct HttpLimits {
    /// A client must finish sending its request head within this.
    pub header_read_timeout: Duration,
    /// An idle keep-alive connection is closed after this.
    pub idle_timeout: Duration,
    /// A whole request (reading the body and answering) must finish within this.
    pub request_timeout: Duration,
    /// Request heads larger than this are refused.
    pub max_header_bytes: usize,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Connections one client address (an IPv6 /64) may hold open; more are closed at once.
    pub max_connections_per_client: usize,
    /// Peers not held to `max_connections_per_client`: the trusted proxies, whose one address
    /// carries many clients.
    pub per_client_exempt: Vec<ipnet::IpNet>,
}

/// A variable that is set but cannot be parsed.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|e: T::Err| ConfigError {
            name,
            reason: e.to_string(),
            value,
        }),
    }
}

fn millis(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    parse(name, default).map(Duration::from_millis)
}

fn secs(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    parse(name, default).map(Duration::from_secs)
}

/// A comma-separated list of addresses or CIDR blocks.
fn networks(name: &'static str, default: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let text = var(name).unwrap_or_else(|| default.to_string());
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|e| ConfigError {
                    name,
                    value: text.clone(),
                    reason: format!("{s:?}: {e}"),
                })
        })
        .collect()
}

/// Values shipped as examples or typed by habit: never accepted as a real secret.
const PLACEHOLDER_SECRETS: [&str; 6] = [
    "change-me",
    "changeme",
    "replace-me",
    "secret",
    "password",
    "example",
];

/// The least a service secret must have: 32 bytes, and not a known placeholder.
pub const MIN_SECRET_BYTES: usize = 32;

impl Secret {
    /// Refuses a secret an attacker could guess: shorter than [`MIN_SECRET_BYTES`] or made
    /// from a placeholder that shipped files or examples carry.
    pub fn check_strong(&self, name: &'static str) -> Result<(), ConfigError> {
        let value = self.0.trim();
        let lower = value.to_ascii_lowercase();
        let reason = if value.len() < MIN_SECRET_BYTES {
            format!("must be at least {MIN_SECRET_BYTES} bytes; generate one with `openssl rand -hex 32`")
        } else if PLACEHOLDER_SECRETS.iter().any(|p| lower.contains(p)) {
            "is a placeholder, not a secret; generate one with `openssl rand -hex 32`".to_string()
        } else {
            return Ok(());
        };
        Err(ConfigError {
            name,
            value: "<redacted>".into(),
            reason,
        })
    }
}

impl Settings {
    /// Reads the environment. `mode` only changes defaults (bind address).
    pub fn from_env(mode: Mode) -> Result<Self, ConfigError> {
        let default_bind = match mode {
            Mode::All => "127.0.0.1",
            Mode::Serve => "0.0.0.0",
        };
        let bind_addr = parse("BIND_ADDR", default_bind.parse().expect("literal address"))?;
        let auth_port = parse("AUTH_PORT", 8001)?;
        let inventory_port = parse("INVENTORY_PORT", 8002)?;
        let orders_port = parse("ORDERS_PORT", 8003)?;
        let trusted_proxies = networks("TRUSTED_PROXIES", "127.0.0.0/8,::1/128")?;
        Ok(Self {
            data_dir: var("STOCKROOM_DATA_DIR")
                .unwrap_or_else(|| "./data".into())
                .into(),
            database_url: var("DATABASE_URL"),
            database_schema: var("DATABASE_SCHEMA"),
            db_max_connections: parse("DB_MAX_CONNECTIONS", 10)?,
            bind_addr,
            gateway_port: parse("GATEWAY_PORT", 8000)?,
            auth_port,
            inventory_port,
            orders_port,
            auth_url: var("AUTH_URL").unwrap_or_else(|| format!("http://127.0.0.1:{auth_port}")),
            inventory_url: var("INVENTORY_URL")
                .unwrap_or_else(|| format!("http://127.0.0.1:{inventory_port}")),
            orders_url: var("ORDERS_URL")
                .unwrap_or_else(|| format!("http://127.0.0.1:{orders_port}")),
            service_client_secret: var("SERVICE_CLIENT_SECRET")
                .map(Secret::new)
                .unwrap_or_else(Secret::generate),
            service_client_secret_generated: var("SERVICE_CLIENT_SECRET").is_none(),
            upstream_timeout: millis("UPSTREAM_TIMEOUT_MS", 5000)?,
            cors_origins: var("CORS_ORIGINS")
                .unwrap_or_else(|| "http://localhost:3000".into())
                .split(',')
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            currency: var("STOCKROOM_CURRENCY")
                .unwrap_or_else(|| "USD".into())
                .to_uppercase(),
            jwt_issuer: var("JWT_ISSUER").unwrap_or_else(|| "stockroom-auth".into()),
            jwt_audience: var("JWT_AUDIENCE").unwrap_or_else(|| "stockroom".into()),
            access_token_ttl: secs("ACCESS_TOKEN_TTL_SECS", 900)?,
            refresh_token_ttl: secs("REFRESH_TOKEN_TTL_SECS", 30 * 24 * 3600)?,
            service_token_ttl: secs("SERVICE_TOKEN_TTL_SECS", 3600)?,
            signing_key: var("AUTH_SIGNING_KEY").map(Secret::new),
            login_max_failures: parse("LOGIN_MAX_FAILURES", 5)?,
            login_window: secs("LOGIN_WINDOW_SECS", 900)?,
            ai: AiSettings {
                api_key: var("OPENROUTER_API_KEY").map(Secret::new),
                base_url: var("AI_BASE_URL")
                    .unwrap_or_else(|| "https://openrouter.ai/api/v1".into()),
                model: var("AI_MODEL").unwrap_or_else(|| "openai/gpt-4o-mini".into()),
                timeout: millis("AI_TIMEOUT_MS", 10_000)?,
                max_attempts: parse("AI_MAX_ATTEMPTS", 3)?,
                retry_base: millis("AI_RETRY_BASE_MS", 500)?,
                breaker_threshold: parse("AI_BREAKER_THRESHOLD", 5)?,
                breaker_cooldown: millis("AI_BREAKER_COOLDOWN_MS", 30_000)?,
                workers: parse("AI_WORKERS", 2)?,
                job_lease: millis("AI_JOB_LEASE_MS", 60_000)?,
                queue_max: parse("AI_QUEUE_MAX", 10_000)?,
            },
            web_dir: var("STOCKROOM_WEB_DIR")
                .unwrap_or_else(|| "./web/dist".into())
                .into(),
            pending_grace: millis("ORDERS_PENDING_GRACE_MS", 30_000)?,
            sweep_interval: millis("ORDERS_SWEEP_INTERVAL_MS", 2_000)?,
            trusted_proxies: trusted_proxies.clone(),
            rate_limit_per_second: parse("RATE_LIMIT_PER_SECOND", 100)?,
            rate_limit_burst: parse("RATE_LIMIT_BURST", 200)?,
            mode,
            previous_signing_keys: var("AUTH_PREVIOUS_SIGNING_KEYS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|k| !k.is_empty())
                        .map(Secret::new)
                        .collect()
                })
                .unwrap_or_default(),
            admin_email: var("ADMIN_EMAIL").map(|e| e.trim().to_lowercase()),
            password_hash_queue: parse("PASSWORD_HASH_QUEUE", 64)?,
            register_max_per_hour: parse("REGISTER_MAX_PER_HOUR", 20)?,
            jwks_refresh: secs("JWKS_REFRESH_SECS", 300)?,
            http: HttpLimits {
                header_read_timeout: millis("HTTP_HEADER_TIMEOUT_MS", 10_000)?,
                idle_timeout: millis("HTTP_IDLE_TIMEOUT_MS", 60_000)?,
                request_timeout: millis("HTTP_REQUEST_TIMEOUT_MS", 30_000)?,
                max_header_bytes: parse("HTTP_MAX_HEADER_BYTES", 16 * 1024)?,
                max_connections: parse("HTTP_MAX_CONNECTIONS", 2048)?,
                max_connections_per_client: parse("HTTP_MAX_CONNECTIONS_PER_CLIENT", 64)?,
                per_client_exempt: trusted_proxies,
            },
        })
    }

    /// The database a service uses: `DATABASE_URL`, or its own SQLite file in the data dir.
    pub fn database_url_for(&self, service: &str) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/{service}.db", self.data_dir.display()),
        }
    }

    /// The PostgreSQL schema a service uses.
    pub fn schema_for(&self, service: &str) -> String {
        self.database_schema
            .clone()
            .unwrap_or_else(|| service.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_short_or_placeholder_secret_is_refused_and_a_random_one_accepted() {
        assert!(Secret::new("short").check_strong("S").is_err());
        assert!(Secret::new("change-me-to-a-long-random-string-0123456789")
            .check_strong("S")
            .is_err());
        assert!(Secret::generate().check_strong("S").is_ok());
    }
}

//! Configuration from the environment, with defaults that make `stockroom all` work with
//! nothing set: the part every service shares ([`Config`]) and the helpers each service's own
//! `Config::from_env` reads its variables with. Every variable is listed in the README.

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

/// What every service reads: where data lives, how it listens, how it trusts tokens and
/// peers, and how long calls may take. Each service's own settings are in its crate
/// (`auth::Config`, `orders::Config`, …); this is only the part they share.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    /// `DATABASE_URL` and `DATABASE_SCHEMA`, before a service picks its own (see
    /// [`Config::database_for`]).
    pub database_url: Option<DatabaseUrl>,
    /// PostgreSQL schema; defaults to the service's name.
    pub database_schema: Option<String>,
    pub db_max_connections: u32,
    pub bind_addr: IpAddr,
    /// Where auth answers: its signing keys (JWKS) and service tokens.
    pub auth_url: String,
    /// Where the events service answers: every outbox relay delivers there.
    pub events_url: String,
    /// How outbox relays send.
    pub outbox: OutboxSettings,
    pub service_client_secret: Secret,
    /// True when no `SERVICE_CLIENT_SECRET` was given and this process made one up: fine in
    /// `all`, useless for services in separate processes.
    pub service_client_secret_generated: bool,
    /// How long a call to another service may take (each service derives its own budget).
    pub upstream_timeout: Duration,
    /// The currency of every price and total: inventory and orders must agree on it.
    pub currency: contracts::Currency,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Proxies whose `X-Forwarded-For` is believed (the gateway, a load balancer); loopback by
    /// default, which covers `stockroom all`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The shape this process runs in (`all` or `serve`).
    pub mode: Mode,
    /// How often a service refreshes auth's signing keys in the background.
    pub jwks_refresh: Duration,
    /// Slow-client protection for every server.
    pub http: HttpLimits,
}

/// A database URL whose `Debug` output hides the password (in the authority and in a
/// `password=` query parameter).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL as read from the environment or made for a test.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }
    /// The whole URL, password included: for connecting, never for logging.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(mut url) = reqwest::Url::parse(&self.0) else {
            return f.write_str("DatabaseUrl(<redacted>)");
        };
        if url.password().is_some() {
            let _ = url.set_password(Some("redacted"));
        }
        if url.query().is_some() {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("password") {
                        "redacted".to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        write!(f, "DatabaseUrl({:?})", url.as_str())
    }
}

/// The database one service uses, and its PostgreSQL schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Database {
    pub url: DatabaseUrl,
    pub schema: String,
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

/// How a service's outbox relay sends its events (`OUTBOX_*`).
#[derive(Clone, Debug)]
pub struct OutboxSettings {
    /// Events per call to the events service.
    pub batch: i64,
    /// How often the outbox is checked when no commit woke the relay.
    pub poll: Duration,
    /// The first wait after a failed delivery, doubling per failure up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
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

/// Parses `name`, or gives `default` when it is unset.
pub fn parse<T: FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
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

/// An ISO 4217 code (case-insensitive, as it always was), or `default` when unset.
fn currency(name: &'static str, default: &str) -> Result<contracts::Currency, ConfigError> {
    currency_of(name, var(name), default)
}

fn currency_of(
    name: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<contracts::Currency, ConfigError> {
    let value = value.unwrap_or_else(|| default.to_string());
    contracts::Currency::parse(&value.trim().to_uppercase()).map_err(|e| ConfigError {
        name,
        reason: e.to_string(),
        value,
    })
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

impl Config {
    /// Reads the environment. `mode` only changes defaults (bind address).
    pub fn from_env(mode: Mode) -> Result<Self, ConfigError> {
        let default_bind = match mode {
            Mode::All => "127.0.0.1",
            Mode::Serve => "0.0.0.0",
        };
        let bind_addr = parse("BIND_ADDR", default_bind.parse().expect("literal address"))?;
        let trusted_proxies = networks("TRUSTED_PROXIES", "127.0.0.0/8,::1/128")?;
        Ok(Self {
            data_dir: var("STOCKROOM_DATA_DIR")
                .unwrap_or_else(|| "./data".into())
                .into(),
            database_url: var("DATABASE_URL").map(DatabaseUrl),
            database_schema: var("DATABASE_SCHEMA"),
            db_max_connections: parse("DB_MAX_CONNECTIONS", 10)?,
            bind_addr,
            auth_url: service_url("AUTH_URL", "AUTH_PORT", 8001)?,
            events_url: service_url("EVENTS_URL", "EVENTS_PORT", 8004)?,
            outbox: OutboxSettings {
                batch: parse("OUTBOX_BATCH", 100)?,
                poll: millis("OUTBOX_POLL_MS", 1000)?,
                retry_base: millis("OUTBOX_RETRY_BASE_MS", 200)?,
                retry_max: millis("OUTBOX_RETRY_MAX_MS", 30_000)?,
            },
            service_client_secret: var("SERVICE_CLIENT_SECRET")
                .map(Secret::new)
                .unwrap_or_else(Secret::generate),
            service_client_secret_generated: var("SERVICE_CLIENT_SECRET").is_none(),
            upstream_timeout: millis("UPSTREAM_TIMEOUT_MS", 5000)?,
            currency: currency("STOCKROOM_CURRENCY", "USD")?,
            jwt_issuer: var("JWT_ISSUER").unwrap_or_else(|| "stockroom-auth".into()),
            jwt_audience: var("JWT_AUDIENCE").unwrap_or_else(|| "stockroom".into()),
            trusted_proxies: trusted_proxies.clone(),
            mode,
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

    /// The database `service` uses: `DATABASE_URL` (in the schema `DATABASE_SCHEMA`, else
    /// the service's name), or its own SQLite file in the data dir.
    pub fn database_for(&self, service: &str) -> Database {
        Database {
            url: self.database_url.clone().unwrap_or_else(|| {
                DatabaseUrl(format!("sqlite://{}/{service}.db", self.data_dir.display()))
            }),
            schema: self
                .database_schema
                .clone()
                .unwrap_or_else(|| service.to_string()),
        }
    }
}

/// Reads `name`, or `default` when it is unset; for a service's own settings.
pub fn string(name: &'static str, default: &str) -> String {
    var(name).unwrap_or_else(|| default.to_string())
}

/// Reads `name` when it is set (and not blank).
pub fn optional(name: &'static str) -> Option<String> {
    var(name)
}

/// `name` in milliseconds, or `default` ms when unset.
pub fn millis(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    parse(name, default).map(Duration::from_millis)
}

/// `name` in seconds, or `default` s when unset.
pub fn secs(name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    parse(name, default).map(Duration::from_secs)
}

/// A comma-separated list, trimmed, blanks dropped; `default` when unset.
pub fn list(name: &'static str, default: &str) -> Vec<String> {
    var(name)
        .unwrap_or_else(|| default.to_string())
        .split(',')
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

/// A service's port: `port_name` (e.g. `INVENTORY_PORT`), or `default`.
pub fn port(port_name: &'static str, default: u16) -> Result<u16, ConfigError> {
    parse(port_name, default)
}

/// Where a service answers: `url_name` (e.g. `INVENTORY_URL`), else loopback on the port
/// `port_name` names (or `default_port`), which is where `stockroom all` puts it.
pub fn service_url(
    url_name: &'static str,
    port_name: &'static str,
    default_port: u16,
) -> Result<String, ConfigError> {
    Ok(match var(url_name) {
        Some(url) => url,
        None => format!("http://127.0.0.1:{}", port(port_name, default_port)?),
    })
}

#[cfg(test)]
mod tests {
    use super::{Config, DatabaseUrl, Mode, Secret};

    #[test]
    fn a_database_url_never_prints_its_password() {
        let url = DatabaseUrl::new("postgres://orders:hunter2-s3cret@db:5432/stockroom");
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("orders:redacted@db:5432/stockroom"),
            "{shown}"
        );
        let query = DatabaseUrl::new("postgres://db/stockroom?user=orders&password=hunter2");
        let shown = format!("{query:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("user=orders"), "{shown}");
        let sqlite = DatabaseUrl::new("sqlite://./data/orders.db");
        assert!(format!("{sqlite:?}").contains("orders.db"));
        assert!(!format!("{:?}", DatabaseUrl::new("not a url hunter2")).contains("hunter2"));
    }

    #[test]
    fn the_common_config_prints_neither_its_secret_nor_its_database_password() {
        let mut config = Config::from_env(Mode::All).expect("the defaults parse");
        config.service_client_secret = Secret::new("hunter2-service-secret");
        config.database_url = Some(DatabaseUrl::new("postgres://auth:hunter2@db/stockroom"));
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(
            config.database_for("auth").url.expose(),
            "postgres://auth:hunter2@db/stockroom",
            "redacted only when printed"
        );
    }

    #[test]
    fn the_currency_is_parsed_once_and_a_bad_one_names_its_variable() {
        let of =
            |v: Option<&str>| super::currency_of("STOCKROOM_CURRENCY", v.map(String::from), "USD");
        assert_eq!(of(None).unwrap().as_str(), "USD");
        assert_eq!(
            of(Some("eur")).unwrap().as_str(),
            "EUR",
            "case-insensitive, as before"
        );
        let e = of(Some("EURO")).unwrap_err().to_string();
        assert!(
            e.contains("STOCKROOM_CURRENCY") && e.contains("EURO"),
            "{e}"
        );
        assert!(e.contains("ISO 4217"), "{e}");
    }

    #[test]
    fn a_short_or_placeholder_secret_is_refused_and_a_random_one_accepted() {
        assert!(Secret::new("short").check_strong("S").is_err());
        assert!(Secret::new("change-me-to-a-long-random-string-0123456789")
            .check_strong("S")
            .is_err());
        assert!(Secret::generate().check_strong("S").is_ok());
    }
}

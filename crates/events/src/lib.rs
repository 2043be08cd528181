//! The events service: the audit log of every domain event, webhooks with signed and retried
//! deliveries, email notifications, and live event streams. Every other service's outbox
//! relay delivers here (`POST /internal/events`).

mod config;
mod fanout;
mod mail;
mod model;
mod patterns;
mod routes;
mod store;
mod webhooks;
mod work;

use std::sync::Arc;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    error::StartupError,
    health::{self, Check},
};
use tokio::sync::watch;

pub use config::Config;
pub use routes::openapi;
pub use work::Background;

pub const SERVICE: &str = "events";

static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct EventsState {
    store: Arc<dyn store::EventsStore>,
    config: Arc<Config>,
    verifier: TokenVerifier,
    background: Arc<Background>,
    /// Bumped when events arrive here, so live streams look at once.
    live: Arc<watch::Sender<u64>>,
    health: Vec<Check>,
}

impl FromRef<EventsState> for TokenVerifier {
    fn from_ref(state: &EventsState) -> Self {
        state.verifier.clone()
    }
}

impl EventsState {
    /// Connects, migrates, starts fetching auth's signing keys and starts the background work
    /// (planning, webhook deliveries, emails), which runs until [`Background::stop`] or until
    /// the last handle to it is gone.
    pub async fn connect(common: &kernel::Config, config: Config) -> Result<Self, StartupError> {
        let mailer = mail::Mailer::new(config.smtp_url.as_ref(), &config.mail_from).map_err(
            |mail::MailConfigError(name, reason)| kernel::config::ConfigError {
                name,
                value: "<redacted>".into(),
                reason,
            },
        )?;
        let db = Db::open(common, &config.database, &MIGRATIONS).await?;
        let http = kernel::server::http_client(common.upstream_timeout);
        let verifier = TokenVerifier::from_config(common, http);
        let keys_known = Check::signing_keys(&verifier);
        let store = store::open(db.clone());
        let config = Arc::new(config);
        let deliveries = webhooks::client(&config)
            .map_err(|e| kernel::AppError::internal(format!("the webhook client: {e}")))?;
        let background = Arc::new(Background::new(
            store.clone(),
            mailer,
            deliveries,
            config.clone(),
        ));
        background.spawn();
        Ok(Self {
            store,
            config,
            verifier,
            background,
            live: Arc::new(watch::channel(0).0),
            health: vec![Check::database(db), keys_known],
        })
    }

    /// The service's background work, to stop it or (in tests) to drive it directly.
    pub fn background(&self) -> Arc<Background> {
        self.background.clone()
    }
}

/// The events service's whole HTTP surface: its routes, health and the common layers.
pub fn router(state: EventsState) -> Router {
    let health = health::routes(SERVICE, state.health.clone());
    let app = routes::router(state).merge(health);
    kernel::server::wrap(SERVICE, app, kernel::server::BODY_LIMIT)
}

//! The auth service: users, roles, passwords, sessions (refresh tokens), service tokens and
//! the public signing keys every other service verifies tokens with.

mod bootstrap;
mod config;
mod domain;
mod events;
mod hashing;
mod keys;
mod limiter;
mod routes;
mod store;
mod tokens;

use std::sync::Arc;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    error::StartupError,
    health::{self, Check},
    outbox::{Relay, RelayConfig},
};

pub use config::Config;
pub use domain::User;
pub use routes::openapi;

pub const SERVICE: &str = "auth";

// 0001 and 0002 are the same in both directories (one set served both backends before);
// from 0003 PostgreSQL has native types and SQLite keeps its stored forms.
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AuthState {
    common: Arc<kernel::Config>,
    config: Arc<Config>,
    store: Arc<dyn store::AuthStore>,
    keys: Arc<keys::Keys>,
    verifier: TokenVerifier,
    limits: Arc<limiter::Limits>,
    hasher: hashing::Hasher,
    /// Verified against for unknown emails, so both failures take the same time.
    dummy_hash: Arc<String>,
    /// Delivers the events auth records to the events service.
    relay: Relay,
    health: Vec<Check>,
}

impl FromRef<AuthState> for TokenVerifier {
    fn from_ref(state: &AuthState) -> Self {
        state.verifier.clone()
    }
}

impl AuthState {
    /// Connects to the database, migrates, and loads the signing keys (making one on the
    /// first start).
    pub async fn connect(common: &kernel::Config, config: Config) -> Result<Self, StartupError> {
        let db = Db::open(common, &config.database, &MIGRATIONS).await?;
        let store = store::open(db.clone());
        let keys = keys::Keys::load(store.as_ref(), &config).await?;
        bootstrap::announce(store.as_ref(), common, &config).await?;
        let verifier = TokenVerifier::local(&common.jwt_issuer, &common.jwt_audience);
        verifier.set_keys(&keys.jwks);
        let hasher = hashing::Hasher::new(config.password_hash_queue);
        let dummy_hash = hasher.hash("a password nobody has".into()).await?;
        let keys = Arc::new(keys);
        let common = Arc::new(common.clone());
        let relay = Relay::start(
            SERVICE,
            db.clone(),
            kernel::server::http_client(common.upstream_timeout),
            Arc::new(events::OwnTokens {
                keys: keys.clone(),
                common: common.clone(),
            }),
            RelayConfig::from_common(&common),
        );
        Ok(Self {
            limits: Arc::new(limiter::Limits::new(store.clone(), &config)),
            common,
            config: Arc::new(config),
            store,
            keys,
            verifier,
            hasher,
            dummy_hash: Arc::new(dummy_hash),
            relay,
            health: vec![Check::database(db)],
        })
    }

    /// The outbox relay, to drive it directly in tests or ask what is still waiting.
    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }
}

/// auth's whole HTTP surface: its routes, health and the common layers.
pub fn router(state: AuthState) -> Router {
    let health = health::routes(SERVICE, state.health.clone());
    let app = routes::router(state).merge(health);
    // The common limit, the one the gateway forwards up to: a smaller one here would answer
    // before the body is read, and the gateway would see a reset connection, not our 413.
    // Over-long fields are refused while parsing, without a copy (see `domain::Bounded`).
    kernel::server::wrap(SERVICE, app, kernel::server::BODY_LIMIT)
}

//! The inventory service: the catalogue, stock levels, the stock ledger, suppliers, and the
//! all-or-nothing reservations the orders service places.

mod config;
mod domain;
mod events;
mod model;
mod purchasing;
mod purchasing_model;
mod purchasing_validate;
mod reserver;
mod routes;
mod stocktake;
mod store;
mod validate;

use std::sync::Arc;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    error::StartupError,
    health::{self, Check},
    outbox::{Relay, RelayConfig},
    service_token::ServiceTokens,
};
use store::InventoryStore;

pub use config::Config;
pub use model::Product;
pub use routes::openapi;

pub const SERVICE: &str = "inventory";

// One directory per backend: both start from the same 0001/0002 (byte-identical, so databases
// made before the split keep their checksums); PostgreSQL then moves to native types (0003).
static POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATIONS: Migrations = Migrations {
    postgres: &POSTGRES,
    sqlite: &SQLITE,
};

#[derive(Clone)]
pub struct InventoryState {
    store: Arc<dyn InventoryStore>,
    reserver: reserver::Reserver,
    verifier: TokenVerifier,
    /// Delivers the events inventory records to the events service.
    relay: Relay,
    health: Vec<Check>,
    /// Crash tests only: see [`Config::pause_after_commit`].
    pause_after_commit: Option<std::time::Duration>,
}

impl FromRef<InventoryState> for TokenVerifier {
    fn from_ref(state: &InventoryState) -> Self {
        state.verifier.clone()
    }
}

impl InventoryState {
    /// Connects to the database, migrates, starts fetching auth's signing keys and starts
    /// relaying its outbox.
    pub async fn connect(common: &kernel::Config, config: Config) -> Result<Self, StartupError> {
        let db = Db::open(common, &config.database, &MIGRATIONS).await?;
        let http = kernel::server::http_client(common.upstream_timeout);
        // Kept on disk, so inventory restarted while auth is down still delivers its events.
        let tokens = ServiceTokens::from_config(common, http.clone(), SERVICE);
        let relay = Relay::start(
            SERVICE,
            db.clone(),
            http.clone(),
            Arc::new(tokens),
            RelayConfig::from_common(common),
        );
        let verifier = TokenVerifier::from_config(common, http);
        let keys_known = Check::signing_keys(&verifier);
        let store = store::open(
            db.clone(),
            common.currency.clone(),
            config.default_reorder_point,
        );
        Ok(Self {
            reserver: reserver::Reserver::start(
                store.clone(),
                config.reserve_workers,
                relay.clone(),
            ),
            store,
            verifier,
            relay,
            health: vec![Check::database(db), keys_known],
            pause_after_commit: config.pause_after_commit,
        })
    }

    /// The outbox relay, to drive it directly in tests or ask what is still waiting.
    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }
}

/// inventory's whole HTTP surface: its routes, health and the common layers.
pub fn router(state: InventoryState) -> Router {
    let health = health::routes(SERVICE, state.health.clone());
    let app = routes::router(state).merge(health);
    kernel::server::wrap(SERVICE, app, kernel::server::BODY_LIMIT)
}

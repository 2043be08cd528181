//! The inventory service: the catalogue, stock levels, the stock ledger, suppliers, and the
//! all-or-nothing reservations the orders service places.

mod config;
mod csv_cells;
mod domain;
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
    /// Connects to the database, migrates, and starts fetching auth's signing keys.
    pub async fn connect(common: &kernel::Config, config: Config) -> Result<Self, StartupError> {
        let db = Db::open(common, &config.database, &MIGRATIONS).await?;
        let http = kernel::server::http_client(common.upstream_timeout);
        let verifier = TokenVerifier::from_config(common, http);
        let keys_known = Check::signing_keys(&verifier);
        let store = store::open(
            db.clone(),
            common.currency.clone(),
            config.default_reorder_point,
        );
        Ok(Self {
            reserver: reserver::Reserver::start(store.clone(), config.reserve_workers),
            store,
            verifier,
            health: vec![Check::database(db), keys_known],
            pause_after_commit: config.pause_after_commit,
        })
    }
}

/// inventory's whole HTTP surface: its routes, health and the common layers.
pub fn router(state: InventoryState) -> Router {
    let health = health::routes(SERVICE, state.health.clone());
    let app = routes::router(state).merge(health);
    kernel::server::wrap(SERVICE, app, kernel::server::BODY_LIMIT)
}

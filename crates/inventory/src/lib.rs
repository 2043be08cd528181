//! The inventory service: the catalogue, stock levels, the stock ledger, suppliers, and the
//! all-or-nothing reservations the orders service places.

mod csv_cells;
mod domain;
mod model;
mod routes;
mod store;
mod validate;

use std::sync::Arc;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    error::StartupError,
    health::{self, Check},
    Settings,
};
use store::InventoryStore;

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
    verifier: TokenVerifier,
}

impl FromRef<InventoryState> for TokenVerifier {
    fn from_ref(state: &InventoryState) -> Self {
        state.verifier.clone()
    }
}

/// Connects to the database, migrates and builds the router.
pub async fn build(
    settings: &Settings,
    database_url: &str,
    schema: &str,
) -> Result<Router, StartupError> {
    let db = Db::connect(
        database_url,
        schema,
        settings.db_max_connections,
        &MIGRATIONS,
    )
    .await?;
    let http = kernel::server::http_client(settings.upstream_timeout);
    let verifier = TokenVerifier::from_settings(settings, http);
    let keys_known = Check::signing_keys(&verifier);
    let state = InventoryState {
        store: store::open(db.clone(), settings.currency.clone()),
        verifier,
    };
    let app = routes::router(state).merge(health::routes(
        SERVICE,
        vec![Check::database(db), keys_known],
    ));
    Ok(kernel::server::wrap(
        SERVICE,
        app,
        kernel::server::BODY_LIMIT,
    ))
}

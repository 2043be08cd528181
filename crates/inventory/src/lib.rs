//! The inventory service: the catalogue, stock levels, the stock ledger, suppliers, and the
//! all-or-nothing reservations the orders service places.

mod csv_cells;
mod domain;
mod model;
mod routes;
mod store;
mod validate;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    error::StartupError,
    health::{self, Check},
    legacy::db::{Db, Migrations},
    Settings,
};

pub use model::{Product, Reservation, ReservedLine, ShortLine, StockLevel, Summary};
pub use routes::openapi;

pub const SERVICE: &str = "inventory";

// The same DDL suits both backends here, so one directory serves both.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
static MIGRATIONS: Migrations = Migrations {
    postgres: &MIGRATOR,
    sqlite: &MIGRATOR,
};

#[derive(Clone)]
pub struct InventoryState {
    store: store::Store,
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
        store: store::Store::new(db.clone(), settings.currency.clone()),
        verifier,
    };
    let app = routes::router(state).merge(health::routes(
        SERVICE,
        vec![Check::legacy_database(db), keys_known],
    ));
    Ok(kernel::server::wrap(
        SERVICE,
        app,
        kernel::server::BODY_LIMIT,
    ))
}

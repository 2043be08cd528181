//! The orders service: the order lifecycle as a saga over inventory, idempotent order
//! creation, history, statistics, and (in `ai/`) the AI summaries and insights.

mod domain;
mod inventory;
mod model;
mod routes;
mod saga;
mod store;
mod sweeper;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    error::StartupError,
    health::{self, Check},
    Settings,
};
use tokio_util::sync::CancellationToken;

pub use model::Order;
pub use routes::openapi;

pub const SERVICE: &str = "orders";

static MIGRATIONS: Migrations = Migrations {
    postgres: &sqlx::migrate!("migrations/postgres"),
    sqlite: &sqlx::migrate!("migrations/sqlite"),
};

#[derive(Clone)]
pub struct OrdersState {
    saga: saga::Saga,
    verifier: TokenVerifier,
}

impl FromRef<OrdersState> for TokenVerifier {
    fn from_ref(state: &OrdersState) -> Self {
        state.verifier.clone()
    }
}

/// Connects, migrates, starts the sweeper (stopped by `shutdown`) and builds the router.
pub async fn build(
    settings: &Settings,
    database_url: &str,
    schema: &str,
    shutdown: CancellationToken,
) -> Result<Router, StartupError> {
    let db = Db::connect(
        database_url,
        schema,
        settings.db_max_connections,
        &MIGRATIONS,
    )
    .await?;
    let http = kernel::server::http_client(settings.upstream_timeout);
    let verifier = TokenVerifier::remote(
        &settings.auth_url,
        &settings.jwt_issuer,
        &settings.jwt_audience,
        http.clone(),
    );
    let store = store::Store::new(db.clone(), settings.currency.clone());
    let inventory = inventory::InventoryClient::new(settings, http.clone());
    let ai_enabled = settings.ai.api_key.is_some();
    let saga = saga::Saga::new(store, inventory, ai_enabled, settings.upstream_timeout);
    sweeper::spawn(
        saga.clone(),
        settings.sweep_interval,
        settings.pending_grace,
        shutdown,
    );
    let state = OrdersState { saga, verifier };
    let checks = vec![
        Check::database(db),
        Check::peer("inventory", http, &settings.inventory_url),
    ];
    let app = routes::router(state).merge(health::routes(SERVICE, checks));
    Ok(kernel::server::wrap(
        SERVICE,
        app,
        kernel::server::BODY_LIMIT,
    ))
}

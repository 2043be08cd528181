//! The orders service: the order lifecycle as a saga over inventory, idempotent order
//! creation, history, statistics, and (in `ai/`) the AI summaries and insights.

mod ai;
pub mod background;
mod domain;
mod idempotency;
mod inventory;
mod model;
mod routes;
mod saga;
pub mod store;
mod sweeper;

use std::sync::Arc;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    error::StartupError,
    health::{self, Check},
    Settings,
};
use tokio_util::sync::CancellationToken;

pub use background::Background;
pub use model::{AiSummary, HistoryEntry, Order, OrderLine, SummaryStatus};
pub use routes::openapi;

pub const SERVICE: &str = "orders";

/// Orders' migrations, per backend.
pub static MIGRATIONS: Migrations = Migrations {
    postgres: &sqlx::migrate!("migrations/postgres"),
    sqlite: &sqlx::migrate!("migrations/sqlite"),
};

#[derive(Clone)]
pub struct OrdersState {
    saga: saga::Saga,
    ai: Arc<ai::Ai>,
    insights: ai::Insights,
    verifier: TokenVerifier,
    /// Kept here so [`Background::of`] finds it exactly as long as the service runs.
    _background: Arc<Background>,
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
    // Half the gateway's timeout: the innermost call gives up first, so a hung inventory
    // costs the client a clean 503 from orders, not the gateway's 504.
    let http = kernel::server::http_client(settings.upstream_timeout / 2);
    let verifier = TokenVerifier::from_settings(settings, http.clone());
    let keys_known = Check::signing_keys(&verifier);
    let store = store::open(db.clone(), settings.currency.clone());
    let inventory = inventory::InventoryClient::new(settings, http.clone());
    let ai = Arc::new(ai::Ai::new(&settings.ai));
    let insights = ai::Insights::new(ai.clone(), store.clone(), inventory.clone());
    let saga = saga::Saga::new(
        store.clone(),
        inventory,
        ai.clone(),
        settings.upstream_timeout,
    );
    sweeper::spawn(
        saga.clone(),
        settings.sweep_interval,
        settings.pending_grace,
        shutdown.clone(),
    );
    ai::worker::spawn(ai.clone(), store, &settings.ai, shutdown);
    let background = Arc::new(Background {
        saga: saga.clone(),
        ai: ai.clone(),
        pending_grace: settings.pending_grace,
        job_lease: settings.ai.job_lease,
    });
    background.register(database_url, schema);
    let state = OrdersState {
        saga,
        ai,
        insights,
        verifier,
        _background: background,
    };
    let checks = vec![
        Check::database(db),
        keys_known,
        Check::peer("inventory", http, &settings.inventory_url),
    ];
    let app = routes::router(state).merge(health::routes(SERVICE, checks));
    Ok(kernel::server::wrap(
        SERVICE,
        app,
        kernel::server::BODY_LIMIT,
    ))
}

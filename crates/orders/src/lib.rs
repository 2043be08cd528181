//! The orders service: the order lifecycle as a saga over inventory, idempotent order
//! creation, history, statistics, and (in `ai/`) the AI summaries and insights.

mod address;
mod ai;
pub mod background;
mod config;
mod customers;
mod domain;
mod events;
mod fulfilment;
mod idempotency;
mod inventory;
mod model;
mod returns;
mod routes;
mod saga;
mod shipments;
pub mod store;
mod sweeper;

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
use tokio_util::sync::CancellationToken;

pub use address::ShippingAddress;
pub use background::Background;
pub use config::{AiConfig, Config};
pub use model::{AiSummary, HistoryEntry, Order, OrderLine, SummaryStatus};
pub use returns::{Return, ReturnLine, ReturnStatus};
pub use routes::openapi;
pub use shipments::{Shipment, ShipmentLine};

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
    assistant: ai::Assistant,
    verifier: TokenVerifier,
    background: Arc<Background>,
    /// Delivers the events orders records to the events service.
    relay: Relay,
    health: Vec<Check>,
}

impl FromRef<OrdersState> for TokenVerifier {
    fn from_ref(state: &OrdersState) -> Self {
        state.verifier.clone()
    }
}

impl OrdersState {
    /// Connects, migrates, and starts the background work (the sweeper and the AI workers),
    /// which runs until [`Background::stop`] or until the last handle to it is gone.
    pub async fn connect(common: &kernel::Config, config: Config) -> Result<Self, StartupError> {
        let db = Db::open(common, &config.database, &MIGRATIONS).await?;
        // Half the gateway's timeout: the innermost call gives up first, so a hung inventory
        // costs the client a clean 503 from orders, not the gateway's 504.
        let http = kernel::server::http_client(common.upstream_timeout / 2);
        let verifier = TokenVerifier::from_config(common, http.clone());
        let keys_known = Check::signing_keys(&verifier);
        let store = store::open(db.clone(), common.currency.clone());
        // One token cache for every peer orders calls as itself: inventory and the events service.
        // Kept on disk, so orders restarted while auth is down can still reach them.
        let tokens = ServiceTokens::from_config(common, http.clone(), SERVICE);
        let inventory =
            inventory::InventoryClient::new(common, &config, http.clone(), tokens.clone());
        let relay = Relay::start(
            SERVICE,
            db.clone(),
            kernel::server::http_client(common.upstream_timeout),
            Arc::new(tokens),
            RelayConfig::from_common(common),
        );
        let ai = Arc::new(ai::Ai::new(&config.ai));
        let insights = ai::Insights::new(ai.clone(), store.clone(), inventory.clone());
        // The assistant reads inventory as its caller, on the same pooled connections.
        let caller_inventory = ai::CallerInventory::new(
            http.clone(),
            &config.inventory_url,
            common.upstream_timeout / 2,
        );
        let customers = customers::Customers::new(common, http.clone());
        let saga = saga::Saga::new(
            store.clone(),
            inventory,
            customers,
            ai.clone(),
            relay.clone(),
            saga::SagaSettings {
                upstream_timeout: common.upstream_timeout,
                pending_grace: config.pending_grace,
                pause_after_reserve: config.pause_after_reserve,
                pause_after_ship: config.pause_after_ship,
                return_window: config.return_window,
            },
        );
        // The whole answer ends before the gateway would give up on it (and count orders as
        // failing): under AI_TIMEOUT_MS, and under 90% of UPSTREAM_TIMEOUT_MS.
        let assistant = ai::Assistant::new(
            ai.clone(),
            saga.clone(),
            insights.clone(),
            caller_inventory,
            config.ai.tools,
            config.ai.timeout.min(common.upstream_timeout.mul_f64(0.9)),
        );
        let background = Arc::new(Background {
            saga: saga.clone(),
            ai: ai.clone(),
            pending_grace: config.pending_grace,
            job_lease: config.ai.job_lease,
            stop: CancellationToken::new(),
        });
        sweeper::spawn(
            saga.clone(),
            config.sweep_interval,
            config.reconcile_interval,
            config.pending_grace,
            background.stop.clone(),
        );
        ai::worker::spawn(ai.clone(), store, &config.ai, background.stop.clone());
        let health = vec![
            Check::database(db),
            keys_known,
            Check::peer("inventory", http, &config.inventory_url),
        ];
        Ok(Self {
            saga,
            ai,
            insights,
            assistant,
            verifier,
            background,
            relay,
            health,
        })
    }

    /// The outbox relay, to drive it directly in tests or ask what is still waiting.
    pub fn relay(&self) -> Relay {
        self.relay.clone()
    }

    /// The service's background work, to stop it or (in tests) to drive it directly.
    pub fn background(&self) -> Arc<Background> {
        self.background.clone()
    }
}

/// orders' whole HTTP surface: its routes, health and the common layers.
pub fn router(state: OrdersState) -> Router {
    let health = health::routes(SERVICE, state.health.clone());
    let app = routes::router(state).merge(health);
    kernel::server::wrap(SERVICE, app, kernel::server::BODY_LIMIT)
}

//! The integration-test harness: starts real services on loopback port 0, each on a fresh
//! database (SQLite file, or a fresh PostgreSQL schema when `STOCKROOM_TEST_DATABASE_URL` is
//! set), wired to each other over HTTP exactly as in production, plus an HTTP client.

mod accounts;
mod client;
mod eventually;
pub mod fake_ai;
pub mod fault;
pub mod forge;
pub mod process;

use std::net::SocketAddr;

use axum::Router;
use kernel::{
    testing::{fresh_database, spawn_on, Spawned, TestDatabase},
    Settings,
};
use tokio_util::sync::CancellationToken;

pub use accounts::{confirmed_units, Session};
pub use client::{Api, Reply};
pub use eventually::eventually;

/// Which services a test needs. Peers a test leaves out simply are not listening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Svc {
    Auth,
    Inventory,
    Orders,
    Gateway,
}

impl Svc {
    pub fn name(self) -> &'static str {
        match self {
            Svc::Auth => "auth",
            Svc::Inventory => "inventory",
            Svc::Orders => "orders",
            Svc::Gateway => "gateway",
        }
    }
}

struct Running {
    svc: Svc,
    addr: SocketAddr,
    db: TestDatabase,
    server: Option<Spawned>,
    background: CancellationToken,
}

/// A running system for one test.
pub struct TestSystem {
    pub settings: Settings,
    running: Vec<Running>,
}

impl TestSystem {
    /// Starts the given services with default test settings.
    pub async fn start(services: &[Svc]) -> Self {
        Self::start_with(services, |_| {}).await
    }

    /// Starts the given services after `tweak` adjusts the settings.
    pub async fn start_with(services: &[Svc], tweak: impl FnOnce(&mut Settings)) -> Self {
        kernel::telemetry::init_logging();
        let mut settings = kernel::testing::settings();
        // Every service gets a port first, so each knows where its peers are before it starts.
        let mut listeners = Vec::new();
        for svc in [Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway] {
            // The services' own backlog, so bursts in tests meet what production meets.
            let listener = kernel::server::bind(([127, 0, 0, 1], 0).into())
                .await
                .expect("bind a loopback port");
            let addr = listener
                .local_addr()
                .expect("bound listener has an address");
            let url = format!("http://{addr}");
            match svc {
                Svc::Auth => settings.auth_url = url,
                Svc::Inventory => settings.inventory_url = url,
                Svc::Orders => settings.orders_url = url,
                Svc::Gateway => settings.gateway_port = addr.port(),
            }
            listeners.push((svc, listener, addr));
        }
        tweak(&mut settings);
        let mut system = Self {
            settings,
            running: Vec::new(),
        };
        for (svc, listener, addr) in listeners {
            if services.contains(&svc) {
                let db = fresh_database(svc.name());
                let background = CancellationToken::new();
                let app = system.build(svc, &db, &background).await;
                let server = Some(spawn_on(listener, app, system.settings.http.clone()));
                system.running.push(Running {
                    svc,
                    addr,
                    db,
                    server,
                    background,
                });
            }
        }
        system
    }

    async fn build(&self, svc: Svc, db: &TestDatabase, background: &CancellationToken) -> Router {
        let s = &self.settings;
        let built = match svc {
            Svc::Auth => auth::build(s, &db.url, &db.schema).await,
            Svc::Inventory => inventory::build(s, &db.url, &db.schema).await,
            Svc::Orders => orders::build(s, &db.url, &db.schema, background.clone()).await,
            Svc::Gateway => {
                let openapi = [auth::openapi(), inventory::openapi(), orders::openapi()];
                gateway::build(s, gateway::merge_openapi(openapi)).await
            }
        };
        built.unwrap_or_else(|e| panic!("{} failed to start: {e}", svc.name()))
    }

    fn running(&self, svc: Svc) -> &Running {
        self.running
            .iter()
            .find(|r| r.svc == svc)
            .unwrap_or_else(|| panic!("{} was not started in this test", svc.name()))
    }

    pub fn url(&self, svc: Svc) -> String {
        format!("http://{}", self.running(svc).addr)
    }

    /// An HTTP client for one service.
    pub fn api(&self, svc: Svc) -> Api {
        Api::new(self.url(svc))
    }

    /// The database a service runs on (to restart it on the same data).
    pub fn database(&self, svc: Svc) -> TestDatabase {
        self.running(svc).db.clone()
    }

    /// Stops a service gracefully; its port stays reserved for [`TestSystem::restart`].
    pub async fn stop(&mut self, svc: Svc) {
        let running = self
            .running
            .iter_mut()
            .find(|r| r.svc == svc)
            .expect("service was started");
        running.background.cancel();
        if let Some(server) = running.server.take() {
            server.stop().await;
        }
    }

    /// Starts a stopped service again on the same port and the same database.
    pub async fn restart(&mut self, svc: Svc) {
        let (addr, db) = {
            let r = self.running(svc);
            assert!(
                r.server.is_none(),
                "stop {} before restarting it",
                svc.name()
            );
            (r.addr, r.db.clone())
        };
        let background = CancellationToken::new();
        let app = self.build(svc, &db, &background).await;
        let listener = kernel::server::bind(addr)
            .await
            .expect("rebind the same port");
        let running = self
            .running
            .iter_mut()
            .find(|r| r.svc == svc)
            .expect("service was started");
        running.server = Some(spawn_on(listener, app, self.settings.http.clone()));
        running.background = background;
    }
}

impl Drop for TestSystem {
    fn drop(&mut self) {
        for r in &self.running {
            r.background.cancel();
            if let Some(server) = &r.server {
                server.shutdown.cancel();
            }
        }
    }
}

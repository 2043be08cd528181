//! The integration-test harness: starts real services on loopback port 0, each on a fresh
//! database (SQLite file, or a fresh PostgreSQL schema when `STOCKROOM_TEST_DATABASE_URL` is
//! set), wired to each other over HTTP exactly as in production, plus an HTTP client.

mod accounts;
mod client;
mod eventually;
pub mod fake_ai;
pub mod fault;
pub mod forge;
pub mod otlp;
pub mod process;
pub mod receiver;
pub mod smtp;

use std::{net::SocketAddr, sync::Arc};

use axum::Router;
use kernel::testing::{fresh_database, spawn_on, Spawned, TestDatabase};

pub use accounts::{confirmed_units, Session};
pub use client::{Api, Reply};
pub use eventually::eventually;

/// Which services a test needs. Peers a test leaves out simply are not listening.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Svc {
    Auth,
    Inventory,
    Orders,
    Events,
    Gateway,
}

impl Svc {
    pub fn name(self) -> &'static str {
        match self {
            Svc::Auth => "auth",
            Svc::Inventory => "inventory",
            Svc::Orders => "orders",
            Svc::Events => "events",
            Svc::Gateway => "gateway",
        }
    }
}

struct Running {
    svc: Svc,
    addr: SocketAddr,
    db: TestDatabase,
    server: Option<Spawned>,
    /// orders' sweeper and AI work, stopped with the service.
    background: Option<Arc<orders::Background>>,
    /// The events service's deliveries and emails, stopped with the service.
    event_work: Option<Arc<events::Background>>,
    /// auth's outbox relay.
    relay: Option<kernel::outbox::Relay>,
}

/// What building a service hands back besides its router.
#[derive(Default)]
struct Parts {
    background: Option<Arc<orders::Background>>,
    event_work: Option<Arc<events::Background>>,
    relay: Option<kernel::outbox::Relay>,
}

/// Every service's configuration, as `stockroom all` would read it, with test-friendly
/// overrides; a test adjusts it in [`TestSystem::start_with`] (or between a stop and a
/// restart). Each service's database is the test's own, whatever `database` says.
#[derive(Clone, Debug)]
pub struct TestConfig {
    pub common: kernel::Config,
    pub auth: auth::Config,
    pub inventory: inventory::Config,
    pub orders: orders::Config,
    pub events: events::Config,
    pub gateway: gateway::Config,
}

impl TestConfig {
    fn from_env() -> Self {
        let common = kernel::testing::config();
        Self {
            auth: auth::Config::from_env(&common).unwrap_or_else(|e| panic!("test config: {e}")),
            inventory: inventory::Config::from_env(&common)
                .unwrap_or_else(|e| panic!("test config: {e}")),
            orders: orders::Config::from_env(&common)
                .unwrap_or_else(|e| panic!("test config: {e}")),
            events: events::Config::from_env(&common)
                .unwrap_or_else(|e| panic!("test config: {e}")),
            gateway: gateway::Config::from_env().unwrap_or_else(|e| panic!("test config: {e}")),
            common,
        }
    }

    /// Where orders and the gateway find inventory.
    pub fn set_inventory_url(&mut self, url: &str) {
        self.orders.inventory_url = url.to_string();
        self.gateway.inventory_url = url.to_string();
    }
}

/// A running system for one test.
pub struct TestSystem {
    pub config: TestConfig,
    running: Vec<Running>,
}

impl TestSystem {
    /// Starts the given services with the default test configuration.
    pub async fn start(services: &[Svc]) -> Self {
        Self::start_with(services, |_| {}).await
    }

    /// Starts the given services after `tweak` adjusts the configuration.
    pub async fn start_with(services: &[Svc], tweak: impl FnOnce(&mut TestConfig)) -> Self {
        kernel::telemetry::init_logging();
        let mut config = TestConfig::from_env();
        // Every service gets a port first, so each knows where its peers are before it starts.
        let mut listeners = Vec::new();
        for svc in [
            Svc::Auth,
            Svc::Inventory,
            Svc::Orders,
            Svc::Events,
            Svc::Gateway,
        ] {
            // The services' own backlog, so bursts in tests meet what production meets.
            let listener = kernel::server::bind(([127, 0, 0, 1], 0).into())
                .await
                .expect("bind a loopback port");
            let addr = listener
                .local_addr()
                .expect("bound listener has an address");
            let url = format!("http://{addr}");
            match svc {
                Svc::Auth => config.common.auth_url = url,
                Svc::Inventory => config.set_inventory_url(&url),
                Svc::Orders => config.gateway.orders_url = url,
                Svc::Events => {
                    config.common.events_url = url.clone();
                    config.gateway.events_url = url;
                }
                Svc::Gateway => config.gateway.port = addr.port(),
            }
            listeners.push((svc, listener, addr));
        }
        tweak(&mut config);
        let mut system = Self {
            config,
            running: Vec::new(),
        };
        for (svc, listener, addr) in listeners {
            if services.contains(&svc) {
                let db = fresh_database(svc.name());
                let (app, parts) = system.build(svc, &db).await;
                let server = Some(spawn_on(listener, app, system.config.common.http.clone()));
                system.running.push(Running {
                    svc,
                    addr,
                    db,
                    server,
                    background: parts.background,
                    event_work: parts.event_work,
                    relay: parts.relay,
                });
            }
        }
        system
    }

    async fn build(&self, svc: Svc, db: &TestDatabase) -> (Router, Parts) {
        let c = &self.config;
        let common = &c.common;
        let database = db.database();
        let started = match svc {
            Svc::Auth => {
                let config = auth::Config {
                    database,
                    ..c.auth.clone()
                };
                auth::AuthState::connect(common, config).await.map(|state| {
                    let relay = Some(state.relay());
                    (
                        auth::router(state),
                        Parts {
                            relay,
                            ..Parts::default()
                        },
                    )
                })
            }
            Svc::Inventory => {
                let config = inventory::Config {
                    database,
                    ..c.inventory.clone()
                };
                inventory::InventoryState::connect(common, config)
                    .await
                    .map(|state| (inventory::router(state), Parts::default()))
            }
            Svc::Orders => {
                let config = orders::Config {
                    database,
                    ..c.orders.clone()
                };
                orders::OrdersState::connect(common, config)
                    .await
                    .map(|state| {
                        let background = Some(state.background());
                        (
                            orders::router(state),
                            Parts {
                                background,
                                ..Parts::default()
                            },
                        )
                    })
            }
            Svc::Events => {
                let config = events::Config {
                    database,
                    ..c.events.clone()
                };
                events::EventsState::connect(common, config)
                    .await
                    .map(|state| {
                        let event_work = Some(state.background());
                        (
                            events::router(state),
                            Parts {
                                event_work,
                                ..Parts::default()
                            },
                        )
                    })
            }
            Svc::Gateway => {
                let openapi = [
                    auth::openapi(),
                    inventory::openapi(),
                    orders::openapi(),
                    events::openapi(),
                ];
                gateway::GatewayState::connect(common, c.gateway.clone())
                    .await
                    .map(|state| {
                        (
                            gateway::router(state, gateway::merge_openapi(openapi)),
                            Parts::default(),
                        )
                    })
            }
        };
        started.unwrap_or_else(|e| panic!("{} failed to start: {e}", svc.name()))
    }

    /// orders' background work, to drive directly: drain the AI queue, run a sweep.
    pub fn background(&self) -> Arc<orders::Background> {
        self.running(Svc::Orders)
            .background
            .clone()
            .expect("orders has background work")
    }

    /// The events service's background work, to drive directly: plan, deliver, send mail.
    pub fn event_work(&self) -> Arc<events::Background> {
        self.running(Svc::Events)
            .event_work
            .clone()
            .expect("the events service has background work")
    }

    /// auth's outbox relay, to drive directly or to ask what is still waiting.
    pub fn auth_relay(&self) -> kernel::outbox::Relay {
        self.running(Svc::Auth)
            .relay
            .clone()
            .expect("auth has an outbox relay")
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
        if let Some(background) = &running.background {
            background.stop();
        }
        if let Some(work) = running.event_work.take() {
            work.stop();
        }
        running.relay = None;
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
        let (app, parts) = self.build(svc, &db).await;
        let listener = kernel::server::bind(addr)
            .await
            .expect("rebind the same port");
        let running = self
            .running
            .iter_mut()
            .find(|r| r.svc == svc)
            .expect("service was started");
        running.server = Some(spawn_on(listener, app, self.config.common.http.clone()));
        running.background = parts.background;
        running.event_work = parts.event_work;
        running.relay = parts.relay;
    }
}

impl Drop for TestSystem {
    fn drop(&mut self) {
        for r in &self.running {
            if let Some(background) = &r.background {
                background.stop();
            }
            if let Some(work) = &r.event_work {
                work.stop();
            }
            if let Some(server) = &r.server {
                server.shutdown.cancel();
            }
        }
    }
}

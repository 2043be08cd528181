//! Starting services: one, or all of them in this process on their own ports.

use std::net::SocketAddr;

use axum::Router;
use kernel::{
    config::{ConfigError, Mode},
    error::StartupError,
};
use tokio_util::sync::CancellationToken;

use crate::Service;

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Gateway => gateway::SERVICE,
            Service::Auth => auth::SERVICE,
            Service::Inventory => inventory::SERVICE,
            Service::Orders => orders::SERVICE,
            Service::Events => events::SERVICE,
        }
    }
}

/// One service's own configuration, read before anything starts, so a bad variable stops the
/// process before a port is bound or a database touched.
enum Config {
    Gateway(gateway::Config),
    Auth(auth::Config),
    Inventory(inventory::Config),
    Orders(orders::Config),
    Events(events::Config),
}

impl Config {
    fn from_env(service: Service, common: &kernel::Config) -> Result<Self, ConfigError> {
        Ok(match service {
            Service::Gateway => Config::Gateway(gateway::Config::from_env()?),
            Service::Auth => Config::Auth(auth::Config::from_env(common)?),
            Service::Inventory => Config::Inventory(inventory::Config::from_env(common)?),
            Service::Orders => Config::Orders(orders::Config::from_env(common)?),
            Service::Events => Config::Events(events::Config::from_env(common)?),
        })
    }

    fn port(&self) -> u16 {
        match self {
            Config::Gateway(c) => c.port,
            Config::Auth(c) => c.port,
            Config::Inventory(c) => c.port,
            Config::Orders(c) => c.port,
            Config::Events(c) => c.port,
        }
    }

    /// Connects the service's state and builds its router; background work stops with
    /// `shutdown`.
    async fn router(
        self,
        common: &kernel::Config,
        shutdown: &CancellationToken,
    ) -> Result<Router, StartupError> {
        Ok(match self {
            Config::Gateway(c) => gateway::router(
                gateway::GatewayState::connect(common, c).await?,
                crate::openapi(),
            ),
            Config::Auth(c) => auth::router(auth::AuthState::connect(common, c).await?),
            Config::Inventory(c) => {
                inventory::router(inventory::InventoryState::connect(common, c).await?)
            }
            Config::Orders(c) => {
                let state = orders::OrdersState::connect(common, c).await?;
                state.background().stop_on(shutdown.clone());
                orders::router(state)
            }
            Config::Events(c) => {
                let state = events::EventsState::connect(common, c).await?;
                state.background().stop_on(shutdown.clone());
                events::router(state)
            }
        })
    }
}

const ALL: [Service; 5] = [
    Service::Auth,
    Service::Inventory,
    Service::Orders,
    Service::Events,
    Service::Gateway,
];

pub async fn run_all() -> Result<(), StartupError> {
    let mut common = kernel::Config::from_env(Mode::All)?;
    // In one process, each service keeps its own SQLite file: same isolation as separate ones.
    // It holds every service's data and the cached signing keys: the owner's alone.
    kernel::files::create_private_dir(&common.data_dir)?;
    common.database_schema = None;
    let configs = ALL
        .into_iter()
        .map(|service| Ok((service, Config::from_env(service, &common)?)))
        .collect::<Result<Vec<_>, ConfigError>>()?;
    let shutdown = kernel::server::shutdown_on_signal();
    let started = std::time::Instant::now();
    let mut servers = Vec::new();
    let mut gateway_port = 0;
    for (service, config) in configs {
        let listener = listen(service, &common, config.port()).await?;
        if let Service::Gateway = service {
            gateway_port = listener.local_addr()?.port();
        }
        let app = config.router(&common, &shutdown).await?;
        servers.push(tokio::spawn(kernel::server::serve(
            listener,
            app,
            common.http.clone(),
            shutdown.clone(),
        )));
    }
    tracing::info!(
        ready_ms = started.elapsed().as_millis() as u64,
        url = %format!("http://localhost:{gateway_port}"),
        "stockroom is ready"
    );
    for server in servers {
        server
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
    }
    Ok(())
}

pub async fn run_one(service: Service) -> Result<(), StartupError> {
    let common = kernel::Config::from_env(Mode::Serve)?;
    let config = Config::from_env(service, &common)?;
    // auth checks the secret and orders presents it: apart, they must share one, and it must
    // be one nobody can guess (a service token reserves stock and reads every order).
    if matches!(service, Service::Auth | Service::Orders) {
        if common.service_client_secret_generated {
            return Err(kernel::config::ConfigError {
                name: "SERVICE_CLIENT_SECRET",
                value: String::new(),
                reason: "must be set (the same value for auth and orders) when services run as separate processes; generate one with `openssl rand -hex 32`".into(),
            }
            .into());
        }
        common
            .service_client_secret
            .check_strong("SERVICE_CLIENT_SECRET")?;
    }
    // Cached signing keys and service tokens live here (and SQLite files, without
    // DATABASE_URL): owner-only, even when the directory was made earlier with wider rights.
    kernel::files::create_private_dir(&common.data_dir)?;
    let shutdown = kernel::server::shutdown_on_signal();
    let listener = listen(service, &common, config.port()).await?;
    // On stderr, for whoever started this process: with the port set to 0 it is the only
    // place the chosen port appears (the log on stdout may be filtered or shipped away).
    eprintln!("listening on {}", listener.local_addr()?);
    let app = config.router(&common, &shutdown).await?;
    tracing::info!(service = service.name(), "ready");
    kernel::server::serve(listener, app, common.http.clone(), shutdown).await?;
    Ok(())
}

/// Binds the service's port (0: any free port) before the service is built, so the port
/// is known, and reported, as early as possible; connections wait in the backlog meanwhile.
async fn listen(
    service: Service,
    common: &kernel::Config,
    port: u16,
) -> Result<tokio::net::TcpListener, StartupError> {
    let addr = SocketAddr::new(common.bind_addr, port);
    let listener = kernel::server::bind(addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(service = service.name(), %addr, "listening");
    Ok(listener)
}

/// Asks the local instance of `service` for `/healthz`, with a short timeout.
pub async fn probe(service: Service) -> Result<(), StartupError> {
    let common = kernel::Config::from_env(Mode::Serve)?;
    let port = Config::from_env(service, &common)?.port();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let http = kernel::server::http_client(std::time::Duration::from_secs(2));
    match http.get(&url).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(std::io::Error::other(format!("{url} answered {}", r.status())).into()),
        Err(e) => Err(std::io::Error::other(format!("{url}: {e}")).into()),
    }
}

//! Starting services: one, or all of them in this process on their own ports.

use std::net::SocketAddr;

use axum::Router;
use kernel::{config::Mode, error::StartupError, Settings};
use tokio_util::sync::CancellationToken;

use crate::Service;

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Gateway => "gateway",
            Service::Auth => "auth",
            Service::Inventory => "inventory",
            Service::Orders => "orders",
        }
    }

    fn port(self, s: &Settings) -> u16 {
        match self {
            Service::Gateway => s.gateway_port,
            Service::Auth => s.auth_port,
            Service::Inventory => s.inventory_port,
            Service::Orders => s.orders_port,
        }
    }

    async fn build(
        self,
        s: &Settings,
        shutdown: &CancellationToken,
    ) -> Result<Router, StartupError> {
        let url = s.database_url_for(self.name());
        let schema = s.schema_for(self.name());
        match self {
            Service::Gateway => gateway::build(s, crate::openapi()).await,
            Service::Auth => auth::build(s, &url, &schema).await,
            Service::Inventory => inventory::build(s, &url, &schema).await,
            Service::Orders => orders::build(s, &url, &schema, shutdown.clone()).await,
        }
    }
}

const ALL: [Service; 4] = [
    Service::Auth,
    Service::Inventory,
    Service::Orders,
    Service::Gateway,
];

pub async fn run_all() -> Result<(), StartupError> {
    let mut settings = Settings::from_env(Mode::All)?;
    // In one process, each service keeps its own SQLite file: same isolation as separate ones.
    // It holds every service's data and the cached signing keys: the owner's alone.
    kernel::files::create_private_dir(&settings.data_dir)?;
    settings.database_schema = None;
    let shutdown = kernel::server::shutdown_on_signal();
    let started = std::time::Instant::now();
    let mut servers = Vec::new();
    for service in ALL {
        let listener = listen(service, &settings).await?;
        let app = service.build(&settings, &shutdown).await?;
        servers.push(tokio::spawn(kernel::server::serve(
            listener,
            app,
            settings.http.clone(),
            shutdown.clone(),
        )));
    }
    tracing::info!(
        ready_ms = started.elapsed().as_millis() as u64,
        url = %format!("http://localhost:{}", settings.gateway_port),
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
    let settings = Settings::from_env(Mode::Serve)?;
    // auth checks the secret and orders presents it: apart, they must share one, and it must
    // be one nobody can guess (a service token reserves stock and reads every order).
    if matches!(service, Service::Auth | Service::Orders) {
        if settings.service_client_secret_generated {
            return Err(kernel::config::ConfigError {
                name: "SERVICE_CLIENT_SECRET",
                value: String::new(),
                reason: "must be set (the same value for auth and orders) when services run as separate processes; generate one with `openssl rand -hex 32`".into(),
            }
            .into());
        }
        settings
            .service_client_secret
            .check_strong("SERVICE_CLIENT_SECRET")?;
    }
    // Cached signing keys and service tokens live here (and SQLite files, without
    // DATABASE_URL): owner-only, even when the directory was made earlier with wider rights.
    kernel::files::create_private_dir(&settings.data_dir)?;
    let shutdown = kernel::server::shutdown_on_signal();
    let listener = listen(service, &settings).await?;
    // On stderr, for whoever started this process: with the port set to 0 it is the only
    // place the chosen port appears (the log on stdout may be filtered or shipped away).
    eprintln!("listening on {}", listener.local_addr()?);
    let app = service.build(&settings, &shutdown).await?;
    tracing::info!(service = service.name(), "ready");
    kernel::server::serve(listener, app, settings.http.clone(), shutdown).await?;
    Ok(())
}

/// Binds the service's port (0: any free port) before the service is built, so the port
/// is known, and reported, as early as possible; connections wait in the backlog meanwhile.
async fn listen(
    service: Service,
    settings: &Settings,
) -> Result<tokio::net::TcpListener, StartupError> {
    let addr = SocketAddr::new(settings.bind_addr, service.port(settings));
    let listener = kernel::server::bind(addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(service = service.name(), %addr, "listening");
    Ok(listener)
}

/// Asks the local instance of `service` for `/healthz`, with a short timeout.
pub async fn probe(service: Service) -> Result<(), StartupError> {
    let settings = Settings::from_env(Mode::Serve)?;
    let url = format!("http://127.0.0.1:{}/healthz", service.port(&settings));
    let http = kernel::server::http_client(std::time::Duration::from_secs(2));
    match http.get(&url).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(std::io::Error::other(format!("{url} answered {}", r.status())).into()),
        Err(e) => Err(std::io::Error::other(format!("{url}: {e}")).into()),
    }
}

//! The one Stockroom binary: parses the command line and starts what was asked for.

mod demo;
mod services;

use clap::{Parser, Subcommand, ValueEnum};

const ENVIRONMENT: &str = "\
ENVIRONMENT (defaults in brackets; see the README for the full list):
  STOCKROOM_DATA_DIR    SQLite files and generated state [./data]
  DATABASE_URL          postgres://… to use PostgreSQL [SQLite file per service]
  DATABASE_SCHEMA       PostgreSQL schema [the service's name]
  GATEWAY_PORT AUTH_PORT INVENTORY_PORT ORDERS_PORT EVENTS_PORT [8000 8001 8002 8003 8004]
                        0: any free port; `serve` prints `listening on <addr>` to stderr
  BIND_ADDR             [127.0.0.1 for all, 0.0.0.0 for serve]
  AUTH_URL INVENTORY_URL ORDERS_URL EVENTS_URL  where services find each other [http://127.0.0.1:800x]
  SMTP_URL MAIL_FROM    outgoing email [unset: emails recorded as not_sent]
  SERVICE_CLIENT_SECRET secret for service tokens [generated, in `all` only]
  OPENROUTER_API_KEY    enables AI [unset: AI disabled]
  RUST_LOG LOG_FORMAT   [info] [json, or pretty]";

#[derive(Parser)]
#[command(
    name = "stockroom",
    version,
    about = "Stockroom: AI-assisted order and inventory management",
    long_about = "Stockroom: AI-assisted order and inventory management.\n\n\
        `stockroom all` (the default) runs every service in one process, each on its own port, \
        on SQLite files under STOCKROOM_DATA_DIR: no database server, no Docker, no AI key.\n\
        `stockroom serve <service>` runs one service, as Docker Compose and Kubernetes do; \
        with DATABASE_URL=postgres://… it uses PostgreSQL in the service's own schema.",
    after_help = ENVIRONMENT
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Every service in one process (the default).
    All,
    /// One service in this process.
    Serve {
        #[arg(value_enum)]
        service: Service,
    },
    /// Print the public API's OpenAPI document (the one served at /openapi.json).
    Openapi,
    /// Fill a running Stockroom with a demo shop through its public API (idempotent: a second
    /// run adds nothing) and print the demo accounts. Needs a fresh system: its first
    /// registered account becomes the admin.
    Demo {
        /// The gateway's address.
        #[arg(long, env = "STOCKROOM_URL", default_value = "http://127.0.0.1:8000")]
        url: String,
    },
    /// Exit 0 when the service answers its /healthz on this machine (container health checks).
    Probe {
        #[arg(value_enum)]
        service: Service,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Service {
    Gateway,
    Auth,
    Inventory,
    Orders,
    Events,
}

/// The public API's one document: every service's part, merged by the gateway's rules. Built
/// here, where every service is compiled anyway, so the gateway itself compiles none of them.
pub fn openapi() -> utoipa::openapi::OpenApi {
    gateway::merge_openapi([
        auth::openapi(),
        inventory::openapi(),
        orders::openapi(),
        events::openapi(),
    ])
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kernel::telemetry::init_logging();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::All) {
        Command::All => services::run_all().await,
        Command::Serve { service } => services::run_one(service).await,
        Command::Probe { service } => services::probe(service).await,
        Command::Demo { url } => match demo::run(&url).await {
            Ok(report) => {
                println!(
                    "Demo data at {url}: {} accounts, {} suppliers, {} products and {} orders added.\n{}",
                    report.accounts_created,
                    report.suppliers_created,
                    report.products_created,
                    report.orders_placed,
                    demo::accounts()
                );
                Ok(())
            }
            Err(e) => {
                eprintln!("stockroom demo: {e}");
                return std::process::ExitCode::FAILURE;
            }
        },
        Command::Openapi => {
            println!("{}", openapi().to_pretty_json().unwrap_or_default());
            Ok(())
        }
    };
    kernel::telemetry::shutdown();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stockroom stopped");
            eprintln!("stockroom: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

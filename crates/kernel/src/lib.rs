//! What every Stockroom service needs and nothing domain-specific: configuration, the error
//! type and its problem+json wire format, the JSON extractor, database pools and migrations,
//! token verification, service tokens, the resilient HTTP client, telemetry, health endpoints
//! and graceful shutdown.

pub mod auth;
pub mod breaker;
pub mod config;
mod connection;
pub mod context;
pub mod csv_cells;
pub mod db;
pub mod error;
pub mod extract;
pub mod files;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod middleware;
pub mod outbox;
pub mod pagination;
pub mod server;
pub mod service_token;
pub mod telemetry;
pub mod time;

#[cfg(feature = "testing")]
pub mod testing;

pub use config::Config;
pub use error::{AppError, FieldError, Problem, Result};
pub use json::Json;

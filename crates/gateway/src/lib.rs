//! The gateway (being built).

use axum::Router;
use kernel::{error::StartupError, health, Settings};

pub const SERVICE: &str = "gateway";

pub async fn build(_settings: &Settings) -> Result<Router, StartupError> {
    Ok(kernel::server::wrap(
        SERVICE,
        health::routes(SERVICE, vec![]),
        kernel::server::BODY_LIMIT,
    ))
}

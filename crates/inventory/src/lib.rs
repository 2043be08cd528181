//! The inventory service (being built).

use axum::Router;
use kernel::{error::StartupError, health, Settings};

pub const SERVICE: &str = "inventory";

pub async fn build(
    _settings: &Settings,
    _url: &str,
    _schema: &str,
) -> Result<Router, StartupError> {
    Ok(kernel::server::wrap(
        SERVICE,
        health::routes(SERVICE, vec![]),
        kernel::server::BODY_LIMIT,
    ))
}

//! The `Any`-driver helpers the stores used before each had its typed implementation.
//! Removed once no store uses them.

pub mod db;
pub mod idempotency;
pub mod pagination;

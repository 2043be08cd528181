//! Stockroom's integration tests: real services over HTTP, on SQLite by default and on
//! PostgreSQL when `STOCKROOM_TEST_DATABASE_URL` is set. One binary keeps link time down.

mod ai;
mod assistant;
mod assistant_abuse;
mod assistant_limits;
mod auth;
mod backdated;
mod events;
mod fulfilment;
mod gateway;
mod inventory;
mod inventory_events;
mod isolation;
mod order_events;
mod orders;
mod reorder_default;
mod returns;
mod stocktake;
mod tokens;

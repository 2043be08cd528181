//! The security suite (`make test-reliability`): every attack of the hardening issue sent
//! through the gateway of a real system, and shown refused. Memory is measured before and
//! after the attacks that used to grow it, with the bound written in the test.
//! Ignored by the ordinary run; `make test-reliability` runs it on SQLite and PostgreSQL.

mod admin_bootstrap;
mod breakers;
mod compound;
mod contracts;
mod key_rotation;
mod login;
mod metrics;
mod passwords;
mod paths;
mod propagation;
mod rate_limits;
mod secrets;
mod server_limits;
mod signing_keys;

//! The transactional outbox: a service records its domain events in its own database, in the
//! same transaction as the change they describe, and a relay delivers them to the events
//! service (`POST /internal/events`) at least once, in the order they were recorded. The
//! events service keeps each event id once, so a redelivery after a crash doubles nothing.
//!
//! Adopting it takes a service three steps:
//! 1. a migration per backend with the table in `crates/kernel/migrations/{postgres,sqlite}`
//!    (copied as it is);
//! 2. [`record_postgres`] / [`record_sqlite`] on the transaction that makes the change, after
//!    the statement that locks the entity (so two changes of one entity are recorded in the
//!    order they commit);
//! 3. [`Relay::start`] when the service starts, and [`Relay::wake`] after a commit that
//!    recorded something, so events leave at once rather than at the next poll.

mod postgres;
mod relay;
mod sqlite;

pub use contracts::events::{Actor, Entity, Event, Origin};
pub use postgres::record as record_postgres;
pub use relay::{Relay, RelayConfig, TokenSource};
pub use sqlite::record as record_sqlite;

/// The request context an event is recorded in, kept with it so the relay's call and the
/// stored event can be traced back to the request that caused it.
fn origin() -> Origin {
    match crate::context::current() {
        Some(ctx) => Origin {
            request_id: Some(ctx.request_id),
            traceparent: ctx.traceparent,
        },
        None => Origin::default(),
    }
}

/// A recorded event waiting for the relay.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub seq: i64,
    pub event: String,
    pub origin: Origin,
}

//! What Stockroom's processes say to each other, as types: inventory's `/internal/` API that
//! orders calls, the dashboard the gateway assembles, order states, ids and money. Both sides
//! of a call compile against the same definitions, so a renamed field is a compile error
//! rather than a `null` read by name at run time. No axum and no sqlx here: this crate is
//! only data and the rules that make it valid.

pub mod dashboard;
pub mod events;
pub mod ids;
pub mod limits;
pub mod money;
pub mod order;
pub mod quantity;
pub mod reservation;
pub mod stock;

pub use ids::{OrderId, ProductId};
pub use money::{Currency, Money, MoneyError};
pub use order::OrderStatus;
pub use quantity::Quantity;

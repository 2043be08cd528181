//! Orders' `Idempotency-Key`. The key is stored on the order row itself, unique per customer,
//! written with the order and its first answer in one statement; a repeated key replays that
//! answer before inventory is asked again (kernel::idempotency's `once` serves inventory's
//! single-transaction changes; placing an order spans a call to inventory). The key format,
//! the 422 on a different request and the replayed answer are the kernel's, shared with
//! inventory.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use kernel::{auth::AuthUser, idempotency::Stored, Json, Problem};

use crate::{inventory::Refusal, model::Order};

/// The answer to an order inventory refused, as sent and as kept for replays: inventory's
/// short lines as field errors, and the lines themselves.
pub fn refused_problem(refusal: &Refusal) -> Problem {
    let detail = refusal
        .detail
        .clone()
        .unwrap_or_else(|| "some lines cannot be reserved".to_string());
    let short_lines = serde_json::to_value(&refusal.short_lines).unwrap_or_default();
    let mut problem = Problem::new(
        StatusCode::CONFLICT,
        "insufficient-stock",
        "Insufficient stock",
    )
    .detail(detail)
    .extension("short_lines", short_lines);
    problem.errors = refusal.errors.clone();
    problem
}

/// The answer to an order whose total cannot be represented (it was held at inventory, and
/// is released): a 409, kept for replays like a refusal.
pub fn too_large_problem(detail: &str) -> Problem {
    Problem::new(StatusCode::CONFLICT, "order-too-large", "Order too large").detail(detail)
}

/// The kept answer of an order again, as `caller` may read it (see [`Order::seen_by`]).
pub fn replay(status: u16, body: String, caller: &AuthUser) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let stored = Stored { status, body };
    if status.is_success() && !caller.role().is_staff() {
        if let Ok(order) = serde_json::from_str::<Order>(&stored.body) {
            let mut response = (status, Json(order.seen_by(caller))).into_response();
            response.headers_mut().insert(
                kernel::idempotency::REPLAYED,
                axum::http::HeaderValue::from_static("true"),
            );
            return response;
        }
    }
    stored.replay()
}

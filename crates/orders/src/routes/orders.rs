//! The order lifecycle over HTTP.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use contracts::{dashboard::Stats, OrderId};
use kernel::{
    auth::AuthUser,
    extract::{Path, Query},
    idempotency::{mismatch, IdempotencyKey},
    pagination::{Cursor, Page, PageRequest},
    AppError, FieldError, Json, Problem, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    address::ShippingAddress,
    domain::{OrderRequest, OrderStatus},
    idempotency,
    model::{CreateOrder, Order, Reason},
    saga::Placed,
    store::OrderFilter,
    OrdersState,
};

/// Places an order: stock is reserved at inventory's prices, or nothing is. Staff may place
/// one for a customer (`customer_id`).
#[utoipa::path(post, path = "/api/orders", tag = "orders", request_body = CreateOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key and body return the first answer")),
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = Order), (status = 403, description = "Only staff place orders for someone else or record earlier ones", body = kernel::Problem),
              (status = 409, description = "insufficient stock", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem), (status = 503, description = "A service this needs is unavailable", body = kernel::Problem)))]
pub async fn create(
    State(state): State<OrdersState>,
    caller: AuthUser,
    headers: HeaderMap,
    Json(req): Json<CreateOrder>,
) -> Result<Response> {
    caller.require_user()?;
    let key = IdempotencyKey::from_headers(&headers)?;
    let request = parse_order(req)?;
    match state.saga.place(&caller, key, request).await? {
        Placed::Confirmed(order) => {
            let order = state.saga.wire(*order, &caller);
            Ok((StatusCode::CREATED, Json(order)).into_response())
        }
        Placed::TooLarge(detail) => Err(AppError::Problem(Box::new(
            idempotency::too_large_problem(&detail),
        ))),
        Placed::Replayed { status, body } => Ok(idempotency::replay(status, body, &caller)),
        Placed::Refused(refusal) => Err(AppError::Problem(Box::new(idempotency::refused_problem(
            &refusal,
        )))),
        Placed::Unavailable { retry_after_secs } => Err(inventory_unavailable(retry_after_secs)),
        Placed::InProgress(id) => Err(AppError::conflict(
            "in-progress",
            "Order in progress",
            format!("order {id} with this key is still being placed; retry in a moment"),
        )),
        Placed::KeyMismatch => Err(mismatch()),
    }
}

/// The order request with its address and customer checked; every invalid field at once.
fn parse_order(req: CreateOrder) -> Result<OrderRequest> {
    let mut errors = Vec::new();
    let mut request = match OrderRequest::parse(&req.lines, req.note.as_deref()) {
        Ok(r) => Some(r),
        Err(AppError::Validation(e)) => {
            errors.extend(e);
            None
        }
        Err(e) => return Err(e),
    };
    let address = match req.shipping_address.as_ref().map(ShippingAddress::parse) {
        Some(Err(e)) => {
            errors.extend(e);
            None
        }
        Some(Ok(a)) => Some(a),
        None => None,
    };
    let customer = match req.customer_id.as_deref().map(uuid::Uuid::parse_str) {
        Some(Err(_)) => {
            errors.push(FieldError::new("customer_id", "must be a user id (a UUID)"));
            None
        }
        Some(Ok(id)) => Some(id),
        None => None,
    };
    if let Some(at) = req.placed_at {
        errors.extend(backdating_error(at, crate::store::now()));
    }
    match request.as_mut() {
        Some(r) if errors.is_empty() => {
            r.shipping_address = address;
            r.on_behalf_of = customer;
            r.placed_at = req.placed_at;
        }
        _ => return Err(AppError::Validation(errors)),
    }
    request.ok_or_else(|| AppError::internal("an order request went missing"))
}

/// How far back an order may be recorded: a year of history, with a leap day.
const MAX_BACKDATE_DAYS: i64 = 366;

/// Why `placed_at` cannot be used, if it cannot: only the past, and only the last year.
fn backdating_error(at: DateTime<Utc>, now: DateTime<Utc>) -> Option<FieldError> {
    if at > now {
        Some(FieldError::new("placed_at", "must not be in the future"))
    } else if at < now - chrono::Duration::days(MAX_BACKDATE_DAYS) {
        Some(FieldError::new(
            "placed_at",
            format!("must be within the last {MAX_BACKDATE_DAYS} days"),
        ))
    } else {
        None
    }
}

fn inventory_unavailable(retry_after_secs: u64) -> AppError {
    AppError::Problem(Box::new(
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .detail("inventory is unavailable; nothing was reserved or charged. Try again shortly.")
        .retry_after(retry_after_secs),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(
        pattern = "^(pending|confirmed|rejected|failed|cancelled|partially_fulfilled|fulfilled|delivered)$"
    )]
    status: Option<String>,
    /// Staff only: one customer's orders
    #[param(format = Uuid)]
    customer_id: Option<String>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
}

/// Orders, newest first: customers see their own, staff see all.
#[utoipa::path(get, path = "/api/orders", tag = "orders", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Order>)))]
pub async fn list(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Order>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            OrderStatus::parse(s)
                .ok_or_else(|| AppError::BadRequest(format!("unknown status {s:?}")))
        })
        .transpose()?;
    let customer_id = if caller.role().is_staff() {
        q.customer_id
    } else {
        Some(caller.require_user()?.to_string())
    };
    let orders = state
        .saga
        .store
        .list_orders(
            &OrderFilter {
                status,
                customer_id,
            },
            &page,
        )
        .await?;
    let orders = orders
        .into_iter()
        .map(|o| state.saga.wire(o, &caller))
        .collect();
    Ok(Json(page.page(orders, |o| Cursor {
        created_at: o.created_at,
        id: o.id.as_uuid(),
    })))
}

/// One order with its history and AI summary.
#[utoipa::path(get, path = "/api/orders/{id}", tag = "orders", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Order), (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn get(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<OrderId>,
) -> Result<Json<Order>> {
    Ok(Json(
        state
            .saga
            .wire(state.saga.visible(id, &caller).await?, &caller),
    ))
}

/// Cancels a confirmed (or, staff, a partially fulfilled) order: the stock not shipped yet is
/// released.
#[utoipa::path(post, path = "/api/orders/{id}/cancel", tag = "orders", params(("id" = Uuid, Path)),
    request_body = Reason, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Order), (status = 404, description = "Not found", body = kernel::Problem), (status = 409, description = "Conflict", body = kernel::Problem)))]
pub async fn cancel(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<OrderId>,
    body: axum::body::Bytes,
) -> Result<Json<Order>> {
    // The body is optional: an empty one means no reason.
    let body: Reason = if body.is_empty() {
        Reason::default()
    } else {
        kernel::json::parse(&body)?
    };
    let reason = body
        .reason
        .map(|r| r.trim().chars().take(500).collect::<String>());
    let order = state
        .saga
        .cancel(id, &caller, reason.filter(|r| !r.is_empty()))
        .await?;
    Ok(Json(state.saga.wire(order, &caller)))
}

/// Fulfils an order (staff): one shipment of everything not shipped yet; its stock leaves.
#[utoipa::path(post, path = "/api/orders/{id}/fulfil", tag = "orders", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Order), (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem), (status = 409, description = "Conflict", body = kernel::Problem)))]
pub async fn fulfil(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<OrderId>,
) -> Result<Json<Order>> {
    let order = state.saga.fulfil(id, &caller).await?;
    Ok(Json(state.saga.wire(order, &caller)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// 1–365, default 30
    #[param(minimum = 1, maximum = 365)]
    days: Option<i64>,
}

/// Counts by status, revenue by day and top products (staff). Revenue is gross (orders
/// confirmed, partially fulfilled, fulfilled or delivered); refunds of received returns are
/// reported apart in `refunds_cents`.
#[utoipa::path(get, path = "/api/orders/stats", tag = "orders", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Stats)))]
pub async fn stats(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Stats>> {
    caller.require_staff()?;
    let days = q.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(AppError::validation("days", "must be between 1 and 365"));
    }
    Ok(Json(state.saga.store.stats(days).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_are_backdated_within_the_last_year_only() {
        let now = Utc::now();
        assert!(backdating_error(now, now).is_none());
        assert!(backdating_error(now - chrono::Duration::days(60), now).is_none());
        assert!(backdating_error(now - chrono::Duration::days(MAX_BACKDATE_DAYS), now).is_none());
        assert!(backdating_error(now + chrono::Duration::seconds(1), now).is_some());
        let too_old =
            now - chrono::Duration::days(MAX_BACKDATE_DAYS) - chrono::Duration::seconds(1);
        assert!(backdating_error(too_old, now).is_some());
    }
}

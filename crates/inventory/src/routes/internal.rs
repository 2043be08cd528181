//! `/internal/` endpoints for the orders service (service tokens only; never routed by the
//! gateway).

use std::collections::HashSet;

use axum::{
    extract::State,
    http::StatusCode,
    routing::{delete, get, post},
    Router,
};
use kernel::{
    auth::AuthUser,
    extract::{Path, Query},
    AppError, FieldError, Json, Problem, Result,
};
use serde::Deserialize;
use uuid::Uuid;

use contracts::{
    limits::MAX_LINES,
    reservation::{
        CommitRequest, HoldPage, Reservation, ReserveLine, RestockRequest, Restocked, Settlement,
        ShortReason,
    },
    stock::StockLevels,
    OrderId, ProductId, Quantity,
};

use crate::{
    store::{ReserveCall, ReserveOutcome},
    InventoryState,
};

pub fn router() -> Router<InventoryState> {
    Router::new()
        .route("/internal/reservations", post(reserve).get(holds))
        .route("/internal/reservations/{id}", delete(release))
        .route("/internal/reservations/{id}/commit", post(commit))
        .route("/internal/returns", post(restock))
        .route("/internal/stock", get(stock))
}

/// [`contracts::reservation::ReserveRequest`] as it arrives: quantities are plain integers
/// until checked here, so an out-of-range one gets the field error it always got rather than
/// a body that does not parse.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReserveRequest {
    reservation_id: OrderId,
    lines: Vec<RawLine>,
}

#[derive(Deserialize)]
struct RawLine {
    product_id: ProductId,
    quantity: i64,
}

async fn reserve(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Json(req): Json<RawReserveRequest>,
) -> Result<(StatusCode, Json<Reservation>)> {
    caller.require_service()?;
    let mut errors = Vec::new();
    let mut lines = Vec::with_capacity(req.lines.len());
    if !(1..=MAX_LINES).contains(&req.lines.len()) {
        errors.push(FieldError::new(
            "lines",
            format!("must have 1 to {MAX_LINES} lines"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, line) in req.lines.iter().enumerate() {
        match Quantity::new(line.quantity) {
            Ok(quantity) => lines.push(ReserveLine {
                product_id: line.product_id,
                quantity,
            }),
            Err(e) => errors.push(FieldError::new(
                format!("lines[{i}].quantity"),
                e.to_string(),
            )),
        }
        if !seen.insert(line.product_id) {
            errors.push(FieldError::new(
                format!("lines[{i}].product_id"),
                "appears twice; merge the lines",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let call = ReserveCall {
        id: req.reservation_id,
        lines,
        context: kernel::context::current(),
    };
    match state.reserver.reserve(call).await? {
        ReserveOutcome::Reserved(r) => Ok((StatusCode::CREATED, Json(r))),
        ReserveOutcome::Short(short) => {
            let position = |id: ProductId| {
                req.lines
                    .iter()
                    .position(|l| l.product_id == id)
                    .unwrap_or(0)
            };
            let mut problem = Problem::new(
                StatusCode::CONFLICT,
                "insufficient-stock",
                "Insufficient stock",
            )
            .detail(format!(
                "{} of {} lines cannot be reserved",
                short.len(),
                req.lines.len()
            ))
            .extension(
                "short_lines",
                serde_json::to_value(&short).unwrap_or_default(),
            );
            problem.errors = short
                .iter()
                .map(|s| {
                    let message = match s.reason {
                        ShortReason::Unknown => "no such product".to_string(),
                        ShortReason::Inactive => "this product is no longer sold".to_string(),
                        ShortReason::Insufficient => format!("only {} available", s.available),
                    };
                    FieldError::new(
                        format!("lines[{}].quantity", position(s.product_id)),
                        message,
                    )
                })
                .collect();
            Err(AppError::Problem(Box::new(problem)))
        }
    }
}

async fn release(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    caller.require_service()?;
    state.store.settle(OrderId(id), Settlement::Release).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Commits the whole reservation (no body, or no `lines`), or exactly `lines` of it once per
/// `commit_id` (a shipment).
async fn commit(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> Result<Json<Reservation>> {
    caller.require_service()?;
    let req: CommitRequest = if body.is_empty() {
        CommitRequest::default()
    } else {
        kernel::json::parse(&body)?
    };
    let reservation = match (req.commit_id, req.lines) {
        (None, None) => state.store.settle(OrderId(id), Settlement::Commit).await?,
        (Some(commit_id), Some(lines)) => {
            check_lines(&lines)?;
            let done = state
                .store
                .commit_part(OrderId(id), commit_id, &lines)
                .await?;
            pause_for_tests(&state).await;
            done
        }
        _ => {
            return Err(AppError::validation(
                "commit_id",
                "a partial commit needs both commit_id and lines",
            ))
        }
    };
    reservation
        .map(Json)
        .ok_or_else(|| AppError::NotFound("no reservation with this id".into()))
}

/// Crash tests only: the change is committed, its answer not yet sent.
async fn pause_for_tests(state: &InventoryState) {
    if let Some(pause) = state.pause_after_commit {
        tokio::time::sleep(pause).await;
    }
}

/// 1 to [`MAX_LINES`] lines of distinct products.
fn check_lines(lines: &[ReserveLine]) -> Result<()> {
    let mut errors = Vec::new();
    if !(1..=MAX_LINES).contains(&lines.len()) {
        errors.push(FieldError::new(
            "lines",
            format!("must have 1 to {MAX_LINES} lines"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, line) in lines.iter().enumerate() {
        if !seen.insert(line.product_id) {
            errors.push(FieldError::new(
                format!("lines[{i}].product_id"),
                "appears twice; merge the lines",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Puts a received return's units back on hand, once per `return_id`: 201 when done now,
/// 200 (`repeated`) when it had been.
async fn restock(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Json(req): Json<RestockRequest>,
) -> Result<(StatusCode, Json<Restocked>)> {
    caller.require_service()?;
    check_lines(&req.lines)?;
    let fresh = state.store.restock(&req).await?;
    if fresh {
        state.relay.wake();
    }
    pause_for_tests(&state).await;
    let status = if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Restocked {
            return_id: req.return_id,
            repeated: !fresh,
        }),
    ))
}

#[derive(Deserialize)]
struct HoldsQuery {
    /// Only reservations at least this old, by inventory's own clock: the caller's clock
    /// never meets the times inventory stamped.
    older_than_ms: u64,
    /// The page starts after this reservation id.
    after: Option<OrderId>,
    limit: Option<i64>,
}

/// Reservations still held, oldest id first: orders releases those whose order it never wrote.
async fn holds(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Query(q): Query<HoldsQuery>,
) -> Result<Json<HoldPage>> {
    caller.require_service()?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::validation("limit", "must be 1 to 1000"));
    }
    let age = chrono::Duration::milliseconds(i64::try_from(q.older_than_ms).unwrap_or(i64::MAX));
    let before = kernel::time::now()
        .checked_sub_signed(age)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let items = state.store.holds(before, q.after, limit).await?;
    Ok(Json(HoldPage { items }))
}

#[derive(Deserialize)]
struct StockQuery {
    /// Comma-separated product ids; all active products when absent.
    ids: Option<String>,
}

async fn stock(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Query(q): Query<StockQuery>,
) -> Result<Json<StockLevels>> {
    caller.require_service()?;
    let ids = q
        .ids
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<ProductId>()
                .map_err(|_| AppError::validation("ids", format!("{s:?} is not a product id")))
        })
        .collect::<Result<Vec<_>>>()?;
    if ids.len() > 1000 {
        return Err(AppError::validation("ids", "at most 1000 ids"));
    }
    Ok(Json(StockLevels {
        items: state.store.stock_levels(&ids).await?,
    }))
}

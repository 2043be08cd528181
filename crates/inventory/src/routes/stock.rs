//! Stock: adjustments, the ledger, low stock and the summary.

use axum::{extract::State, http::StatusCode};
use kernel::{
    auth::AuthUser,
    extract::Query,
    pagination::{Page, PageRequest},
    AppError, Json, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{
    domain::Reason,
    model::{Adjustment, AdjustmentResult, Movement, Product, Summary},
    InventoryState,
};

/// Records a stock change with its reason.
#[utoipa::path(post, path = "/api/inventory/adjustments", tag = "inventory", request_body = Adjustment,
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = AdjustmentResult), (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem), (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn adjust(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Json(req): Json<Adjustment>,
) -> Result<(StatusCode, Json<AdjustmentResult>)> {
    caller.require_staff()?;
    let reason = Reason::parse(&req.reason)
        .filter(|r| !matches!(r, Reason::Reserved | Reason::Released | Reason::Committed))
        .ok_or_else(|| {
            AppError::validation(
                "reason",
                "must be received, returned, damaged, lost or correction",
            )
        })?;
    reason
        .check_delta(req.delta)
        .map_err(|m| AppError::validation("delta", m))?;
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(AppError::validation(
            "note",
            "must be at most 500 characters",
        ));
    }
    let result = state
        .store
        .adjust(req.product_id, req.delta, reason, note, &caller.claims.sub)
        .await?;
    Ok((StatusCode::CREATED, Json(result)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    product_id: Option<Uuid>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The stock ledger, newest first.
#[utoipa::path(get, path = "/api/inventory/movements", tag = "inventory", params(MovementQuery),
    security(("bearer" = [])), responses((status = 200, description = "OK", body = Page<Movement>)))]
pub async fn movements(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Query(q): Query<MovementQuery>,
) -> Result<Json<Page<Movement>>> {
    caller.require_staff()?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let rows = state.store.movements(q.product_id, &page).await?;
    Ok(Json(page.page(rows, |m| {
        (kernel::time::to_db(m.created_at), m.id.to_string())
    })))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LowStock {
    items: Vec<Product>,
}

/// Active products whose available stock is at or below their reorder point, most urgent first.
#[utoipa::path(get, path = "/api/inventory/low-stock", tag = "inventory", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = LowStock)))]
pub async fn low_stock(
    State(state): State<InventoryState>,
    caller: AuthUser,
) -> Result<Json<LowStock>> {
    caller.require_staff()?;
    Ok(Json(LowStock {
        items: state.store.low_stock().await?,
    }))
}

/// Counts, units and stock value.
#[utoipa::path(get, path = "/api/inventory/summary", tag = "inventory", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Summary)))]
pub async fn summary(
    State(state): State<InventoryState>,
    caller: AuthUser,
) -> Result<Json<Summary>> {
    caller.require_staff()?;
    Ok(Json(state.store.summary().await?))
}

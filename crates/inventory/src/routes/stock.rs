//! Stock: adjustments, the ledger, low stock and the summary.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::{stock::Summary, ProductId};
use kernel::{
    auth::AuthUser,
    extract::Query,
    pagination::{Cursor, Page, PageRequest},
    AppError, Json, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::keyed::{answer, RequestKey};
use crate::{
    domain::Reason,
    model::{Adjustment, AdjustmentResult, Movement, Product},
    store::{NewAdjustment, Once},
    InventoryState,
};

/// Records a stock change with its reason.
#[utoipa::path(post, path = "/api/inventory/adjustments", tag = "inventory", request_body = Adjustment,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key and body return the first answer and change the stock once")),
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = AdjustmentResult), (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 422, description = "Validation failed, or the key was used for another request", body = kernel::Problem), (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn adjust(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    Json(req): Json<Adjustment>,
) -> Result<Response> {
    caller.require_staff()?;
    let key = RequestKey::json(&headers, &caller, "POST /api/inventory/adjustments", &req)?;
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
    let keyed = key.as_ref().map(RequestKey::keyed);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let adjustment = NewAdjustment {
        product_id: req.product_id,
        delta: req.delta,
        reason,
        note,
        user_id: &caller.claims.sub,
    };
    let outcome = state
        .store
        .adjust(once, &adjustment, &crate::events::actor(&caller))
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |result| {
        (StatusCode::CREATED, Json(result)).into_response()
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    product_id: Option<Uuid>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
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
    let rows = state
        .store
        .movements(q.product_id.map(ProductId), &page)
        .await?;
    Ok(Json(page.page(rows, |m| Cursor {
        created_at: m.created_at,
        id: m.id,
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

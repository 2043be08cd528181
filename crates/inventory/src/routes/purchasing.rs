//! Purchase orders: drafts, ordering, goods in, cancel and close, and drafts from restock
//! advice. Staff only.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::ProductId;
use kernel::{
    auth::AuthUser,
    extract::{Path, Query},
    pagination::{Cursor, Page, PageRequest},
    AppError, Json, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::keyed::{answer, RequestKey};
use crate::{
    events::actor,
    purchasing::{plan_restock, restock_quantity, PoStatus},
    purchasing_model::{
        CreatePurchaseOrder, FromRestock, FromRestockResult, PurchaseOrder, ReasonInput, Receipt,
        SkipReason, SkippedProduct, UpdatePurchaseOrder,
    },
    purchasing_validate as validate,
    store::{po_not_found, NewLine, NewPurchaseOrder, Once, PoFilter, PoStep},
    InventoryState,
};

const KEY: &str =
    "retries with the same key and body return the first answer and change nothing again";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    status: Option<PoStatus>,
    supplier_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

fn created(once_key: &Option<RequestKey>) -> Option<kernel::idempotency::Keyed<'_>> {
    once_key.as_ref().map(RequestKey::keyed)
}

/// List purchase orders, newest first
///
/// Filtered by status and supplier.
#[utoipa::path(get, path = "/api/purchase-orders", operation_id = "list_purchase_orders", tag = "purchasing",
    params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<PurchaseOrder>),
              (status = 400, description = "Unknown status", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 422, description = "Bad limit or cursor", body = kernel::Problem)))]
pub async fn list(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<PurchaseOrder>>> {
    caller.require_staff()?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = PoFilter {
        status: q.status,
        supplier_id: q.supplier_id,
    };
    let rows = state.store.list_purchase_orders(&filter, &page).await?;
    Ok(Json(page.page(rows, |o| Cursor {
        created_at: o.created_at,
        id: o.id,
    })))
}

/// Create a draft purchase order
///
/// Each line's cost defaults to the product's `cost_cents`.
#[utoipa::path(post, path = "/api/purchase-orders", operation_id = "create_purchase_order", tag = "purchasing",
    request_body = CreatePurchaseOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = KEY)),
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = PurchaseOrder),
              (status = 400, description = "The body is not JSON of this shape", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 422, description = "Validation failed, or the key was used for another request", body = kernel::Problem)))]
pub async fn create(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    Json(req): Json<CreatePurchaseOrder>,
) -> Result<Response> {
    caller.require_staff()?;
    let key = RequestKey::json(&headers, &caller, "POST /api/purchase-orders", &req)?;
    let new = validate::new_order(&req, &caller.claims.sub).map_err(AppError::Validation)?;
    let keyed = created(&key);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let outcome = state
        .store
        .create_purchase_order(once, &new, &actor(&caller))
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |order| {
        (StatusCode::CREATED, Json(order)).into_response()
    }))
}

/// Read a purchase order with its lines and history
#[utoipa::path(get, path = "/api/purchase-orders/{id}", operation_id = "get_purchase_order", tag = "purchasing",
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PurchaseOrder),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn get(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<PurchaseOrder>> {
    caller.require_staff()?;
    let order = state.store.get_purchase_order(id).await?;
    order.map(Json).ok_or_else(po_not_found)
}

/// Edit a draft: supplier, lines, expected date, note
///
/// `lines` replaces every line. 409 once the order is no longer a draft.
#[utoipa::path(patch, path = "/api/purchase-orders/{id}", operation_id = "update_purchase_order", tag = "purchasing",
    request_body = UpdatePurchaseOrder, params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PurchaseOrder),
              (status = 400, description = "The body is not JSON of this shape", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Not a draft any more", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn update(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdatePurchaseOrder>,
) -> Result<Json<PurchaseOrder>> {
    caller.require_staff()?;
    let patch = validate::patch(&req).map_err(AppError::Validation)?;
    let order = state
        .store
        .update_purchase_order(id, &patch, &caller.claims.sub)
        .await?;
    Ok(Json(order))
}

/// Send a draft to the supplier: `draft` → `ordered`
///
/// `expected_at`, when the draft has none, becomes now plus the supplier's lead time; its
/// quantities count as `on_order` from now on.
#[utoipa::path(post, path = "/api/purchase-orders/{id}/order", operation_id = "order_purchase_order", tag = "purchasing",
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PurchaseOrder),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Not a draft", body = kernel::Problem)))]
pub async fn order(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<PurchaseOrder>> {
    caller.require_staff()?;
    let order = state
        .store
        .step_purchase_order(id, PoStep::Order, &caller.claims.sub, None, &actor(&caller))
        .await?;
    state.relay.wake();
    Ok(Json(order))
}

/// Receive goods against a purchase order
///
/// Each line becomes a `received` stock movement naming the order; more than is still to come
/// is 409 and nothing is received. The status becomes `partially_received` or `received`.
#[utoipa::path(post, path = "/api/purchase-orders/{id}/receipts", operation_id = "receive_purchase_order", tag = "purchasing",
    request_body = Receipt,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = KEY)),
    security(("bearer" = [])),
    responses((status = 201, description = "Received; the order as it now stands", body = PurchaseOrder),
              (status = 400, description = "The body is not JSON of this shape", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Not open for receipts, or more than is still to come", body = kernel::Problem),
              (status = 422, description = "Validation failed, or the key was used for another request", body = kernel::Problem)))]
pub async fn receive(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<Receipt>,
) -> Result<Response> {
    caller.require_staff()?;
    let route = format!("POST /api/purchase-orders/{id}/receipts");
    let key = RequestKey::json(&headers, &caller, &route, &req)?;
    let receipt = validate::receipt(&req, &caller.claims.sub).map_err(AppError::Validation)?;
    let keyed = created(&key);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let outcome = state
        .store
        .receive_purchase_order(once, id, &receipt, &actor(&caller))
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |order| {
        (StatusCode::CREATED, Json(order)).into_response()
    }))
}

/// An optional `{reason}` body: none, or an empty one, means no reason.
fn reason(body: &[u8]) -> Result<Option<String>> {
    let input: ReasonInput = if body.is_empty() {
        ReasonInput::default()
    } else {
        kernel::json::parse(body)?
    };
    validate::reason(input.reason.as_deref()).map_err(AppError::Validation)
}

/// Cancel a purchase order that has received nothing (`draft` or `ordered`)
#[utoipa::path(post, path = "/api/purchase-orders/{id}/cancel", operation_id = "cancel_purchase_order", tag = "purchasing",
    request_body(content = Option<ReasonInput>, description = "optional"), params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PurchaseOrder),
              (status = 400, description = "The body is not JSON of this shape", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Goods were received, or it is already finished", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn cancel(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> Result<Json<PurchaseOrder>> {
    step(&state, &caller, id, &body, PoStep::Cancel).await
}

/// Close a partially received purchase order: the rest will not come
#[utoipa::path(post, path = "/api/purchase-orders/{id}/close", operation_id = "close_purchase_order", tag = "purchasing",
    request_body(content = Option<ReasonInput>, description = "optional"), params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PurchaseOrder),
              (status = 400, description = "The body is not JSON of this shape", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Not partially received", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn close(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> Result<Json<PurchaseOrder>> {
    step(&state, &caller, id, &body, PoStep::Close).await
}

/// Cancel or close: staff only, with an optional reason.
async fn step(
    state: &InventoryState,
    caller: &AuthUser,
    id: Uuid,
    body: &[u8],
    how: PoStep,
) -> Result<Json<PurchaseOrder>> {
    caller.require_staff()?;
    let reason = reason(body)?;
    let order = state
        .store
        .step_purchase_order(
            id,
            how,
            &caller.claims.sub,
            reason.as_deref(),
            &actor(caller),
        )
        .await?;
    state.relay.wake();
    Ok(Json(order))
}

/// Draft purchase orders from restock advice, one per supplier
///
/// For each product (the given ones, or every active one) whose available stock plus what
/// is on order or on drafts is at or below its reorder point: enough to lift it above, at
/// least its reorder quantity. Products without a supplier come back in `skipped`.
#[utoipa::path(post, path = "/api/purchase-orders/from-restock", operation_id = "purchase_orders_from_restock", tag = "purchasing",
    request_body = FromRestock,
    params(("Idempotency-Key" = Option<String>, Header, description = KEY)),
    security(("bearer" = [])),
    responses((status = 201, description = "Drafts created (possibly none)", body = FromRestockResult),
              (status = 400, description = "The body is not JSON of this shape", body = kernel::Problem),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not staff", body = kernel::Problem),
              (status = 422, description = "Validation failed, or the key was used for another request", body = kernel::Problem)))]
pub async fn from_restock(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    caller.require_staff()?;
    let req: FromRestock = if body.is_empty() {
        FromRestock::default()
    } else {
        kernel::json::parse(&body)?
    };
    if req.product_ids.as_ref().is_some_and(|ids| ids.len() > 1000) {
        return Err(AppError::validation(
            "product_ids",
            "must have at most 1000 ids",
        ));
    }
    let key = RequestKey::json(
        &headers,
        &caller,
        "POST /api/purchase-orders/from-restock",
        &req,
    )?;
    let ids: Vec<ProductId> = req
        .product_ids
        .iter()
        .flatten()
        .map(|id| ProductId(*id))
        .collect();
    let plan = plan_restock(state.store.restock_facts(&ids).await?);
    let drafts: Vec<NewPurchaseOrder> = plan
        .drafts
        .into_iter()
        .map(|(supplier_id, lines)| NewPurchaseOrder {
            supplier_id,
            lines: lines
                .into_iter()
                .map(|(product_id, quantity)| NewLine {
                    product_id,
                    quantity,
                    unit_cost_cents: None,
                })
                .collect(),
            expected_at: None,
            // The note goes to the supplier; where the draft came from is not their business.
            note: None,
            created_by: caller.claims.sub.clone(),
        })
        .collect();
    let skipped = plan
        .skipped
        .into_iter()
        .map(|f| SkippedProduct {
            product_id: f.product_id.as_uuid(),
            suggested_quantity: restock_quantity(&f),
            sku: f.sku,
            name: f.name,
            reason: SkipReason::NoSupplier,
        })
        .collect();
    let keyed = created(&key);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let outcome = state
        .store
        .create_purchase_orders(once, &drafts, skipped, &actor(&caller))
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |result| {
        (StatusCode::CREATED, Json(result)).into_response()
    }))
}

//! Suppliers.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
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
    model::{Supplier, SupplierInput},
    store::Once,
    validate, InventoryState,
};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
}

/// Suppliers, newest first.
#[utoipa::path(get, path = "/api/suppliers", operation_id = "list_suppliers", tag = "inventory", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Supplier>)))]
pub async fn list(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Supplier>>> {
    caller.require_staff()?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let rows = state.store.list_suppliers(&page).await?;
    Ok(Json(page.page(rows, |s| Cursor {
        created_at: s.created_at,
        id: s.id,
    })))
}

/// The create body as documented: [`SupplierInput`] with its name required (the handler
/// reads `SupplierInput`, shared with updates, and checks the name itself).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewSupplier {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    /// Empty, or an address with an `@`.
    #[schema(max_length = 254, pattern = "^(\\s*|[^@]*@.*)$")]
    contact_email: Option<String>,
    #[schema(max_length = 40)]
    phone: Option<String>,
    #[schema(minimum = 0, maximum = 365)]
    lead_time_days: Option<i64>,
}

/// Adds a supplier.
#[utoipa::path(post, path = "/api/suppliers", operation_id = "create_supplier", tag = "inventory", request_body = NewSupplier,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key and body return the first answer and create nothing")),
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = Supplier), (status = 422, description = "Validation failed, or the key was used for another request", body = kernel::Problem)))]
pub async fn create(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    Json(req): Json<SupplierInput>,
) -> Result<Response> {
    caller.require_staff()?;
    let key = RequestKey::json(&headers, &caller, "POST /api/suppliers", &req)?;
    let fields = validate::supplier(&req, true).map_err(AppError::Validation)?;
    let keyed = key.as_ref().map(RequestKey::keyed);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let outcome = state
        .store
        .create_supplier(once, fields, &crate::events::actor(&caller))
        .await?;
    state.relay.wake();
    Ok(answer(outcome, |supplier| {
        (StatusCode::CREATED, Json(supplier)).into_response()
    }))
}

/// One supplier.
#[utoipa::path(get, path = "/api/suppliers/{id}", operation_id = "get_supplier", tag = "inventory", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Supplier), (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn get(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Supplier>> {
    caller.require_staff()?;
    let supplier = state.store.get_supplier(id).await?;
    supplier
        .map(Json)
        .ok_or_else(|| AppError::NotFound("no supplier with this id".into()))
}

/// Changes a supplier; absent fields keep their value.
#[utoipa::path(patch, path = "/api/suppliers/{id}", operation_id = "update_supplier", tag = "inventory", request_body = SupplierInput,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Supplier), (status = 404, description = "Not found", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn update(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(req): Json<SupplierInput>,
) -> Result<Json<Supplier>> {
    caller.require_staff()?;
    let fields = validate::supplier(&req, false).map_err(AppError::Validation)?;
    let supplier = state
        .store
        .update_supplier(id, fields, &crate::events::actor(&caller))
        .await?;
    state.relay.wake();
    Ok(Json(supplier))
}

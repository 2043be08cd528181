//! The catalogue: list, read, create, edit, archive.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::ProductId;
use kernel::pagination::Cursor;
use kernel::{
    auth::AuthUser,
    extract::{Path, Query},
    idempotency::Outcome,
    pagination::{Page, PageRequest},
    AppError, Json, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{etag, if_match, keyed::RequestKey};
use crate::{
    events::actor,
    model::{CreateProduct, Product, UpdateProduct},
    store::{Once, ProductFilter},
    validate, InventoryState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Matches SKU and name
    #[param(max_length = 200)]
    q: Option<String>,
    #[param(max_length = 100)]
    category: Option<String>,
    /// `true`: only products at or below their reorder point
    low_stock: Option<bool>,
    /// `true` (default for customers), `false` or `all`
    #[param(pattern = "^(true|false|all)$")]
    active: Option<String>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
}

/// Products, newest first.
#[utoipa::path(get, path = "/api/products", tag = "inventory", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Product>), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem)))]
pub async fn list(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Product>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let active = match (q.active.as_deref(), caller.role().is_staff()) {
        // Customers only ever see what they can order.
        (_, false) => Some(true),
        (None | Some("all"), true) => None,
        (Some("true"), true) => Some(true),
        (Some("false"), true) => Some(false),
        (Some(_), true) => {
            return Err(AppError::BadRequest(
                "active must be true, false or all".into(),
            ))
        }
    };
    let filter = ProductFilter {
        q: q.q,
        category: q.category,
        low_stock: q.low_stock,
        active,
    };
    let role = caller.role();
    let products = state.store.list_products(&filter, &page).await?;
    let products = products.into_iter().map(|p| p.seen_by(role)).collect();
    Ok(Json(page.page(products, |p| Cursor {
        created_at: p.created_at,
        id: p.id.as_uuid(),
    })))
}

/// One product, with its version as `ETag`.
#[utoipa::path(get, path = "/api/products/{id}", tag = "inventory", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Product), (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn get(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<impl IntoResponse> {
    let product = state
        .store
        .get_product(ProductId(id))
        .await?
        .filter(|p| p.active || caller.role().is_staff())
        .ok_or_else(|| AppError::NotFound("no product with this id".into()))?;
    Ok((etag(product.version), Json(product.seen_by(caller.role()))))
}

/// Adds a product; `initial_stock` is recorded as received.
#[utoipa::path(post, path = "/api/products", tag = "inventory", request_body = CreateProduct,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key and body return the first answer and create nothing")),
    security(("bearer" = [])),
    responses((status = 201, description = "Created", body = Product), (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 422, description = "Validation failed, or the key was used for another request", body = kernel::Problem), (status = 403, description = "Not allowed for this role", body = kernel::Problem)))]
pub async fn create(
    State(state): State<InventoryState>,
    caller: AuthUser,
    headers: HeaderMap,
    Json(req): Json<CreateProduct>,
) -> Result<Response> {
    caller.require_staff()?;
    let key = RequestKey::json(&headers, &caller, "POST /api/products", &req)?;
    let new = validate::new_product(&req, "").map_err(AppError::Validation)?;
    state.store.check_supplier(new.supplier_id).await?;
    let keyed = key.as_ref().map(RequestKey::keyed);
    let once = Once {
        keyed: keyed.as_ref(),
        success: StatusCode::CREATED,
    };
    let outcome = state
        .store
        .create_product(once, &new, &caller.claims.sub, &actor(&caller))
        .await?;
    state.relay.wake();
    Ok(match outcome {
        Outcome::Fresh(product) => {
            (StatusCode::CREATED, etag(product.version), Json(product)).into_response()
        }
        // The replayed product carries the ETag of the version it was created at.
        Outcome::Replayed(stored) => {
            let version = serde_json::from_str::<Versioned>(&stored.body)
                .ok()
                .map(|p| p.version);
            let mut response = stored.replay();
            for (name, value) in version.map(etag).into_iter().flatten() {
                if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
    })
}

/// Edits a product. `If-Match` (or `version` in the body) guards against lost updates.
#[utoipa::path(patch, path = "/api/products/{id}", tag = "inventory", request_body = UpdateProduct,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "the ETag last read")),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Product), (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 412, description = "Stale If-Match", body = kernel::Problem), (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn update(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<UpdateProduct>,
) -> Result<impl IntoResponse> {
    caller.require_staff()?;
    let patch = validate::product_patch(&req).map_err(AppError::Validation)?;
    state
        .store
        .check_supplier(patch.supplier_id.flatten())
        .await?;
    let header_version = if_match(&headers)?;
    let version = header_version.or(req.version);
    let product = state
        .store
        .update_product(ProductId(id), patch, version, &actor(&caller))
        .await
        .map_err(|e| precondition(e, header_version.is_some()))?;
    state.relay.wake();
    Ok((etag(product.version), Json(product)))
}

/// Archives a product (`active: false`); refused while open orders hold some of it.
#[utoipa::path(delete, path = "/api/products/{id}", tag = "inventory",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "the ETag last read")),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Product), (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 412, description = "Stale If-Match", body = kernel::Problem)))]
pub async fn archive(
    State(state): State<InventoryState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    caller.require_staff()?;
    let header_version = if_match(&headers)?;
    let patch = crate::store::ProductPatch {
        active: Some(false),
        ..Default::default()
    };
    let product = state
        .store
        .update_product(ProductId(id), patch, header_version, &actor(&caller))
        .await
        .map_err(|e| precondition(e, header_version.is_some()))?;
    state.relay.wake();
    Ok((etag(product.version), Json(product)))
}

/// A stale `If-Match` is 412 (HTTP's rule); a stale body `version` stays 409.
fn precondition(e: AppError, from_header: bool) -> AppError {
    match e {
        AppError::Conflict {
            kind: "stale-version",
            detail,
            ..
        } if from_header => AppError::PreconditionFailed(detail),
        other => other,
    }
}

/// The one field of a kept product answer a replay needs.
#[derive(serde::Deserialize)]
struct Versioned {
    version: i64,
}

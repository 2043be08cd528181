//! Returns: customers ask within the return window, staff receive or reject.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::OrderId;
use kernel::{
    auth::AuthUser,
    extract::{Path, Query},
    idempotency::{IdempotencyKey, REPLAYED},
    pagination::{Cursor, Page, PageRequest},
    AppError, Json, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{
    returns::{
        parse_lines, parse_reason, CreateReturn, Receipt, ReceiveReturn, RejectReturn, Return,
        ReturnStatus,
    },
    OrdersState,
};

/// Asks to return shipped units: the order's customer within `RETURN_WINDOW_DAYS` of delivery
/// (or of shipping, for what has not arrived), or staff at any time. At most what was shipped
/// minus what was returned or asked back already.
#[utoipa::path(post, path = "/api/orders/{id}/returns", tag = "returns", request_body = CreateReturn,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 201, description = "Requested", body = Return),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "More than can be returned, nothing shipped, or the return window closed", body = kernel::Problem),
              (status = 422, description = "Validation failed, or a product not in the order", body = kernel::Problem)))]
pub async fn create(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<OrderId>,
    Json(req): Json<CreateReturn>,
) -> Result<(StatusCode, Json<Return>)> {
    let lines = parse_lines(&req.lines);
    let reason = parse_reason(&req.reason);
    let (lines, reason) = match (lines, reason) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(AppError::Validation(mut a)), Err(AppError::Validation(b))) => {
            a.extend(b);
            return Err(AppError::Validation(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let created = state
        .saga
        .request_return(id, &caller, lines, reason)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Receives a return (staff): each line `restock` (back on hand, a `returned` movement at
/// inventory) or `damaged` (recorded here, never on hand); a product may be split over both.
/// The refund is the received units at the order's prices. A retry with the same
/// `Idempotency-Key` answers the same receipt again.
#[utoipa::path(post, path = "/api/returns/{id}/receive", tag = "returns", request_body = ReceiveReturn,
    params(("id" = Uuid, Path),
           ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers the same receipt")),
    security(("bearer" = [])),
    responses((status = 200, description = "Received", body = Return),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Not requested any more (received or rejected), or more units than asked back", body = kernel::Problem),
              (status = 422, description = "Validation failed, a product not in the return, or the key was used for another request", body = kernel::Problem)))]
pub async fn receive(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<ReceiveReturn>,
) -> Result<Response> {
    caller.require_staff()?;
    let key = IdempotencyKey::from_headers(&headers)?.map(|k| k.as_str().to_string());
    let receipt = Receipt::parse(&req, key)?;
    let (received, replayed) = state.saga.receive_return(id, &caller, receipt).await?;
    let mut response = Json(received).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Rejects a requested return (staff): nothing comes back, nothing is refunded.
#[utoipa::path(post, path = "/api/returns/{id}/reject", tag = "returns", request_body = RejectReturn,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "Rejected", body = Return),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Not requested any more (received or rejected)", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn reject(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(req): Json<RejectReturn>,
) -> Result<Json<Return>> {
    caller.require_staff()?;
    let reason = parse_reason(&req.reason)?;
    Ok(Json(state.saga.reject_return(id, &caller, reason).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(pattern = "^(requested|received|rejected)$")]
    status: Option<String>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
}

/// Returns, newest first: customers see their own, staff see all.
#[utoipa::path(get, path = "/api/returns", tag = "returns", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Return>),
              (status = 400, description = "Unknown status", body = kernel::Problem)))]
pub async fn list(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Return>>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            ReturnStatus::parse(s)
                .ok_or_else(|| AppError::BadRequest(format!("unknown status {s:?}")))
        })
        .transpose()?;
    let items = state.saga.returns(&caller, status, &page).await?;
    Ok(Json(page.page(items, |r| Cursor {
        created_at: r.created_at,
        id: r.id,
    })))
}

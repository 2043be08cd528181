//! Shipping an order's units and marking them delivered (staff).

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::OrderId;
use kernel::{
    auth::AuthUser,
    extract::Path,
    idempotency::{IdempotencyKey, REPLAYED},
    Json, Result,
};
use uuid::Uuid;

use crate::{
    model::Order,
    shipments::{CreateShipment, ShipRequest},
    OrdersState,
};

/// Ships some units (`lines`), or everything not shipped yet (no `lines`): inventory commits
/// exactly those units of the order's reservation. The order becomes `partially_fulfilled`
/// or `fulfilled`; the new shipment is the last of its `shipments` (and `Location`). A retry
/// with the same `Idempotency-Key` answers the same shipment again, shipping nothing more.
#[utoipa::path(post, path = "/api/orders/{id}/shipments", tag = "orders", operation_id = "create_shipment", request_body = CreateShipment,
    params(("id" = Uuid, Path),
           ("Idempotency-Key" = Option<String>, Header, description = "a retry with the same key and body answers the same shipment")),
    security(("bearer" = [])),
    responses((status = 201, description = "Shipped: the order with its new shipment", body = Order),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "More than is left to ship, or the order does not ship (cancelled, fulfilled, …)", body = kernel::Problem),
              (status = 422, description = "Validation failed, or a product not in the order, or the key was used for another request", body = kernel::Problem)))]
pub async fn create(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<OrderId>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response> {
    caller.require_staff()?;
    let key = IdempotencyKey::from_headers(&headers)?.map(|k| k.as_str().to_string());
    // An empty body ships everything left.
    let req: CreateShipment = if body.is_empty() {
        CreateShipment::default()
    } else {
        kernel::json::parse(&body)?
    };
    let shipped = state
        .saga
        .ship(id, &caller, ShipRequest::parse(req, key)?)
        .await?;
    let location = format!("/api/orders/{id}/shipments/{}", shipped.shipment_id);
    let mut response = (
        StatusCode::CREATED,
        Json(state.saga.wire(shipped.order, &caller)),
    )
        .into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    if shipped.replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Marks a shipment delivered (staff). The order becomes `delivered` once it is fulfilled and
/// every shipment has arrived. Marking one twice is 409.
#[utoipa::path(post, path = "/api/orders/{id}/shipments/{sid}/delivered", tag = "orders", operation_id = "deliver_shipment",
    params(("id" = Uuid, Path), ("sid" = Uuid, Path, description = "the shipment")),
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Order),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "No such order or shipment", body = kernel::Problem),
              (status = 409, description = "Already delivered", body = kernel::Problem)))]
pub async fn delivered(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path((id, sid)): Path<(OrderId, Uuid)>,
) -> Result<Json<Order>> {
    let order = state.saga.deliver(id, sid, &caller).await?;
    Ok(Json(state.saga.wire(order, &caller)))
}

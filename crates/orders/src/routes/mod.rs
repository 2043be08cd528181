//! Orders' HTTP routes, merged here.

mod orders;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::OrdersState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Stockroom orders", description = "Orders, AI summaries and insights"),
    tags((name = "orders", description = "The order lifecycle"))
)]
struct ApiDoc;

fn api() -> OpenApiRouter<OrdersState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(orders::create, orders::list))
        .routes(routes!(orders::stats))
        .routes(routes!(orders::get))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::fulfil))
}

pub fn router(state: OrdersState) -> Router {
    Router::from(api().with_state(state))
}

/// The OpenAPI document of orders' public routes (merged by the gateway).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

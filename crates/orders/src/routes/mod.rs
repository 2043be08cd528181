//! Orders' HTTP routes, merged here.

mod ai;
mod orders;
mod returns;
mod shipments;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::OrdersState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Stockroom orders", description = "Orders, AI summaries and insights"),
    tags((name = "orders", description = "The order lifecycle"),
         (name = "returns", description = "Returns of shipped units"),
         (name = "ai", description = "AI summaries, the assistant and restock insights"))
)]
struct ApiDoc;

fn api() -> OpenApiRouter<OrdersState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(orders::create, orders::list))
        .routes(routes!(orders::stats))
        .routes(routes!(orders::get))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::fulfil))
        .routes(routes!(shipments::create))
        .routes(routes!(shipments::delivered))
        .routes(routes!(returns::create))
        .routes(routes!(returns::list))
        .routes(routes!(returns::receive))
        .routes(routes!(returns::reject))
        .routes(routes!(ai::summarise))
        .routes(routes!(ai::chat))
        .routes(routes!(ai::status))
        .routes(routes!(ai::restock))
}

pub fn router(state: OrdersState) -> Router {
    Router::from(api().with_state(state))
}

/// The OpenAPI document of orders' public routes (merged by the gateway).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

//! The events service's HTTP routes, one module per resource, merged here.

mod audit;
mod internal;
mod notifications;
mod stream;
mod webhooks;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::EventsState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Stockroom events", description = "The audit log, webhooks, notifications and live events"),
    tags((name = "events", description = "The audit log, webhooks, email notifications and live event streams"))
)]
struct ApiDoc;

fn api() -> OpenApiRouter<EventsState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::test))
        .routes(routes!(notifications::list))
        .routes(routes!(
            notifications::settings,
            notifications::put_settings
        ))
        .routes(routes!(stream::stream))
}

pub fn router(state: EventsState) -> Router {
    Router::from(api())
        .merge(internal::router())
        .with_state(state)
}

/// The OpenAPI document of the events service's public routes (merged by the gateway).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

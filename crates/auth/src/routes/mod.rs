//! Auth's HTTP routes, one module per resource, merged here.

mod internal;
mod jwks;
mod service_token;
mod session;
mod users;

use axum::Router;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AuthState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Stockroom auth", description = "Users, sessions and signing keys"),
    tags((name = "auth", description = "Sign-in, sessions and users"))
)]
struct ApiDoc;

fn api() -> OpenApiRouter<AuthState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::register))
        .routes(routes!(session::login))
        .routes(routes!(session::refresh))
        .routes(routes!(session::logout))
        .routes(routes!(users::me))
        .routes(routes!(users::list))
        .routes(routes!(users::update))
        .routes(routes!(service_token::grant))
        .routes(routes!(jwks::jwks))
}

pub fn router(state: AuthState) -> Router {
    Router::from(api())
        .merge(internal::router())
        .with_state(state)
}

/// The OpenAPI document of auth's public routes (merged by the gateway).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

//! Auth's HTTP routes, one module per resource, merged here.

mod jwks;
mod service_token;
mod session;
mod users;

use axum::Router;
use kernel::AppError;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AuthState;

pub use session::hash_password;

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
    Router::from(api().with_state(state))
}

/// The OpenAPI document of auth's public routes (merged by the gateway).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// At most one argon2 computation per CPU: each holds 19 MiB, and more at once only queue
/// for the same cores while the memory piles up (measured: 2.4 GB at 32 parallel sign-ins).
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
    )
});

/// Runs argon2 off the async threads, bounded by [`HASHING`].
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(AppError::internal)
}

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

/// Password hashing runs on a fixed pool, one thread per CPU. Each argon2 call holds 19 MiB;
/// on tokio's blocking pool the threads come and go and the allocator keeps a block per
/// thread it ever saw (measured: 2.4 GB, then 508 MB, after 32 parallel sign-ins).
static HASHERS: std::sync::LazyLock<rayon::ThreadPool> = std::sync::LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        )
        .thread_name(|i| format!("argon2-{i}"))
        .build()
        .unwrap_or_else(|e| panic!("cannot start the password-hashing threads: {e}"))
});

/// Runs argon2 on [`HASHERS`], off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (done, result) = tokio::sync::oneshot::channel();
    HASHERS.spawn(move || {
        let _ = done.send(f());
    });
    result.await.map_err(AppError::internal)
}

//! The gateway: the only public entry. Routes `/api/*` to the services, aggregates the
//! dashboard, rate-limits, limits bodies, answers CORS, serves the API docs and the web UI.

mod aggregate;
mod client_body;
mod config;
mod docs;
mod path;
mod proxy;
mod ratelimit;
mod streams;
mod ui;
mod upstream;

use std::sync::Arc;

use axum::{
    extract::FromRef,
    http::{header, HeaderName, HeaderValue, Method},
    middleware::{from_fn, from_fn_with_state},
    routing::{any, get},
    Router,
};
use kernel::{auth::TokenVerifier, error::StartupError, health};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer,
};
use utoipa_swagger_ui::SwaggerUi;

pub use config::Config;
pub use docs::{merge as merge_openapi, openapi};

pub const SERVICE: &str = "gateway";

/// Sign-in, registration and user edits never need more than this.
const AUTH_BODY_LIMIT: usize = 16 * 1024;

/// CSV imports may be larger than the 1 MiB every other body is held to.
const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// JSON and problem answers load nothing and may not be framed.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The vendored Swagger UI: its own scripts and styles (it sets inline styles), icons as
/// `data:` images, and calls to this origin only ("try it out", `/openapi.json`).
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

#[derive(Clone)]
pub struct GatewayState {
    upstreams: upstream::Upstreams,
    verifier: TokenVerifier,
    limits: ratelimit::Limits,
    streams: streams::StreamSlots,
    config: Arc<Config>,
}

impl FromRef<GatewayState> for TokenVerifier {
    fn from_ref(state: &GatewayState) -> Self {
        state.verifier.clone()
    }
}

impl GatewayState {
    /// Makes the upstream clients and starts fetching auth's signing keys.
    pub async fn connect(common: &kernel::Config, config: Config) -> Result<Self, StartupError> {
        let upstreams = upstream::Upstreams::new(common, &config);
        let http = kernel::server::http_client(common.upstream_timeout);
        let verifier = TokenVerifier::from_config(common, http);
        let limits = ratelimit::Limits::new(
            config.rate_limit_per_second,
            config.rate_limit_burst,
            common.trusted_proxies.clone(),
            verifier.clone(),
        );
        Ok(Self {
            upstreams,
            verifier,
            limits,
            streams: streams::StreamSlots::new(config.streams_per_user),
            config: Arc::new(config),
        })
    }
}

/// The gateway's router. `openapi` is the whole public document (the binary merges it with
/// [`merge_openapi`], so the gateway compiles no other service), served at `/openapi.json`
/// and behind `/docs`.
pub fn router(state: GatewayState, openapi: utoipa::openapi::OpenApi) -> Router {
    let keys_known = health::Check::signing_keys(&state.verifier);
    let config = state.config.clone();
    let limits = state.limits.clone();

    let import = any(proxy::forward).layer(RequestBodyLimitLayer::new(IMPORT_BODY_LIMIT));
    let api = Router::new()
        .route("/api/dashboard", get(aggregate::dashboard))
        .route("/api/status", get(aggregate::status))
        .route("/api/products/import", import)
        // Credentials and names are small: a big body to auth is an attack on its memory.
        .route(
            "/api/auth/{*rest}",
            any(proxy::forward).layer(RequestBodyLimitLayer::new(AUTH_BODY_LIMIT)),
        )
        .route(
            "/api/{*rest}",
            any(proxy::forward).layer(RequestBodyLimitLayer::new(kernel::server::BODY_LIMIT)),
        )
        .route("/.well-known/jwks.json", get(proxy::forward))
        .route("/internal/{*rest}", any(proxy::internal_not_found))
        .route_layer(from_fn_with_state(limits, ratelimit::limit))
        .with_state(state);

    let docs = Router::from(SwaggerUi::new("/docs").url("/openapi.json", openapi)).layer(
        SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        ),
    );
    let app = Router::new()
        .merge(api)
        .merge(docs)
        .merge(health::routes(SERVICE, vec![keys_known]))
        // The UI is the fallback: `/orders/123` serves index.html for client-side routing.
        .merge(ui::router(&config.web_dir))
        // Before any handler, so routing and forwarding only ever see canonical paths.
        .layer(from_fn(path::guard))
        .layer(cors(&config));
    let app = kernel::server::wrap_with_fallback(SERVICE, app, IMPORT_BODY_LIMIT);
    // Outermost, so every answer has them, errors from the common layers included.
    app.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(API_CSP),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    ))
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

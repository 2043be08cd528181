//! The built web UI: static files with long cache lifetimes for hashed assets, `index.html`
//! for every other path (client-side routing), and security headers.

use std::path::Path;

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Router,
};
use tower_http::services::{ServeDir, ServeFile};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

pub fn router(web_dir: &Path) -> Router {
    let index = web_dir.join("index.html");
    if !index.exists() {
        tracing::warn!(dir = %web_dir.display(), "no built web UI found; `make run` builds it");
        return Router::new().fallback(|| async { not_built() });
    }
    let files = ServeDir::new(web_dir).fallback(ServeFile::new(index));
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_and_secure))
}

fn not_built() -> Response {
    Html("<!doctype html><title>Stockroom</title><h1>Stockroom</h1><p>The web UI has not been built. \
          Run <code>make run</code>, or <code>npm --prefix web run build</code>. The API is at \
          <a href=\"/docs\">/docs</a>.</p>")
    .into_response()
}

async fn cache_and_secure(req: Request, next: Next) -> Response {
    let hashed = req.uri().path().starts_with("/assets/");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let cache = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    response
}

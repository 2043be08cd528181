//! The built web UI: static files, each served as the brotli or gzip variant the build wrote
//! beside it when the browser accepts one; hashed assets cached for a year; `index.html` for
//! every other path (client-side routing), never cached without revalidation.

use std::path::Path;

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Router,
};
use tower_http::services::{ServeDir, ServeFile};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub fn router(web_dir: &Path) -> Router {
    let index = web_dir.join("index.html");
    if !index.exists() {
        tracing::warn!(dir = %web_dir.display(), "no built web UI found; `make run` builds it");
        return Router::new().fallback(|| async { not_built() });
    }
    // A missing hashed asset must be a 404, not index.html: a stale tab asking for last
    // release's chunk would otherwise cache HTML as JavaScript for a year.
    let assets = ServeDir::new(web_dir.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let pages = ServeDir::new(web_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .nest_service("/assets", assets)
        .fallback_service(pages)
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
    let immutable = hashed && response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable { IMMUTABLE } else { "no-cache" }),
    );
    // The body depends on Accept-Encoding (a precompressed variant or not): caches must key on it.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use tower::ServiceExt;

    /// A built UI in a temporary folder: index.html and one hashed asset with its variants.
    fn built_ui() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("stockroom-ui-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<div id=root>plain</div>").unwrap();
        std::fs::write(dir.join("index.html.br"), "brotli index").unwrap();
        std::fs::write(dir.join("assets/app-abc123.js"), "plain js").unwrap();
        std::fs::write(dir.join("assets/app-abc123.js.br"), "brotli js").unwrap();
        std::fs::write(dir.join("assets/app-abc123.js.gz"), "gzip js").unwrap();
        dir
    }

    async fn get(app: &Router, path: &str, accept: &str) -> (Response, String) {
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let text = String::from_utf8_lossy(&to_bytes(body, 1 << 20).await.unwrap()).into_owned();
        (Response::from_parts(parts, Body::empty()), text)
    }

    fn header_of(r: &Response, name: header::HeaderName) -> Option<&str> {
        r.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn hashed_assets_come_precompressed_as_accepted_and_cached_for_a_year() {
        let dir = built_ui();
        let app = router(&dir);
        let (br, body) = get(&app, "/assets/app-abc123.js", "gzip, deflate, br").await;
        assert_eq!((br.status(), body.as_str()), (StatusCode::OK, "brotli js"));
        assert_eq!(header_of(&br, header::CONTENT_ENCODING), Some("br"));
        assert_eq!(header_of(&br, header::CACHE_CONTROL), Some(IMMUTABLE));
        assert_eq!(header_of(&br, header::VARY), Some("accept-encoding"));
        let (gz, body) = get(&app, "/assets/app-abc123.js", "gzip").await;
        assert_eq!(body, "gzip js");
        assert_eq!(header_of(&gz, header::CONTENT_ENCODING), Some("gzip"));
        let (plain, body) = get(&app, "/assets/app-abc123.js", "identity").await;
        assert_eq!(body, "plain js");
        assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn pages_are_revalidated_and_a_missing_asset_is_not_the_app() {
        let dir = built_ui();
        let app = router(&dir);
        let (page, body) = get(&app, "/orders/123", "br").await;
        assert_eq!(
            (page.status(), body.as_str()),
            (StatusCode::OK, "brotli index")
        );
        assert_eq!(header_of(&page, header::CACHE_CONTROL), Some("no-cache"));
        assert!(header_of(&page, header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .contains("script-src 'self'"));
        let (missing, _) = get(&app, "/assets/app-old999.js", "br").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(header_of(&missing, header::CACHE_CONTROL), Some("no-cache"));
        std::fs::remove_dir_all(dir).ok();
    }
}

//! Inventory's HTTP routes, one module per resource, merged here.

mod catalogue_csv;
mod internal;
mod keyed;
mod products;
mod purchasing;
mod stock;
mod stocktake;
mod suppliers;

use axum::{extract::DefaultBodyLimit, routing::post, Router};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::InventoryState;

/// CSV imports may be larger than ordinary JSON bodies (10,000 rows is about 1 MB).
pub const IMPORT_BODY_LIMIT: usize = 32 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "Stockroom inventory", description = "Catalogue, stock and suppliers"),
    tags((name = "inventory", description = "Products, stock levels, the ledger and suppliers"),
         (name = "purchasing", description = "Purchase orders to suppliers and goods in"))
)]
struct ApiDoc;

fn api() -> OpenApiRouter<InventoryState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(products::list, products::create))
        .routes(routes!(products::get, products::update, products::archive))
        .routes(routes!(catalogue_csv::export))
        .routes(routes!(stock::adjust))
        .routes(routes!(stocktake::stocktake))
        .routes(routes!(stock::movements))
        .routes(routes!(stock::low_stock))
        .routes(routes!(stock::summary))
        .routes(routes!(suppliers::list, suppliers::create))
        .routes(routes!(suppliers::get, suppliers::update))
        .routes(routes!(purchasing::list, purchasing::create))
        .routes(routes!(purchasing::get, purchasing::update))
        .routes(routes!(purchasing::order))
        .routes(routes!(purchasing::receive))
        .routes(routes!(purchasing::cancel))
        .routes(routes!(purchasing::close))
        .routes(routes!(purchasing::from_restock))
}

pub fn router(state: InventoryState) -> Router {
    let import = Router::new()
        .route("/api/products/import", post(catalogue_csv::import))
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT));
    Router::from(api())
        .merge(import)
        .merge(internal::router())
        .with_state(state)
}

/// The OpenAPI document of inventory's public routes (merged by the gateway).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = OpenApiRouter::<InventoryState>::new()
        .routes(routes!(catalogue_csv::import))
        .into_openapi();
    doc.merge(api().into_openapi());
    let mut full = ApiDoc::openapi();
    full.merge(doc);
    full
}

/// Parses `If-Match`: `Some(version)`, or `None` when absent or `*`.
fn if_match(headers: &axum::http::HeaderMap) -> Result<Option<i64>, kernel::AppError> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| {
            kernel::AppError::BadRequest(
                "If-Match must be an ETag this API returned, e.g. \"3\"".into(),
            )
        })
}

/// The `ETag` of a product version.
fn etag(version: i64) -> [(axum::http::HeaderName, String); 1] {
    [(axum::http::header::ETAG, format!("\"{version}\""))]
}

//! The gateway's part of the public OpenAPI 3.1 document, and the rules that turn the
//! services' parts into the one document served at `/openapi.json` and `/docs`. The binary
//! gathers the parts (so the gateway compiles no other service) and calls [`merge`].

use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stockroom API",
        description = "AI-assisted order and inventory management. Errors are RFC 9457 problem+json; \
            money is integer minor units with a currency; lists take `limit` and `cursor`.",
    ),
    paths(crate::aggregate::dashboard, crate::aggregate::status),
    components(schemas(kernel::Problem, kernel::FieldError)),
    modifiers(&BearerAuth),
    tags((name = "gateway", description = "Aggregates and platform status"))
)]
struct GatewayDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The gateway's own part: its aggregate routes, the shared problem schemas, the bearer
/// scheme and the document's title.
pub fn openapi() -> utoipa::openapi::OpenApi {
    GatewayDoc::openapi()
}

/// The public document: the gateway's own part merged with the services' `parts`, without
/// the paths the gateway never routes, with one version and unique operation ids.
pub fn merge(
    parts: impl IntoIterator<Item = utoipa::openapi::OpenApi>,
) -> utoipa::openapi::OpenApi {
    let mut doc = openapi();
    for part in parts {
        doc.merge(part);
    }
    // Service tokens are between services: the gateway does not route them, so not public.
    doc.paths
        .paths
        .retain(|path, _| !crate::path::is_never_routed(path));
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    qualify_operation_ids(&mut doc);
    doc
}

/// Handler names repeat across services (`list`, `get`): prefix each with its tag, so
/// every operation id is unique as OpenAPI requires (`orders_list`, `inventory_list`).
fn qualify_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_default();
            if let Some(id) = &operation.operation_id {
                operation.operation_id = Some(format!("{tag}_{id}"));
            }
        }
    }
}

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
    doc.info.license = Some(
        utoipa::openapi::LicenseBuilder::new()
            .name("MIT")
            .identifier(Some("MIT"))
            .build(),
    );
    // Relative: the document describes whichever gateway serves it.
    doc.servers = Some(vec![utoipa::openapi::server::ServerBuilder::new()
        .url("/")
        .description(Some("the gateway serving this document"))
        .build()]);
    qualify_operation_ids(&mut doc);
    for operation in operations(&mut doc) {
        mark_public_and_limited(operation);
    }
    drop_unused_schemas(&mut doc);
    doc
}

fn operations(
    doc: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
    })
}

/// An operation that names no security requirement is public (sign-in, registration, keys,
/// status): it says so with `security: []`, so no client sends a token to it. Every public
/// route passes the gateway's rate limit, so every operation may answer 429.
fn mark_public_and_limited(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    if operation.security.is_none() {
        operation.security = Some(Vec::new());
    }
    let problem = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let signed_in = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let responses = &mut operation.responses.responses;
    if signed_in && !responses.contains_key("401") {
        responses.insert(
            "401".into(),
            ResponseBuilder::new()
                .description("Not signed in, or the token is invalid or expired")
                .content("application/problem+json", problem.clone())
                .build()
                .into(),
        );
    }
    if !responses.contains_key("429") {
        responses.insert(
            "429".into(),
            ResponseBuilder::new()
                .description(
                    "Too many requests from this client or user; retry after `Retry-After` seconds",
                )
                .content("application/problem+json", problem)
                .build()
                .into(),
        );
    }
}

/// Schemas only the unrouted paths used (the service-token exchange) are not public either.
fn drop_unused_schemas(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    loop {
        let Ok(text) = serde_json::to_string(&doc.paths) else {
            return;
        };
        let schemas = serde_json::to_string(&components.schemas).unwrap_or_default();
        let used = |name: &str| {
            let reference = format!("\"#/components/schemas/{name}\"");
            text.contains(&reference) || schemas.contains(&reference)
        };
        let unused: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !used(name))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(&name);
        }
    }
}

/// Handler names repeat across services (`list`, `get`): prefix each with its tag, so
/// every operation id is unique as OpenAPI requires (`orders_list`, `inventory_list`).
fn qualify_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    {
        for operation in operations(doc) {
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

//! Webhook subscriptions (admin): create (the secret is shown once), list, read, change,
//! delete, the delivery log, and a test ping.

use axum::{extract::State, http::StatusCode};
use chrono::Utc;
use kernel::{
    auth::AuthUser,
    extract::{Path, Query},
    pagination::{Cursor, Page, PageRequest},
    AppError, Json, Result,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    model::{CreatedWebhook, DeliveryAttempt, Webhook},
    patterns,
    store::WebhookRow,
    webhooks::{signing, ssrf},
    EventsState,
};

/// One pattern of a webhook's `events`, as [`patterns::parse`] takes it.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct EventPattern(String);

// By hand: utoipa's derive puts no length or pattern on a newtype, and without them the
// document allows patterns the API refuses.
impl utoipa::PartialSchema for EventPattern {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "`*` (every event), a family such as `order.*`, or an exact type such as `order.confirmed`",
            ))
            .max_length(Some(64))
            .pattern(Some(r"^(\*|[a-z_]+(\.[a-z_]+)*\.\*|[a-z_]+(\.[a-z_]+)+)$"))
            .into()
    }
}

impl ToSchema for EventPattern {}

fn pattern_texts(patterns: &[EventPattern]) -> Vec<String> {
    patterns.iter().map(|p| p.0.clone()).collect()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where events are POSTed: http(s), resolving to a public address.
    #[schema(max_length = 2048, pattern = "^https?://")]
    url: String,
    #[schema(min_items = 1, max_items = 50)]
    events: Vec<EventPattern>,
    /// Default true.
    #[serde(default)]
    active: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[schema(max_length = 2048, pattern = "^https?://")]
    url: Option<String>,
    #[schema(min_items = 1, max_items = 50)]
    events: Option<Vec<EventPattern>>,
    /// Turning a webhook on again also forgets its failures.
    active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
}

impl EventsState {
    async fn webhook_of(&self, id: Uuid) -> Result<WebhookRow> {
        self.store
            .webhook(id)
            .await?
            .ok_or_else(|| AppError::NotFound("no webhook with this id".into()))
    }
}

/// Subscribes a URL to events (admin). The answer carries the signing secret, shown only now.
#[utoipa::path(post, path = "/api/webhooks", operation_id = "create_webhook", tag = "events", request_body = CreateWebhook, security(("bearer" = [])),
    responses((status = 201, description = "Created", body = CreatedWebhook),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed: a bad pattern, or a URL that is not http(s) or resolves to an internal address", body = kernel::Problem)))]
pub async fn create(
    State(state): State<EventsState>,
    caller: AuthUser,
    Json(req): Json<CreateWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>)> {
    caller.require_admin()?;
    let owner = caller.user_id()?;
    let events = patterns::parse(&pattern_texts(&req.events))?;
    ssrf::vet(&req.url, state.config.webhook_allow_private).await?;
    let now = Utc::now();
    let row = WebhookRow {
        id: Uuid::now_v7(),
        url: req.url,
        events,
        secret: signing::new_secret(),
        active: req.active.unwrap_or(true),
        owner_id: owner,
        owner_email: caller.claims.email.clone(),
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_webhook(&row).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            webhook: Webhook::from(&row),
            secret: row.secret,
        }),
    ))
}

/// Every webhook, newest first (admin).
#[utoipa::path(get, path = "/api/webhooks", operation_id = "list_webhooks", tag = "events", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Webhook>),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn list(
    State(state): State<EventsState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Webhook>>> {
    caller.require_admin()?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let rows = state.store.webhooks(&page).await?;
    let page = page.page(rows, |w| Cursor {
        created_at: w.created_at,
        id: w.id,
    });
    Ok(Json(Page {
        items: page.items.iter().map(Webhook::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One webhook (admin).
#[utoipa::path(get, path = "/api/webhooks/{id}", operation_id = "get_webhook", tag = "events", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Webhook),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn get(
    State(state): State<EventsState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<Webhook>> {
    caller.require_admin()?;
    Ok(Json(Webhook::from(&state.webhook_of(id).await?)))
}

/// Changes a webhook's URL, patterns or active flag (admin).
#[utoipa::path(patch, path = "/api/webhooks/{id}", operation_id = "update_webhook", tag = "events", params(("id" = Uuid, Path)), request_body = UpdateWebhook, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Webhook),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn update(
    State(state): State<EventsState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateWebhook>,
) -> Result<Json<Webhook>> {
    caller.require_admin()?;
    let mut row = state.webhook_of(id).await?;
    if let Some(events) = &req.events {
        row.events = patterns::parse(&pattern_texts(events))?;
    }
    if let Some(url) = req.url {
        ssrf::vet(&url, state.config.webhook_allow_private).await?;
        row.url = url;
    }
    if let Some(active) = req.active {
        if active && !row.active {
            row.failing_since = None;
        }
        row.active = active;
    }
    row.updated_at = Utc::now();
    state.store.update_webhook(&row).await?;
    Ok(Json(Webhook::from(&row)))
}

/// Deletes a webhook and its delivery log (admin).
#[utoipa::path(delete, path = "/api/webhooks/{id}", operation_id = "delete_webhook", tag = "events", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn delete(
    State(state): State<EventsState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    caller.require_admin()?;
    if state.store.delete_webhook(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("no webhook with this id".into()))
    }
}

/// The delivery log of a webhook, newest attempt first (admin): each attempt's event, status
/// code or error, duration and next retry.
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", operation_id = "webhook_deliveries", tag = "events", params(("id" = Uuid, Path), ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<DeliveryAttempt>),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn deliveries(
    State(state): State<EventsState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<DeliveryAttempt>>> {
    caller.require_admin()?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    state.webhook_of(id).await?;
    let rows = state.store.attempts(id, &page).await?;
    let page = page.page(rows, |a| Cursor {
        created_at: a.attempted_at,
        id: a.id,
    });
    Ok(Json(Page {
        items: page.items.iter().map(DeliveryAttempt::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Sends a `ping` event to the webhook now and answers with the attempt (admin).
#[utoipa::path(post, path = "/api/webhooks/{id}/test", operation_id = "test_webhook", tag = "events", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The attempt: see `outcome`, `status_code` and `error`", body = DeliveryAttempt),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem)))]
pub async fn test(
    State(state): State<EventsState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<DeliveryAttempt>> {
    caller.require_admin()?;
    let webhook = state.webhook_of(id).await?;
    let attempt = state.background.ping(&webhook).await?;
    Ok(Json(DeliveryAttempt::from(&attempt)))
}

impl ListQuery {
    pub(crate) fn parts(&self) -> (Option<i64>, Option<&str>) {
        (self.limit, self.cursor.as_deref())
    }
}

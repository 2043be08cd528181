//! AI over HTTP: the assistant, the AI status, re-queuing a summary, restock insights.

use axum::{extract::State, http::StatusCode};
use contracts::OrderId;
use kernel::{auth::AuthUser, extract::Path, AppError, Json, Result};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    ai::{self, ChatAnswer, ChatRequest, RestockReport},
    domain::OrderStatus,
    OrdersState,
};

/// Answers a signed-in user's question with read-only tools run as that user.
///
/// The model looks things up with tools that run with the caller's own permissions: staff
/// get the catalogue, every order, sales, restock advice and purchase orders, and may get
/// proposals (a purchase order or a stock adjustment, as the ordinary request body) to
/// confirm themselves; a customer gets only their own orders and what the shop has
/// available. Nothing is changed by the assistant. Providers without tool support answer
/// from a snapshot of the caller's data.
#[utoipa::path(post, path = "/api/ai/chat", tag = "ai", request_body = ChatRequest, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = ChatAnswer),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not a user (service tokens)", body = kernel::Problem),
              (status = 422, description = "Validation failed: 1 to 20 turns of 1 to 4,000 characters, ending with the user's", body = kernel::Problem),
              (status = 503, description = "AI disabled, paused after failures, or the provider failed", body = kernel::Problem),
              (status = 504, description = "The answer did not come within AI_TIMEOUT_MS", body = kernel::Problem)))]
pub async fn chat(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Json(req): Json<ChatRequest>,
) -> Result<Json<ChatAnswer>> {
    Ok(Json(state.assistant.answer(&caller, &req).await?))
}

#[derive(Serialize, ToSchema)]
pub struct AiStatus {
    enabled: bool,
    provider: Option<String>,
    model: Option<String>,
    /// closed, open or half_open
    breaker: &'static str,
    /// Jobs waiting or running.
    queued: i64,
    succeeded: u64,
    failed: u64,
    last_error: Option<String>,
    last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Jobs by status, across every replica.
    jobs: crate::store::JobCounts,
}

/// The AI layer's health: configuration, breaker, queue and outcomes.
#[utoipa::path(get, path = "/api/ai/status", tag = "ai", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = AiStatus), (status = 403, description = "Not allowed for this role", body = kernel::Problem)))]
pub async fn status(State(state): State<OrdersState>, caller: AuthUser) -> Result<Json<AiStatus>> {
    caller.require_staff()?;
    let ai = &state.ai;
    let jobs = state.saga.store.job_counts().await?;
    let counters = ai.counters();
    Ok(Json(AiStatus {
        enabled: ai.enabled(),
        provider: ai.provider_host().map(str::to_string),
        model: ai.model().map(str::to_string),
        breaker: ai.breaker_state().as_str(),
        queued: jobs.waiting(),
        succeeded: counters.succeeded,
        failed: counters.failed,
        last_error: counters.last_error,
        last_success_at: counters.last_success_at,
        jobs,
    }))
}

/// Queues a fresh AI summary of an order (staff).
#[utoipa::path(post, path = "/api/orders/{id}/summary", tag = "ai", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 202, description = "Accepted"), (status = 404, description = "Not found", body = kernel::Problem),
              (status = 409, description = "Conflict", body = kernel::Problem), (status = 503, description = "AI disabled", body = kernel::Problem)))]
pub async fn summarise(
    State(state): State<OrdersState>,
    caller: AuthUser,
    Path(id): Path<OrderId>,
) -> Result<StatusCode> {
    caller.require_staff()?;
    if !state.ai.enabled() {
        return Err(ai::AiError::Disabled.into());
    }
    let order = state.saga.visible(id, &caller).await?;
    if matches!(
        order.status,
        OrderStatus::Pending | OrderStatus::Rejected | OrderStatus::Failed
    ) {
        return Err(AppError::conflict(
            "not-confirmed",
            "Order not confirmed",
            "only confirmed orders get a summary",
        ));
    }
    state.saga.store.queue_summary(id).await?;
    state.ai.jobs_waiting.notify_one();
    Ok(StatusCode::ACCEPTED)
}

/// Per product: demand, days of cover, a suggested reorder and its urgency; plus an AI narrative.
#[utoipa::path(get, path = "/api/insights/restock", tag = "ai", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = RestockReport), (status = 503, description = "Inventory unavailable", body = kernel::Problem)))]
pub async fn restock(
    State(state): State<OrdersState>,
    caller: AuthUser,
) -> Result<Json<RestockReport>> {
    caller.require_staff()?;
    Ok(Json(state.insights.restock().await?))
}

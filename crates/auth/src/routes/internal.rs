//! `/internal/` endpoints for peer services (service tokens only; never routed by the gateway).

use axum::{extract::State, routing::get, Router};
use kernel::{auth::AuthUser, extract::Path, AppError, Json, Result};
use uuid::Uuid;

use crate::{AuthState, User};

pub fn router() -> Router<AuthState> {
    Router::new().route("/internal/users/{id}", get(user))
}

/// One user, for orders placing an order for a customer: the order carries the customer's
/// own email, never one the caller typed.
async fn user(
    State(state): State<AuthState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Json<User>> {
    caller.require_service()?;
    state
        .store
        .user(id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound("no user with this id".into()))
}

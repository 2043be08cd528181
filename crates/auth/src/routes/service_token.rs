//! The client-credentials grant: services get short-lived tokens for `/internal/` calls.

use axum::{extract::State, Form};
use kernel::{auth::Role, AppError, Json, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{tokens, AuthState};

/// The services that may ask for a token.
const CLIENTS: [&str; 4] = ["gateway", "auth", "inventory", "orders"];

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    grant_type: String,
    client_id: String,
    client_secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// Grants a service token (role `service`).
#[utoipa::path(post, path = "/api/auth/token", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "OK", body = TokenResponse), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem)))]
pub async fn grant(
    State(state): State<AuthState>,
    form: Result<Form<TokenRequest>, axum::extract::rejection::FormRejection>,
) -> Result<Json<TokenResponse>> {
    let Form(req) = form.map_err(|e| AppError::BadRequest(format!("expected a form body: {e}")))?;
    if req.grant_type != "client_credentials" {
        return Err(AppError::validation(
            "grant_type",
            "only client_credentials is supported",
        ));
    }
    let known = CLIENTS.contains(&req.client_id.as_str());
    if !known
        || !tokens::secrets_match(
            &req.client_secret,
            state.common.service_client_secret.expose(),
        )
    {
        return Err(AppError::Unauthorized(
            "unknown client or wrong secret".into(),
        ));
    }
    let ttl = state.config.service_token_ttl.as_secs();
    let sub = format!("service:{}", req.client_id);
    let access_token =
        tokens::access_token(&state.keys, &state.common, &sub, Role::Service, None, ttl)?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ttl,
    }))
}

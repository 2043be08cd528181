//! Sessions: login, refresh with rotation and reuse detection, logout.

use std::net::SocketAddr;

use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Argon2,
};
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
};
use kernel::{AppError, Json, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::blocking;
use crate::{domain::Email, store::Rotation, tokens, AuthState, User};

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// A signed-in session.
#[derive(Serialize, ToSchema)]
pub struct Session {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
    user: User,
}

const BAD_CREDENTIALS: &str = "the email or password is wrong";

pub async fn hash_password(password: String) -> Result<String> {
    blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h: PasswordHash| h.to_string())
            .map_err(AppError::internal)
    })
    .await?
}

async fn verify_password(password: String, hash: String) -> Result<bool> {
    blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

impl AuthState {
    /// Issues an access token and a refresh token in a new or existing login (`family`).
    async fn session(
        &self,
        user: User,
        family: Option<String>,
        refresh: Option<String>,
    ) -> Result<Session> {
        let ttl = self.settings.access_token_ttl.as_secs();
        let access_token = tokens::access_token(
            &self.keys,
            &self.settings,
            &user.id.to_string(),
            user.role,
            Some(&user.email),
            ttl,
        )?;
        let refresh_token = match (family, refresh) {
            (Some(family), None) => {
                let token = tokens::refresh_token();
                let id = user.id.to_string();
                self.store
                    .insert_refresh(
                        &tokens::hash(&token),
                        &family,
                        &id,
                        self.settings.refresh_token_ttl,
                    )
                    .await?;
                token
            }
            (_, Some(already_stored)) => already_stored,
            (None, None) => {
                return Err(AppError::internal(
                    "a session needs a login or a refresh token",
                ))
            }
        };
        Ok(Session {
            access_token,
            token_type: "Bearer",
            expires_in: ttl,
            refresh_token,
            user,
        })
    }
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "OK", body = Session), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem), (status = 429, description = "Rate limited", body = kernel::Problem)))]
pub async fn login(
    State(state): State<AuthState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Json<Session>> {
    let address =
        kernel::server::client_addr(&headers, peer, &state.settings.trusted_proxies).to_string();
    let account = req.email.trim().to_lowercase();
    if let Some(retry_after_secs) = state.limiter.blocked(&account, &address) {
        return Err(AppError::RateLimited {
            detail: "too many failed sign-ins; wait before trying again".into(),
            retry_after_secs,
        });
    }
    let found = match Email::parse(&req.email) {
        Ok(email) => state.store.credentials(email.as_str()).await?,
        Err(_) => None,
    };
    // Unknown emails are checked against a dummy hash: both failures look and take the same.
    let hash = found
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| state.dummy_hash.to_string());
    let valid = verify_password(req.password, hash).await? && found.is_some();
    let Some((user, _)) = found.filter(|_| valid) else {
        state.limiter.record_failure(&account, &address);
        return Err(AppError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    if user.disabled {
        return Err(AppError::Forbidden(
            "this account is disabled; ask an admin".into(),
        ));
    }
    state.limiter.record_success(&account);
    let family = uuid::Uuid::now_v7().to_string();
    Ok(Json(state.session(user, Some(family), None).await?))
}

/// Trades a refresh token for a new pair; the old one stops working.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "OK", body = Session), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem)))]
pub async fn refresh(
    State(state): State<AuthState>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<Session>> {
    let new_token = tokens::refresh_token();
    let rotation = state
        .store
        .rotate_refresh(
            &tokens::hash(&req.refresh_token),
            &tokens::hash(&new_token),
            state.settings.refresh_token_ttl,
        )
        .await?;
    match rotation {
        Rotation::Rotated { user_id } => {
            let user = state.store.user(&user_id).await?.ok_or_else(|| AppError::Unauthorized("the user no longer exists".into()))?;
            if user.disabled {
                state.store.revoke_login(&tokens::hash(&new_token)).await?;
                return Err(AppError::Forbidden("this account is disabled; ask an admin".into()));
            }
            Ok(Json(state.session(user, None, Some(new_token)).await?))
        }
        Rotation::Reused => Err(AppError::Unauthorized(
            "this refresh token was already used, so the session was signed out everywhere; sign in again".into(),
        )),
        Rotation::Invalid => Err(AppError::Unauthorized("the refresh token is unknown, expired or revoked; sign in again".into())),
    }
}

/// Signs out: the login the refresh token belongs to is revoked.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "signed out")))]
pub async fn logout(
    State(state): State<AuthState>,
    Json(req): Json<RefreshRequest>,
) -> Result<StatusCode> {
    state
        .store
        .revoke_login(&tokens::hash(&req.refresh_token))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

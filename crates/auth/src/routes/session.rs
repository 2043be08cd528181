//! Sessions: login, refresh with rotation and reuse detection, logout.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
};
use kernel::{AppError, Json, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{Bounded, Email},
    hashing,
    store::Rotation,
    tokens, AuthState, User,
};

/// Over-long values are refused (422) while the body is parsed, before anything else.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(value_type = String, max_length = 254)]
    email: Bounded<254>,
    #[schema(value_type = String, max_length = 128)]
    password: Bounded<128>,
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

impl AuthState {
    /// The user whose password this is, if any. Unknown emails are checked against a dummy
    /// hash: both failures look the same and take the same time.
    async fn authenticate(&self, account: &str, password: String) -> Result<Option<User>> {
        let found = match Email::parse(account) {
            Ok(email) => self.store.credentials(&email).await?,
            Err(_) => None,
        };
        let hash = found
            .as_ref()
            .map(|c| c.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.to_string());
        let valid = self.hasher.verify(password, hash).await?;
        Ok(found.filter(|_| valid).map(|c| c.user))
    }

    /// Issues an access token and a refresh token in a new or existing login (`family`).
    async fn session(
        &self,
        user: User,
        family: Option<Uuid>,
        refresh: Option<String>,
    ) -> Result<Session> {
        let ttl = self.config.access_token_ttl.as_secs();
        let access_token = tokens::access_token(
            &self.keys,
            &self.common,
            &user.id.to_string(),
            user.role,
            Some(user.email.as_str()),
            ttl,
        )?;
        let refresh_token = match (family, refresh) {
            (Some(family), None) => {
                let token = tokens::refresh_token();
                self.store
                    .insert_refresh(
                        &tokens::hash(&token),
                        family,
                        user.id,
                        self.config.refresh_token_ttl,
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

/// Signs in with email and password. Attempts are counted per account and per address
/// before the password is checked; over the limit, 429 with Retry-After.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "OK", body = Session), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem), (status = 422, description = "Validation failed", body = kernel::Problem),
              (status = 429, description = "Rate limited", body = kernel::Problem), (status = 503, description = "Too many sign-ins being checked; retry after Retry-After", body = kernel::Problem)))]
pub async fn login(
    State(state): State<AuthState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Json<Session>> {
    let address = kernel::server::client_addr(&headers, peer, &state.common.trusted_proxies);
    let account = req.email.as_str().trim().to_lowercase();
    // Going over a limit records `auth.login_locked`: send it on at once.
    state
        .limits
        .admit_login(&account, address)
        .await
        .inspect_err(|_| state.relay.wake())?;
    let user = match state
        .authenticate(&account, req.password.into_inner())
        .await
    {
        Err(e) if hashing::is_busy(&e) => {
            state.limits.login_not_checked(&account, address).await?;
            return Err(e);
        }
        other => other?,
    };
    let Some(user) = user else {
        // The attempt was counted before the password was checked (so parallel guesses cannot
        // all pass); its failure is recorded now that it is known.
        let failed = crate::events::login_failed(&account, address);
        state.store.record(&failed).await?;
        state.relay.wake();
        return Err(AppError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    state.limits.login_succeeded(&account, address).await?;
    if user.disabled {
        return Err(AppError::Forbidden(
            "this account is disabled; ask an admin".into(),
        ));
    }
    let family = Uuid::now_v7();
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
            state.config.refresh_token_ttl,
        )
        .await?;
    match rotation {
        Rotation::Rotated { user_id } => {
            let user = state.store.user(user_id).await?.ok_or_else(|| AppError::Unauthorized("the user no longer exists".into()))?;
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

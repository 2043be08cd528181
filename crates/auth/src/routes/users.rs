//! Users: registration, the caller's own profile, and admin management.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
};
use kernel::{
    auth::{AuthUser, Role},
    extract::{Path, Query},
    outbox::Actor,
    pagination::{Cursor, Page, PageRequest},
    AppError, FieldError, Json, Result,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    bootstrap,
    domain::{Bounded, Email, Name, Password},
    store::{NewUser, UserChanges, UserFilter},
    AuthState, User,
};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(value_type = String, max_length = 254, pattern = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")]
    email: Bounded<254>,
    #[schema(value_type = String, min_length = 8, max_length = 128)]
    password: Bounded<128>,
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    name: Bounded<1000>,
    /// Only to claim the first admin of a new deployment: the one-time token auth prints at
    /// start (`STOCKROOM_BOOTSTRAP_TOKEN=…` on stderr, never in its log) while no admin exists
    /// and `ADMIN_EMAIL` is unset. The account becomes the admin; the token then stops working.
    #[schema(value_type = Option<String>, max_length = 100)]
    #[serde(default)]
    bootstrap_token: Option<Bounded<100>>,
}

/// Creates an account: a customer, or the admin when it claims that role. On `stockroom all`
/// the first account is the admin; on `serve`, the account with `ADMIN_EMAIL` or the one
/// registered with the bootstrap token, either only while no admin exists. Registrations are limited per client address.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, description = "Created", body = User),
              (status = 403, description = "The bootstrap token is unknown or was already used", body = kernel::Problem),
              (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem),
              (status = 429, description = "Too many registrations from this address", body = kernel::Problem),
              (status = 503, description = "Too many sign-ins being checked; retry after Retry-After", body = kernel::Problem)))]
pub async fn register(
    State(state): State<AuthState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<User>)> {
    let (email, password, name) = parse_registration(&req)?;
    let address = kernel::server::client_addr(&headers, peer, &state.common.trusted_proxies);
    state.limits.admit_registration(address).await?;
    let hash = state.hasher.hash(password.expose().to_string()).await?;
    let token = req.bootstrap_token.as_ref().map(Bounded::as_str);
    let claim = bootstrap::claim_for(&state.common, &state.config, &email, token);
    let account = NewUser {
        email: &email,
        name: &name,
        password_hash: &hash,
    };
    let user = state.store.register(account, &claim).await?;
    state.relay.wake();
    tracing::info!(user_id = %user.id, role = user.role.as_str(), "user registered");
    Ok((StatusCode::CREATED, Json(user)))
}

/// Every invalid field at once.
fn parse_registration(req: &RegisterRequest) -> Result<(Email, Password, Name)> {
    let email = Email::parse(req.email.as_str());
    let password = Password::parse(req.password.as_str(), email.as_ref().ok());
    let name = Name::parse(req.name.as_str());
    match (email, password, name) {
        (Ok(e), Ok(p), Ok(n)) => Ok((e, p, n)),
        (e, p, n) => {
            let errors: Vec<FieldError> =
                [e.err(), p.err(), n.err()].into_iter().flatten().collect();
            Err(AppError::Validation(errors))
        }
    }
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = User), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem)))]
pub async fn me(State(state): State<AuthState>, caller: AuthUser) -> Result<Json<User>> {
    let id = caller.require_user()?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(|| AppError::NotFound("no such user".into()))?;
    Ok(Json(user))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
    /// Only users with this role (staff must ask for `customer`).
    #[param(value_type = Option<String>, pattern = "^(admin|staff|customer)$")]
    role: Option<Role>,
    /// Part of the email or the name, case-blind.
    #[param(max_length = 200)]
    q: Option<String>,
}

/// Users, newest first: every user for admins; customers for staff, who look them up to
/// place an order on their behalf.
#[utoipa::path(get, path = "/api/auth/users", tag = "auth", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<User>), (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn list(
    State(state): State<AuthState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<User>>> {
    match caller.role() {
        Role::Admin => {}
        Role::Staff if q.role == Some(Role::Customer) => {}
        Role::Staff => {
            return Err(AppError::Forbidden(
                "staff may list customers only: add role=customer".into(),
            ))
        }
        _ => caller.require_admin()?,
    }
    if q.role == Some(Role::Service) {
        return Err(AppError::validation(
            "role",
            "must be admin, staff or customer",
        ));
    }
    let text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > 200) {
        return Err(AppError::validation("q", "must be at most 200 characters"));
    }
    let filter = UserFilter {
        role: q.role,
        text: text.map(str::to_string),
    };
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let users = state.store.users(&filter, &page).await?;
    Ok(Json(page.page(users, |u| Cursor {
        created_at: u.created_at,
        id: u.id,
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// admin, staff or customer
    #[schema(value_type = Option<String>, pattern = "^(admin|staff|customer)$")]
    role: Option<Role>,
    disabled: Option<bool>,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: Option<String>,
}

/// Changes a user's role, name or disabled flag (admin). The last admin stays an admin.
#[utoipa::path(patch, path = "/api/auth/users/{id}", tag = "auth", request_body = UpdateUser,
    params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = User), (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 404, description = "Not found", body = kernel::Problem), (status = 409, description = "Conflict", body = kernel::Problem)))]
pub async fn update(
    State(state): State<AuthState>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateUser>,
) -> Result<Json<User>> {
    caller.require_admin()?;
    if req.role == Some(Role::Service) {
        return Err(AppError::validation(
            "role",
            "must be admin, staff or customer",
        ));
    }
    let name = req
        .name
        .as_deref()
        .map(Name::parse)
        .transpose()
        .map_err(|e| AppError::Validation(vec![e]))?;
    let changes = UserChanges {
        role: req.role,
        disabled: req.disabled,
        name,
    };
    let by = Actor::user(
        crate::SERVICE,
        caller.user_id()?,
        caller.claims.email.as_deref(),
    );
    let user = state.store.update_user(id, changes, &by).await?;
    state.relay.wake();
    Ok(Json(user))
}

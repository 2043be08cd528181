//! Users: registration, the caller's own profile, and admin management.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
};
use kernel::{
    auth::{AuthUser, Role},
    extract::{Path, Query},
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
    /// Only users of this role (staff must ask for `customer`)
    #[param(pattern = "^(admin|staff|customer)$")]
    role: Option<String>,
    /// Case-insensitive part of the email or the name
    #[param(max_length = 200)]
    q: Option<String>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[A-Za-z0-9_-]+$", max_length = 200)]
    cursor: Option<String>,
}

/// Users, newest first, optionally of one role and matching `q`: admins see everyone; staff
/// find customers (`role=customer`), to place orders for them.
#[utoipa::path(get, path = "/api/auth/users", tag = "auth", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<User>),
              (status = 400, description = "Unknown role", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "The search text is too long", body = kernel::Problem)))]
pub async fn list(
    State(state): State<AuthState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<User>>> {
    let role = q
        .role
        .as_deref()
        .map(|r| match Role::parse(r) {
            Some(role) if role != Role::Service => Ok(role),
            _ => Err(AppError::BadRequest(format!("unknown role {r:?}"))),
        })
        .transpose()?;
    if role != Some(Role::Customer) {
        caller.require_admin()?;
    } else {
        caller.require_staff()?;
    }
    if q.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(AppError::validation("q", "must be at most 200 characters"));
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = UserFilter { role, q: q.q };
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
    Ok(Json(state.store.update_user(id, changes).await?))
}

//! Users: registration, the caller's own profile, and admin management.

use axum::{extract::State, http::StatusCode};
use kernel::{
    auth::{AuthUser, Role},
    extract::{Path, Query},
    pagination::{Page, PageRequest},
    AppError, FieldError, Json, Result,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::session::hash_password;
use crate::{
    domain::{Email, Name, Password},
    store::UserChanges,
    AuthState, User,
};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    email: String,
    password: String,
    name: String,
}

/// Creates an account. The first account of an empty system is the admin.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, description = "Created", body = User), (status = 409, description = "Conflict", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn register(
    State(state): State<AuthState>,
    Json(req): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<User>)> {
    let email = Email::parse(&req.email);
    let password = Password::parse(&req.password, email.as_ref().ok());
    let name = Name::parse(&req.name);
    let (email, password, name) = match (email, password, name) {
        (Ok(e), Ok(p), Ok(n)) => (e, p, n),
        (e, p, n) => {
            let errors: Vec<FieldError> =
                [e.err(), p.err(), n.err()].into_iter().flatten().collect();
            return Err(AppError::Validation(errors));
        }
    };
    let hash = hash_password(password.expose().to_string()).await?;
    let user = state
        .store
        .register(email.as_str(), &name.into_inner(), &hash)
        .await?;
    tracing::info!(user_id = %user.id, role = user.role.as_str(), "user registered");
    Ok((StatusCode::CREATED, Json(user)))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = User), (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem)))]
pub async fn me(State(state): State<AuthState>, caller: AuthUser) -> Result<Json<User>> {
    let id = caller.require_user()?;
    let user = state
        .store
        .user(&id.to_string())
        .await?
        .ok_or_else(|| AppError::NotFound("no such user".into()))?;
    Ok(Json(user))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–100, default 20
    limit: Option<i64>,
    cursor: Option<String>,
}

/// All users, newest first (admin).
#[utoipa::path(get, path = "/api/auth/users", tag = "auth", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<User>), (status = 403, description = "Not allowed for this role", body = kernel::Problem)))]
pub async fn list(
    State(state): State<AuthState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<User>>> {
    caller.require_admin()?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let users = state.store.users(&page).await?;
    Ok(Json(page.page(users, |u| {
        (kernel::time::to_db(u.created_at), u.id.to_string())
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    role: Option<Role>,
    disabled: Option<bool>,
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
        name: name.map(Name::into_inner),
    };
    Ok(Json(
        state.store.update_user(&id.to_string(), changes).await?,
    ))
}

//! The email log and who gets which staff emails (admin).

use std::collections::HashSet;

use axum::extract::State;
use kernel::{
    auth::AuthUser,
    extract::Query,
    pagination::{Cursor, Page, PageRequest},
    AppError, FieldError, Json, Result,
};

use crate::{
    model::{Notification, NotificationSettings, Recipient},
    routes::webhooks::ListQuery,
    EventsState,
};

/// Emails sent, queued or recorded without sending, newest first (admin).
#[utoipa::path(get, path = "/api/notifications", operation_id = "list_notifications", tag = "events", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Notification>),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn list(
    State(state): State<EventsState>,
    caller: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<Notification>>> {
    caller.require_admin()?;
    let (limit, cursor) = q.parts();
    let page = PageRequest::parse(limit, cursor)?;
    let rows = state.store.notifications(&page).await?;
    let page = page.page(rows, |n| Cursor {
        created_at: n.created_at,
        id: n.id,
    });
    Ok(Json(Page {
        items: page.items.iter().map(Notification::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Which staff get the low-stock digest and new-order alerts (admin).
#[utoipa::path(get, path = "/api/notifications/settings", operation_id = "notification_settings", tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = NotificationSettings),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem)))]
pub async fn settings(
    State(state): State<EventsState>,
    caller: AuthUser,
) -> Result<Json<NotificationSettings>> {
    caller.require_admin()?;
    let rows = state.store.recipients().await?;
    Ok(Json(NotificationSettings::from_rows(&rows)))
}

/// Replaces who gets which staff emails (admin).
#[utoipa::path(put, path = "/api/notifications/settings", operation_id = "put_notification_settings", tag = "events", request_body = NotificationSettings, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = NotificationSettings),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn put_settings(
    State(state): State<EventsState>,
    caller: AuthUser,
    Json(req): Json<NotificationSettings>,
) -> Result<Json<NotificationSettings>> {
    caller.require_admin()?;
    let mut errors = Vec::new();
    check("low_stock_digest", &req.low_stock_digest, &mut errors);
    check("new_order_alert", &req.new_order_alert, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    state.store.set_recipients(&req.rows()).await?;
    let rows = state.store.recipients().await?;
    Ok(Json(NotificationSettings::from_rows(&rows)))
}

fn check(list: &str, recipients: &[Recipient], errors: &mut Vec<FieldError>) {
    if recipients.len() > 100 {
        errors.push(FieldError::new(list, "at most 100 recipients"));
    }
    let mut seen = HashSet::new();
    for (i, r) in recipients.iter().enumerate() {
        let email = r.email.trim();
        let (local, domain) = email.split_once('@').unwrap_or(("", ""));
        if email.len() > 254
            || local.is_empty()
            || !domain.contains('.')
            || email.contains(char::is_whitespace)
        {
            errors.push(FieldError::new(
                format!("{list}[{i}].email"),
                "must be an email address",
            ));
        }
        if !seen.insert(r.user_id) {
            errors.push(FieldError::new(
                format!("{list}[{i}].user_id"),
                "is listed twice",
            ));
        }
    }
}

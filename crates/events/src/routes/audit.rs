//! The audit log: every event with its actor, newest first, filtered; and its CSV export.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use kernel::{
    auth::AuthUser, csv_cells::neutralise, extract::Query, AppError, FieldError, Json, Result,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    model::{AuditEntry, AuditPage},
    store::AuditFilter,
    EventsState,
};

/// Rows one export holds at most: ask for a narrower time range beyond it.
const EXPORT_MAX: usize = 50_000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// A user id, an email, or a service name (`auth`, `orders`, …).
    #[param(max_length = 254)]
    actor: Option<String>,
    /// `order`, `product`, `user`, …
    #[param(max_length = 32, pattern = "^[a-z_]+$")]
    entity_kind: Option<String>,
    #[param(max_length = 256)]
    entity_id: Option<String>,
    /// An exact type (`order.confirmed`) or a family (`order.*`).
    #[serde(rename = "type")]
    #[param(
        rename = "type",
        max_length = 64,
        pattern = r"^[a-z_]+(\.[a-z_]+)*(\.\*)?$"
    )]
    kind: Option<String>,
    /// Events that occurred at or after this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Events that occurred before this time (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page
    #[param(pattern = "^[0-9]+$", max_length = 20)]
    cursor: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter> {
        let mut errors = Vec::new();
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            errors.push(FieldError::new("limit", "must be between 1 and 100"));
        }
        let before_seq = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match c.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor this API returned",
                    ));
                    None
                }
            },
        };
        let nonblank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (type_exact, type_prefix) = match nonblank(&self.kind) {
            None => (None, None),
            Some(t) if t == "*" => (None, None),
            Some(t) => match t.strip_suffix('*') {
                Some(prefix) => (None, Some(prefix.to_string())),
                None => (Some(t), None),
            },
        };
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from >= to {
                errors.push(FieldError::new("to", "must be after from"));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(AuditFilter {
            before_seq,
            actor: nonblank(&self.actor),
            entity_kind: nonblank(&self.entity_kind),
            entity_id: nonblank(&self.entity_id),
            type_exact,
            type_prefix,
            from: self.from,
            to: self.to,
            received_from: None,
            limit,
        })
    }
}

/// The audit log (admin): every event with its actor, newest first. Filters combine.
#[utoipa::path(get, path = "/api/audit", operation_id = "audit_log", tag = "events", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = AuditPage),
              (status = 400, description = "Unknown query parameter", body = kernel::Problem),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn list(
    State(state): State<EventsState>,
    caller: AuthUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>> {
    caller.require_admin()?;
    let mut filter = q.filter()?;
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = state.store.audit(&filter).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok(Json(AuditPage {
        items: rows.iter().map(AuditEntry::from).collect(),
        next_cursor,
    }))
}

/// The audit log as CSV (admin), with the same filters, newest first. Text cells that a
/// spreadsheet would run as a formula start with `'`.
#[utoipa::path(get, path = "/api/audit/export", operation_id = "audit_export", tag = "events", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = String),
              (status = 400, description = "Unknown query parameter", body = kernel::Problem),
              (status = 401, description = "Not signed in, or the token is invalid", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "Validation failed", body = kernel::Problem)))]
pub async fn export(
    State(state): State<EventsState>,
    caller: AuthUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response> {
    caller.require_admin()?;
    let mut filter = q.filter()?;
    filter.limit = 1000;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "seq",
        "occurred_at",
        "type",
        "actor_user_id",
        "actor_email",
        "actor_service",
        "entity_kind",
        "entity_id",
        "data",
        "request_id",
        "id",
    ];
    out.write_record(header).map_err(AppError::internal)?;
    let mut written = 0;
    loop {
        let rows = state.store.audit(&filter).await?;
        for r in &rows {
            let record = [
                r.seq.to_string(),
                kernel::time::to_db(r.occurred_at),
                r.kind.clone(),
                r.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
                r.actor_email.clone().unwrap_or_default(),
                r.actor_service.clone(),
                r.entity_kind.clone(),
                r.entity_id.clone(),
                r.data.clone(),
                r.request_id.clone().unwrap_or_default(),
                r.id.to_string(),
            ];
            out.write_record(record.iter().map(|c| neutralise(c).into_owned()))
                .map_err(AppError::internal)?;
        }
        written += rows.len();
        match rows.last() {
            Some(last) if rows.len() as i64 == filter.limit && written < EXPORT_MAX => {
                filter.before_seq = Some(last.seq)
            }
            _ => break,
        }
    }
    let body = out.into_inner().map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

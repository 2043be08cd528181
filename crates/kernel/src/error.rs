//! One error type for every service, rendered as RFC 9457 problem+json.
//!
//! Handlers return `Result<T>`; `?` converts database errors. The response carries the
//! [`Problem`] in its extensions so the outer middleware can add `instance` and `request_id`.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// One field that failed validation: `field` is a path such as `lines[1].quantity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The RFC 9457 body every 4xx and 5xx response carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A relative URI naming the kind of problem; clients branch on it.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Problem-specific members (for example the short lines of a reservation).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
    #[serde(skip)]
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str) -> Self {
        Self {
            kind: format!("/problems/{kind}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            request_id: None,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
            retry_after_secs: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn extension(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(key.to_string(), value);
        self
    }

    /// The generic problem for a status that was produced without one (a layer, a fallback).
    pub fn for_status(status: StatusCode) -> Self {
        let (kind, title) = match status.as_u16() {
            400 => ("bad-request", "Bad request"),
            401 => ("unauthorized", "Unauthorized"),
            403 => ("forbidden", "Forbidden"),
            404 => ("not-found", "Not found"),
            405 => ("method-not-allowed", "Method not allowed"),
            408 => ("timeout", "Request timeout"),
            413 => ("payload-too-large", "Payload too large"),
            415 => ("unsupported-media-type", "Unsupported media type"),
            429 => ("rate-limited", "Too many requests"),
            503 => ("unavailable", "Service unavailable"),
            504 => ("upstream-timeout", "Upstream timeout"),
            s if s >= 500 => ("internal", "Internal server error"),
            _ => ("error", "Error"),
        };
        Self::new(status, kind, title)
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Renders the problem as a response, keeping a copy in the extensions.
    pub fn into_response_parts(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (self.status_code(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(self);
        response
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.into_response_parts()
    }
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A 409 of a named kind, e.g. `duplicate-sku`, `insufficient-stock`, `invalid-transition`.
    #[error("conflict ({kind}): {detail}")]
    Conflict {
        kind: &'static str,
        title: &'static str,
        detail: String,
    },
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("rate limited: {detail}")]
    RateLimited {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("upstream timeout: {0}")]
    UpstreamTimeout(String),
    /// A fully built problem, for the rare case that needs extension members.
    #[error("{0:?}")]
    Problem(Box<Problem>),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            kind,
            title,
            detail: detail.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn to_problem(&self) -> Problem {
        use StatusCode as S;
        match self {
            Self::BadRequest(d) => {
                Problem::new(S::BAD_REQUEST, "bad-request", "Bad request").detail(d)
            }
            Self::Validation(errors) => {
                let mut p =
                    Problem::new(S::UNPROCESSABLE_ENTITY, "validation", "Validation failed")
                        .detail(match errors.len() {
                            1 => format!("{}: {}", errors[0].field, errors[0].message),
                            n => format!("{n} fields are invalid"),
                        });
                p.errors = errors.clone();
                p
            }
            Self::Unauthorized(d) => {
                Problem::new(S::UNAUTHORIZED, "unauthorized", "Unauthorized").detail(d)
            }
            Self::Forbidden(d) => Problem::new(S::FORBIDDEN, "forbidden", "Forbidden").detail(d),
            Self::NotFound(d) => Problem::new(S::NOT_FOUND, "not-found", "Not found").detail(d),
            Self::Conflict {
                kind,
                title,
                detail,
            } => Problem::new(S::CONFLICT, kind, title).detail(detail),
            Self::PreconditionFailed(d) => Problem::new(
                S::PRECONDITION_FAILED,
                "precondition-failed",
                "Precondition failed",
            )
            .detail(d),
            Self::RateLimited {
                detail,
                retry_after_secs,
            } => Problem::new(S::TOO_MANY_REQUESTS, "rate-limited", "Too many requests")
                .detail(detail)
                .retry_after(*retry_after_secs),
            Self::Unavailable(d) => {
                Problem::new(S::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable")
                    .detail(d)
                    .retry_after(5)
            }
            Self::UpstreamTimeout(d) => {
                Problem::new(S::GATEWAY_TIMEOUT, "upstream-timeout", "Upstream timeout")
                    .detail(d)
                    .retry_after(5)
            }
            Self::Problem(p) => (**p).clone(),
            Self::Database(e) if is_pool_exhausted(e) => {
                Problem::new(S::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable")
                    .detail("the database is busy or unreachable; try again shortly")
                    .retry_after(2)
            }
            // 5xx bodies say nothing internal: the cause is logged, not sent.
            Self::Database(_) | Self::Internal(_) => Problem::new(
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            )
            .detail("an unexpected error occurred; it has been logged with this request id"),
        }
    }
}

fn is_pool_exhausted(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}

/// True when the error is a unique-constraint violation on either backend.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db
                    .code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
        }
        _ => false,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.to_problem();
        if problem.status >= 500 {
            tracing::error!(error = %self, "request failed");
        }
        problem.into_response()
    }
}

/// A failure while starting a service: always fatal, reported once with its message.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Db(#[from] crate::db::DbError),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
}

//! `Query` and `Path` extractors whose rejections are problem+json that say what is wrong
//! (axum's own answer with a plain-text body).

use axum::extract::{
    rejection::{PathRejection, QueryRejection},
    FromRequestParts,
};

use crate::AppError;

/// Like `axum::extract::Query`; a bad query string is a 400 naming the parameter.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// Like `axum::extract::Path`; a malformed id is a 404 (no such resource can exist).
#[derive(Debug, Clone, Copy, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let reason = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        AppError::BadRequest(format!("invalid query parameter: {reason}"))
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::NotFound(format!("no such resource ({})", rejection.body_text()))
    }
}

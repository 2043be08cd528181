//! Inventory's public API called with the assistant's caller's own bearer token, so every
//! read the assistant makes is one that caller could make: inventory applies its own rules
//! (customers see only active products, no cost, no supplier, no reorder settings; purchase
//! orders are staff only). It shares orders' pooled HTTP client.
//!
//! Model-chosen values never become path text: ids are parsed as UUIDs first, and query
//! values are encoded by reqwest.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::time::Instant;
use uuid::Uuid;

use super::run::ToolError;

#[derive(Clone)]
pub struct CallerInventory {
    http: reqwest::Client,
    base: String,
    /// Longest a single read may take, within what is left of the answer's budget.
    per_call: Duration,
}

impl CallerInventory {
    pub fn new(http: reqwest::Client, inventory_url: &str, per_call: Duration) -> Self {
        Self {
            http,
            base: inventory_url.trim_end_matches('/').to_string(),
            per_call,
        }
    }

    pub async fn product(
        &self,
        token: &str,
        id: Uuid,
        deadline: Instant,
    ) -> Result<Value, ToolError> {
        self.get(token, &format!("/api/products/{id}"), &[], deadline)
            .await
    }

    pub async fn products(
        &self,
        token: &str,
        query: &[(&str, String)],
        deadline: Instant,
    ) -> Result<Value, ToolError> {
        self.get(token, "/api/products", query, deadline).await
    }

    pub async fn supplier(
        &self,
        token: &str,
        id: Uuid,
        deadline: Instant,
    ) -> Result<Value, ToolError> {
        self.get(token, &format!("/api/suppliers/{id}"), &[], deadline)
            .await
    }

    pub async fn purchase_orders(
        &self,
        token: &str,
        query: &[(&str, String)],
        deadline: Instant,
    ) -> Result<Value, ToolError> {
        self.get(token, "/api/purchase-orders", query, deadline)
            .await
    }

    async fn get(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, String)],
        deadline: Instant,
    ) -> Result<Value, ToolError> {
        let budget = deadline
            .saturating_duration_since(Instant::now())
            .min(self.per_call);
        if budget.is_zero() {
            return Err(ToolError::Unavailable(
                "no time left to ask inventory".into(),
            ));
        }
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .bearer_auth(token)
            .timeout(budget);
        let response = kernel::context::apply(request).send().await.map_err(|e| {
            ToolError::Unavailable(if e.is_timeout() {
                "inventory did not answer in time".into()
            } else {
                "inventory is unreachable".into()
            })
        })?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|_| {
            ToolError::Unavailable(format!("inventory sent an unreadable {status} answer"))
        })?;
        match status {
            s if s.is_success() => Ok(body),
            StatusCode::NOT_FOUND => Err(ToolError::NotFound(detail(&body, "not found"))),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(ToolError::Forbidden),
            s if s.is_client_error() => Err(ToolError::Invalid(detail(&body, "refused"))),
            s => Err(ToolError::Unavailable(format!("inventory answered {s}"))),
        }
    }
}

/// The `detail` of inventory's problem+json, else `fallback`.
fn detail(body: &Value, fallback: &str) -> String {
    body["detail"]
        .as_str()
        .unwrap_or(fallback)
        .chars()
        .take(300)
        .collect()
}

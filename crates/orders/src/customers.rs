//! Who an order is for when staff place it for a customer: auth's record of that user
//! (`GET /internal/users/{id}`), so the order carries the customer's own email, never one the
//! caller typed. Only orders placed for someone else ask; a customer's own order reads its
//! email from the caller's token as it always has.

use std::time::Duration;

use kernel::{auth::Role, service_token::ServiceTokens, AppError, Result};
use reqwest::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

/// A user as auth knows them.
#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    pub email: String,
    pub disabled: bool,
    pub role: Role,
}

#[derive(Clone)]
pub struct Customers {
    http: reqwest::Client,
    url: String,
    tokens: ServiceTokens,
    timeout: Duration,
}

impl Customers {
    pub fn new(common: &kernel::Config, http: reqwest::Client) -> Self {
        let base = common.auth_url.trim_end_matches('/').to_string();
        Self {
            tokens: ServiceTokens::new(
                http.clone(),
                &base,
                "orders",
                common.service_client_secret.clone(),
            ),
            http,
            url: format!("{base}/internal/users"),
            timeout: common.upstream_timeout / 2,
        }
    }

    /// The active customer `id`; 422 on `customer_id` when auth knows no such user, the user
    /// is not a customer or the account is disabled, 503 when auth cannot say.
    pub async fn find(&self, id: Uuid) -> Result<Customer> {
        let unavailable = |e: &dyn std::fmt::Display| {
            tracing::warn!(error = %e, "customer lookup failed");
            AppError::Unavailable("auth is unavailable to look up the customer; try again".into())
        };
        let token = self.tokens.token().await.map_err(|e| unavailable(&e))?;
        let reply = kernel::context::apply(
            self.http
                .get(format!("{}/{id}", self.url))
                .bearer_auth(token)
                .timeout(self.timeout),
        )
        .send()
        .await
        .map_err(|e| unavailable(&e))?;
        match reply.status() {
            StatusCode::OK => {
                let customer: Customer = reply.json().await.map_err(|e| unavailable(&e))?;
                // Orders are placed for customers: staff and admins order in their own name.
                if customer.role != Role::Customer {
                    return Err(AppError::validation(
                        "customer_id",
                        "this user is not a customer",
                    ));
                }
                if customer.disabled {
                    return Err(AppError::validation(
                        "customer_id",
                        "this customer's account is disabled",
                    ));
                }
                Ok(customer)
            }
            StatusCode::NOT_FOUND => Err(AppError::validation(
                "customer_id",
                "no customer with this id",
            )),
            other => Err(unavailable(&format!("auth answered {other}"))),
        }
    }
}

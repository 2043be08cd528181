//! The client for inventory's `/internal/` API: one pooled HTTP client, a service token,
//! a time budget per call, a small retry budget for idempotent calls, and a peer breaker so a
//! dead inventory costs a fast 503 rather than a hang.
//!
//! The breaker counts only inventory itself failing to answer (connection refused or reset,
//! timeout): an answer, even inventory's own 503, means inventory is there, and auth failing
//! to issue a token is not inventory's fault. While open it watches inventory's `/healthz`
//! and closes as soon as inventory answers, so the first order after it returns succeeds.

use std::{sync::Arc, time::Duration};

use kernel::{
    breaker::{Call, PeerBreaker},
    service_token::ServiceTokens,
    Settings,
};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use tokio::time::{timeout_at, Instant};
use uuid::Uuid;

use crate::store::PricedLine;

#[derive(Debug, Deserialize)]
pub struct ReservedLine {
    pub product_id: Uuid,
    pub unit_price_cents: i64,
    pub sku: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Reservation {
    pub status: String,
    pub lines: Vec<ReservedLine>,
}

impl Reservation {
    /// The lines as the order stores them: inventory's names and prices.
    pub fn priced(self) -> Vec<PricedLine> {
        self.lines
            .into_iter()
            .map(|l| PricedLine {
                product_id: l.product_id,
                sku: l.sku,
                name: l.name,
                unit_price_cents: l.unit_price_cents,
            })
            .collect()
    }
}

pub enum Reserve {
    Held(Reservation),
    /// The id was released before (the order was given up): nothing is reserved.
    Released,
    /// Inventory refused: the 409 problem body to pass on.
    Refused(serde_json::Value),
}

/// Inventory could not be asked: down, too slow, or its circuit is open.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("inventory's circuit is open after repeated failures")]
    Open { retry_after_secs: u64 },
    #[error("inventory is unreachable: {0}")]
    Down(String),
}

#[derive(Clone)]
pub struct InventoryClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    tokens: ServiceTokens,
    breaker: PeerBreaker,
    /// A whole call, token included. Shorter than the gateway's timeout on orders, so a hung
    /// inventory gets the client orders' own 503 rather than the gateway's 504.
    budget: Duration,
}

impl InventoryClient {
    pub fn new(settings: &Settings, http: reqwest::Client) -> Self {
        // Kept on disk, so orders restarted while auth is down can still reach inventory.
        let tokens = ServiceTokens::from_settings(settings, http.clone(), "orders");
        let base = settings.inventory_url.trim_end_matches('/').to_string();
        Self {
            inner: Arc::new(Inner {
                breaker: PeerBreaker::new("inventory", &base, http.clone()),
                http,
                base,
                tokens,
                budget: settings.upstream_timeout.mul_f64(2.0 / 3.0),
            }),
        }
    }

    /// `Some(seconds for Retry-After)` while reservations are refused without asking.
    pub fn open_for(&self) -> Option<u64> {
        self.inner.breaker.open_for(Call::Write)
    }

    /// Reserves all lines (`reservation_id` = order id). Safe to repeat.
    pub async fn reserve(
        &self,
        order_id: Uuid,
        lines: &[(Uuid, i64)],
    ) -> Result<Reserve, Unavailable> {
        let body = json!({
            "reservation_id": order_id,
            "lines": lines.iter().map(|(p, q)| json!({"product_id": p, "quantity": q})).collect::<Vec<_>>(),
        });
        let (status, value) = self
            .call(reqwest::Method::POST, "/internal/reservations", Some(&body))
            .await?;
        match status {
            StatusCode::CREATED | StatusCode::OK => {
                let reservation: Reservation = serde_json::from_value(value).map_err(|e| {
                    Unavailable::Down(format!("inventory sent an unreadable reservation: {e}"))
                })?;
                Ok(if reservation.status == "held" {
                    Reserve::Held(reservation)
                } else {
                    Reserve::Released
                })
            }
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => Ok(Reserve::Refused(value)),
            other => Err(Unavailable::Down(format!("inventory answered {other}"))),
        }
    }

    /// Gives the reserved stock back. Idempotent.
    pub async fn release(&self, order_id: Uuid) -> Result<(), Unavailable> {
        let path = format!("/internal/reservations/{order_id}");
        match self.call(reqwest::Method::DELETE, &path, None).await?.0 {
            s if s.is_success() => Ok(()),
            // Already committed: nothing to give back.
            StatusCode::CONFLICT => Ok(()),
            other => Err(Unavailable::Down(format!(
                "inventory answered {other} to a release"
            ))),
        }
    }

    /// Stock leaves the warehouse. Idempotent.
    pub async fn commit(&self, order_id: Uuid) -> Result<(), Unavailable> {
        let path = format!("/internal/reservations/{order_id}/commit");
        match self
            .call(reqwest::Method::POST, &path, Some(&json!({})))
            .await?
            .0
        {
            s if s.is_success() => Ok(()),
            other => Err(Unavailable::Down(format!(
                "inventory answered {other} to a commit"
            ))),
        }
    }

    /// Current stock levels of every active product.
    pub async fn stock(&self) -> Result<serde_json::Value, Unavailable> {
        match self
            .call(reqwest::Method::GET, "/internal/stock", None)
            .await?
        {
            (s, value) if s.is_success() => Ok(value),
            (other, _) => Err(Unavailable::Down(format!("inventory answered {other}"))),
        }
    }

    /// One call through the breaker, within the call budget. Every inventory call is
    /// idempotent, so a failure to connect is retried once; a token inventory rejects is
    /// renewed once.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(StatusCode, serde_json::Value), Unavailable> {
        let inner = &self.inner;
        let kind = Call::of(&method);
        if !inner.breaker.allow(kind) {
            return Err(Unavailable::Open {
                retry_after_secs: inner.breaker.open_for(kind).unwrap_or(1),
            });
        }
        let deadline = Instant::now() + inner.budget;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = match timeout_at(deadline, inner.tokens.token()).await {
                Ok(Ok(token)) => token,
                Ok(Err(e)) => return Err(Unavailable::Down(format!("no service token: {e}"))),
                Err(_) => {
                    return Err(Unavailable::Down(
                        "no service token in time: auth is slow".into(),
                    ))
                }
            };
            let mut request = inner
                .http
                .request(method.clone(), format!("{}{path}", inner.base))
                .bearer_auth(token)
                .timeout(deadline.saturating_duration_since(Instant::now()));
            if let Some(body) = body {
                request = request.json(body);
            }
            match kernel::context::apply(request).send().await {
                Ok(r) => {
                    inner.breaker.answered(kind);
                    let status = r.status();
                    if status == StatusCode::UNAUTHORIZED && attempt == 1 {
                        inner.tokens.invalidate().await;
                        continue;
                    }
                    if status.is_server_error() {
                        return Err(Unavailable::Down(format!("inventory answered {status}")));
                    }
                    let value = r.json().await.unwrap_or(serde_json::Value::Null);
                    return Ok((status, value));
                }
                Err(e) if e.is_connect() && attempt == 1 => continue,
                Err(e) => {
                    inner.breaker.failed(kind);
                    return Err(Unavailable::Down(if e.is_timeout() {
                        "inventory did not answer in time".into()
                    } else {
                        e.to_string()
                    }));
                }
            }
        }
    }
}

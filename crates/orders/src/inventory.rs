//! The client for inventory's `/internal/` API: one pooled HTTP client, a service token,
//! a time budget per call, a small retry budget for idempotent calls, and a peer breaker so a
//! dead inventory costs a fast 503 rather than a hang.
//!
//! The breaker counts only inventory itself failing to answer (connection refused or reset,
//! timeout): an answer, even inventory's own 503, means inventory is there, and auth failing
//! to issue a token is not inventory's fault. While open it watches inventory's `/healthz`
//! and closes as soon as inventory answers, so the first order after it returns succeeds.

use std::{sync::Arc, time::Duration};

use contracts::{
    reservation::{
        CommitRequest, Hold, HoldPage, Reservation, ReservationStatus, ReserveLine, ReserveRequest,
        RestockRequest, Settlement, ShortLine,
    },
    stock::StockLevels,
    OrderId, ProductId, Quantity,
};
use kernel::{
    breaker::{Call, PeerBreaker},
    service_token::ServiceTokens,
    FieldError,
};
use reqwest::StatusCode;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use tokio::time::{timeout_at, Instant};

use crate::domain::PricedLine;

/// The lines as the order stores them: inventory's names and prices.
pub fn priced(reservation: Reservation) -> Vec<PricedLine> {
    reservation
        .lines
        .into_iter()
        .map(|l| PricedLine {
            product_id: l.product_id,
            sku: l.sku,
            name: l.name,
            unit_price_cents: l.unit_price_cents,
        })
        .collect()
}

/// Inventory's refusal (its 409 problem, or a 422 for lines it will not take).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Refusal {
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<FieldError>,
    /// The lines that could not be reserved (absent on a 422).
    pub short_lines: Option<Vec<ShortLine>>,
}

pub enum Reserve {
    Held(Reservation),
    /// The id was released (or committed) before: nothing new is reserved.
    Released,
    /// Inventory refused.
    Refused(Refusal),
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
    pub fn new(
        common: &kernel::Config,
        config: &crate::Config,
        http: reqwest::Client,
        tokens: ServiceTokens,
    ) -> Self {
        let base = config.inventory_url.trim_end_matches('/').to_string();
        Self {
            inner: Arc::new(Inner {
                breaker: PeerBreaker::new("inventory", &base, http.clone()),
                http,
                base,
                tokens,
                budget: common.upstream_timeout.mul_f64(2.0 / 3.0),
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
        order_id: OrderId,
        lines: &[(ProductId, Quantity)],
    ) -> Result<Reserve, Unavailable> {
        let body = ReserveRequest {
            reservation_id: order_id,
            lines: lines
                .iter()
                .map(|&(product_id, quantity)| ReserveLine {
                    product_id,
                    quantity,
                })
                .collect(),
        };
        let (status, bytes) = self
            .call(reqwest::Method::POST, "/internal/reservations", Some(&body))
            .await?;
        match status {
            StatusCode::CREATED | StatusCode::OK => {
                let reservation: Reservation = read(&bytes, "reservation")?;
                Ok(match reservation.status {
                    ReservationStatus::Held => Reserve::Held(reservation),
                    ReservationStatus::Released | ReservationStatus::Committed => Reserve::Released,
                })
            }
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => {
                Ok(Reserve::Refused(read(&bytes, "refusal")?))
            }
            other => Err(Unavailable::Down(format!("inventory answered {other}"))),
        }
    }

    /// Commits or releases an order's reservation. Idempotent.
    pub async fn settle(&self, order_id: OrderId, how: Settlement) -> Result<(), Unavailable> {
        match how {
            Settlement::Release => {
                let path = format!("/internal/reservations/{order_id}");
                match self
                    .call::<()>(reqwest::Method::DELETE, &path, None)
                    .await?
                    .0
                {
                    s if s.is_success() => Ok(()),
                    // Already committed: nothing to give back.
                    StatusCode::CONFLICT => Ok(()),
                    other => Err(Unavailable::Down(format!(
                        "inventory answered {other} to a release"
                    ))),
                }
            }
            Settlement::Commit => {
                let path = format!("/internal/reservations/{order_id}/commit");
                match self
                    .call(reqwest::Method::POST, &path, Some(&serde_json::Map::new()))
                    .await?
                    .0
                {
                    s if s.is_success() => Ok(()),
                    other => Err(Unavailable::Down(format!(
                        "inventory answered {other} to a commit"
                    ))),
                }
            }
        }
    }

    /// Commits exactly these units of an order's reservation: they leave the warehouse. Once per
    /// `commit_id` (the shipment's id): a repeat, after a crash or a lost answer, commits nothing
    /// twice.
    pub async fn commit_part(
        &self,
        order_id: OrderId,
        commit_id: uuid::Uuid,
        lines: &[(ProductId, Quantity)],
    ) -> Result<(), Unavailable> {
        let body = CommitRequest {
            commit_id: Some(commit_id),
            lines: Some(
                lines
                    .iter()
                    .map(|&(product_id, quantity)| ReserveLine {
                        product_id,
                        quantity,
                    })
                    .collect(),
            ),
        };
        let path = format!("/internal/reservations/{order_id}/commit");
        match self.call(reqwest::Method::POST, &path, Some(&body)).await? {
            (s, _) if s.is_success() => Ok(()),
            (other, bytes) => Err(Unavailable::Down(format!(
                "inventory answered {other} to a shipment's commit: {}",
                String::from_utf8_lossy(&bytes)
            ))),
        }
    }

    /// Puts a received return's restocked units back on hand, once per return id.
    pub async fn restock(&self, request: &RestockRequest) -> Result<(), Unavailable> {
        match self
            .call(reqwest::Method::POST, "/internal/returns", Some(request))
            .await?
        {
            (s, _) if s.is_success() => Ok(()),
            (other, bytes) => Err(Unavailable::Down(format!(
                "inventory answered {other} to a restock: {}",
                String::from_utf8_lossy(&bytes)
            ))),
        }
    }

    /// Reservations held for at least `age` (by inventory's clock), a page after `after`
    /// (id order).
    pub async fn holds(
        &self,
        age: Duration,
        after: Option<OrderId>,
        limit: usize,
    ) -> Result<Vec<Hold>, Unavailable> {
        let mut path = format!(
            "/internal/reservations?older_than_ms={}&limit={limit}",
            age.as_millis()
        );
        if let Some(after) = after {
            path.push_str(&format!("&after={after}"));
        }
        match self.call::<()>(reqwest::Method::GET, &path, None).await? {
            (s, bytes) if s.is_success() => Ok(read::<HoldPage>(&bytes, "page of holds")?.items),
            (other, _) => Err(Unavailable::Down(format!("inventory answered {other}"))),
        }
    }

    /// Current stock levels of every active product.
    pub async fn stock(&self) -> Result<StockLevels, Unavailable> {
        match self
            .call::<()>(reqwest::Method::GET, "/internal/stock", None)
            .await?
        {
            (s, bytes) if s.is_success() => read(&bytes, "stock levels"),
            (other, _) => Err(Unavailable::Down(format!("inventory answered {other}"))),
        }
    }

    /// One call through the breaker, within the call budget. Every inventory call is
    /// idempotent, so a failure to connect is retried once; a token inventory rejects is
    /// renewed once.
    async fn call<B: Serialize>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(StatusCode, bytes::Bytes), Unavailable> {
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
                    return match r.bytes().await {
                        Ok(body) => Ok((status, body)),
                        // Inventory answered, so the breaker stays closed; the order fails cleanly.
                        Err(e) => {
                            tracing::warn!(error = %e, %status, "inventory's answer was cut short");
                            Err(Unavailable::Down(format!(
                                "inventory's {status} answer could not be read: {e}"
                            )))
                        }
                    };
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

/// One of inventory's answers as its contract type; an answer that does not parse means
/// inventory is not speaking the contract, which orders treats as inventory being unavailable.
fn read<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Unavailable> {
    serde_json::from_slice(bytes)
        .map_err(|e| Unavailable::Down(format!("inventory sent an unreadable {what}: {e}")))
}

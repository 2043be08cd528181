//! The order saga: store pending, reserve at inventory, then confirm, reject or fail.
//! Cancel and fulfil record what inventory is owed before asking it, so a crash or an
//! outage between the two steps is repaired by the sweeper, never lost.
//!
//! The saga speaks in domain outcomes ([`Placed`]); only the route turns them into HTTP.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use contracts::{
    reservation::{Reservation, Settlement},
    OrderId,
};
use kernel::{auth::AuthUser, idempotency::IdempotencyKey, AppError, Result};

use crate::{
    ai::Ai,
    domain::{transition, Order, OrderRequest, OrderStatus, Unpriced},
    idempotency::{self, KeyLocks},
    inventory::{priced, InventoryClient, Refusal, Reserve, Unavailable},
    model::SummaryStatus,
    store::{Existing, OrdersStore},
};

/// How placing an order ended.
#[derive(Debug)]
pub enum Placed {
    /// Confirmed: stock is reserved at inventory's prices.
    Confirmed(Box<Order>),
    /// The idempotency key's first answer, kept as sent.
    Replayed { status: u16, body: String },
    /// Inventory cannot supply some lines; the order is kept as rejected.
    Refused(Refusal),
    /// The order's total does not fit in the amounts the service keeps; it is kept as
    /// rejected and its stock released. The text says so.
    TooLarge(String),
    /// Inventory could not be asked; nothing is reserved.
    Unavailable { retry_after_secs: u64 },
    /// The key's order is still being placed elsewhere.
    InProgress(OrderId),
    /// The key was used for a different request.
    KeyMismatch,
}

/// How confirming an order whose stock is held ended.
pub enum Held {
    Confirmed(Box<Order>),
    /// Someone else settled the order first.
    Settled,
    /// Rejected: its total cannot be represented (the text says so).
    TooLarge(String),
}

#[derive(Clone)]
pub struct Saga {
    pub store: Arc<dyn OrdersStore>,
    pub inventory: InventoryClient,
    /// `pending` when AI is configured, else `disabled`: what a new summary starts as.
    pub ai_status: SummaryStatus,
    ai: Arc<Ai>,
    pub upstream_timeout: Duration,
    locks: KeyLocks,
}

impl Saga {
    pub fn new(
        store: Arc<dyn OrdersStore>,
        inventory: InventoryClient,
        ai: Arc<Ai>,
        upstream_timeout: Duration,
    ) -> Self {
        Self {
            store,
            inventory,
            ai_status: if ai.enabled() {
                SummaryStatus::Pending
            } else {
                SummaryStatus::Disabled
            },
            ai,
            upstream_timeout,
            locks: KeyLocks::default(),
        }
    }

    /// Places an order. A repeated `Idempotency-Key` replays the first answer.
    pub async fn place(
        &self,
        caller: &AuthUser,
        key: Option<IdempotencyKey>,
        request: OrderRequest,
    ) -> Result<Placed> {
        let key = key.map(|k| k.as_str().to_string());
        let customer_id = caller.require_user()?.to_string();
        let email = caller.claims.email.clone().unwrap_or_default();
        let hash = request.fingerprint();
        // Same-process duplicates queue here and then find the finished order.
        let _guard = match &key {
            Some(k) => Some(self.locks.lock(format!("{customer_id}\n{k}")).await),
            None => None,
        };
        if let Some(retry_after_secs) = self.inventory.open_for() {
            // No order row for a request that cannot succeed; a stored answer still replays.
            if let Some(k) = &key {
                if let Some(existing) = self.store.existing(&customer_id, k).await? {
                    return self.replay(existing, &hash, &customer_id, k).await;
                }
            }
            return Ok(Placed::Unavailable { retry_after_secs });
        }
        match self
            .store
            .insert_pending(&request, &customer_id, &email, key.as_deref(), &hash)
            .await?
        {
            Ok(order) => self.run(order, &request, &customer_id).await,
            Err(existing) => {
                self.replay(
                    existing,
                    &hash,
                    &customer_id,
                    key.as_deref().unwrap_or_default(),
                )
                .await
            }
        }
    }

    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    async fn run(&self, order: Order, request: &OrderRequest, by: &str) -> Result<Placed> {
        let id = order.id;
        match self.inventory.reserve(id, &request.lines).await {
            Ok(Reserve::Held(reservation)) => match self.confirm(order, reservation, by).await? {
                Held::Confirmed(order) => {
                    metrics::counter!("orders_total", "outcome" => "confirmed").increment(1);
                    Ok(Placed::Confirmed(order))
                }
                Held::Settled => self.stored_answer(id).await,
                Held::TooLarge(detail) => Ok(Placed::TooLarge(detail)),
            },
            Ok(Reserve::Refused(refusal)) => {
                self.reject(id, &refusal, None, by).await?;
                metrics::counter!("orders_total", "outcome" => "rejected").increment(1);
                Ok(Placed::Refused(refusal))
            }
            Ok(Reserve::Released) => {
                let reason = "the reservation was released before it was confirmed";
                self.give_up(id, reason, reason, by).await?;
                Ok(Placed::Unavailable {
                    retry_after_secs: 2,
                })
            }
            Err(e) => {
                self.give_up(id, failure_reason(&e), &e.to_string(), by)
                    .await?;
                Ok(Placed::Unavailable {
                    retry_after_secs: match e {
                        Unavailable::Open { retry_after_secs } => retry_after_secs,
                        Unavailable::Down(_) => 2,
                    },
                })
            }
        }
    }

    /// pending → confirmed at the prices inventory held the stock at. An order whose total
    /// cannot be represented is rejected instead and its stock released.
    pub async fn confirm(&self, mut order: Order, held: Reservation, by: &str) -> Result<Held> {
        match order.price(&priced(held)) {
            Ok(()) => {}
            Err(Unpriced::Mismatch) => return Err(AppError::internal(Unpriced::Mismatch)),
            Err(e @ Unpriced::TooLarge(_)) => {
                let detail = e.to_string();
                let problem = idempotency::too_large_problem(&detail);
                let text = serde_json::to_string(&problem).map_err(AppError::internal)?;
                let id = order.id;
                let rejected = self
                    .store
                    .reject(id, &text, &detail, by, Some(Settlement::Release))
                    .await?;
                if !rejected {
                    return Ok(Held::Settled);
                }
                metrics::counter!("orders_total", "outcome" => "rejected").increment(1);
                let saga = self.clone();
                tokio::spawn(async move { saga.pay_inventory(id, Settlement::Release).await });
                return Ok(Held::TooLarge(detail));
            }
        }
        Ok(match self.store.confirm(order, self.ai_status, by).await? {
            Some(order) => {
                self.ai.jobs_waiting.notify_one();
                Held::Confirmed(Box::new(order))
            }
            None => Held::Settled,
        })
    }

    /// pending → rejected, keeping the 409 answer the route gives for `refusal` so the same
    /// key replays it. The history's reason is `reason`, else the answer's detail.
    pub async fn reject(
        &self,
        id: OrderId,
        refusal: &Refusal,
        reason: Option<&str>,
        by: &str,
    ) -> Result<bool> {
        let problem = idempotency::refused_problem(refusal);
        let text = serde_json::to_string(&problem).map_err(AppError::internal)?;
        let reason = reason
            .or(problem.detail.as_deref())
            .unwrap_or("out of stock");
        self.store.reject(id, &text, reason, by, None).await
    }

    /// Marks the order failed and releases whatever might have been reserved. `reason` goes
    /// into the history its customer reads; `error`, which may name internal addresses, only
    /// into the log.
    async fn give_up(&self, id: OrderId, reason: &str, error: &str, by: &str) -> Result<()> {
        tracing::warn!(order_id = %id, reason, error, "order failed: inventory unavailable");
        self.store.fail(id, reason, by).await?;
        metrics::counter!("orders_total", "outcome" => "failed").increment(1);
        // The compensation: released now if inventory answers, else by the sweeper later.
        let saga = self.clone();
        tokio::spawn(async move { saga.pay_inventory(id, Settlement::Release).await });
        Ok(())
    }

    async fn replay(
        &self,
        existing: Existing,
        hash: &str,
        customer_id: &str,
        key: &str,
    ) -> Result<Placed> {
        if existing.request_hash != hash {
            return Ok(Placed::KeyMismatch);
        }
        if let Some((status, body)) = existing.response {
            return Ok(Placed::Replayed { status, body });
        }
        // Another replica holds this order mid-saga: wait for its answer, bounded.
        let deadline = Instant::now() + self.upstream_timeout + Duration::from_secs(1);
        let mut pause = Duration::from_millis(10);
        while Instant::now() < deadline {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
            let now = self.store.existing(customer_id, key).await?;
            if let Some((status, body)) = now.and_then(|n| n.response) {
                return Ok(Placed::Replayed { status, body });
            }
        }
        Ok(Placed::InProgress(existing.id))
    }

    /// The answer for an order someone else settled first.
    async fn stored_answer(&self, id: OrderId) -> Result<Placed> {
        let order = self.reload(id).await?;
        match order.status {
            OrderStatus::Confirmed | OrderStatus::Fulfilled | OrderStatus::Cancelled => {
                Ok(Placed::Confirmed(Box::new(order)))
            }
            _ => Err(AppError::conflict(
                "not-confirmed",
                "Order not confirmed",
                format!("the order is {}", order.status.as_str()),
            )),
        }
    }

    /// Cancels a confirmed order (the owner, or staff) and releases its stock.
    pub async fn cancel(
        &self,
        id: OrderId,
        caller: &AuthUser,
        reason: Option<String>,
    ) -> Result<Order> {
        let order = self.visible(id, caller).await?;
        transition(order.status, OrderStatus::Cancelled)?;
        let by = caller.claims.sub.clone();
        if !self
            .store
            .settle_confirmed(
                id,
                OrderStatus::Cancelled,
                Settlement::Release,
                &by,
                reason.as_deref(),
            )
            .await?
        {
            return Err(self.lost_race(id).await);
        }
        metrics::counter!("orders_total", "outcome" => "cancelled").increment(1);
        self.pay_inventory(id, Settlement::Release).await;
        self.reload(id).await
    }

    /// Fulfils a confirmed order (staff): the reserved stock leaves.
    pub async fn fulfil(&self, id: OrderId, caller: &AuthUser) -> Result<Order> {
        caller.require_staff()?;
        let order = self.visible(id, caller).await?;
        transition(order.status, OrderStatus::Fulfilled)?;
        if !self
            .store
            .settle_confirmed(
                id,
                OrderStatus::Fulfilled,
                Settlement::Commit,
                &caller.claims.sub,
                None,
            )
            .await?
        {
            return Err(self.lost_race(id).await);
        }
        metrics::counter!("orders_total", "outcome" => "fulfilled").increment(1);
        self.pay_inventory(id, Settlement::Commit).await;
        self.reload(id).await
    }

    /// Asks inventory for what the order owes it; on failure the sweeper asks again later.
    pub async fn pay_inventory(&self, id: OrderId, action: Settlement) {
        match self.inventory.settle(id, action).await {
            Ok(()) => {
                if let Err(e) = self.store.inventory_done(id, action).await {
                    tracing::warn!(order_id = %id, error = %e, ?action, "could not record the settlement; it will be repeated");
                }
            }
            Err(e) => {
                tracing::warn!(order_id = %id, error = %e, ?action, "inventory settlement postponed")
            }
        }
    }

    /// The order if `caller` may see it: its owner or staff. Others get 404, never 403.
    pub async fn visible(&self, id: OrderId, caller: &AuthUser) -> Result<Order> {
        let order = self.store.get_order(id).await?;
        order
            .filter(|o| caller.role().is_staff() || o.customer_id == caller.claims.sub)
            .ok_or_else(|| AppError::NotFound("no order with this id".into()))
    }

    async fn reload(&self, id: OrderId) -> Result<Order> {
        self.store
            .get_order(id)
            .await?
            .ok_or_else(|| AppError::internal("order vanished"))
    }

    async fn lost_race(&self, id: OrderId) -> AppError {
        match self.reload(id).await {
            Ok(now) => AppError::conflict(
                "invalid-transition",
                "Invalid status change",
                format!("the order became {} meanwhile", now.status.as_str()),
            ),
            Err(e) => e,
        }
    }
}

/// The history's reason for an order that failed on `error`: fixed text, because the error's
/// own (inventory's or auth's URL, a host and port, a transport message) is for operators.
fn failure_reason(error: &Unavailable) -> &'static str {
    match error {
        Unavailable::Open { .. } => "inventory was unavailable after repeated failures",
        Unavailable::Down(_) => "inventory was unavailable",
    }
}

//! The order saga: store pending, reserve at inventory, then confirm, reject or fail.
//! Cancel and fulfil record what inventory is owed before asking it, so a crash or an
//! outage between the two steps is repaired by the sweeper, never lost.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use kernel::{
    auth::AuthUser,
    idempotency::{mismatch, IdempotencyKey},
    AppError, FieldError, Json, Problem, Result,
};
use uuid::Uuid;

use crate::{
    ai::Ai,
    domain::{OrderRequest, OrderStatus},
    idempotency::{self, KeyLocks},
    inventory::{InventoryClient, Reserve, Unavailable},
    model::Order,
    store::{Existing, Store},
};

#[derive(Clone)]
pub struct Saga {
    pub store: Store,
    pub inventory: InventoryClient,
    /// `pending` when AI is configured, else `disabled`: what a new summary starts as.
    pub ai_status: &'static str,
    ai: Arc<Ai>,
    pub upstream_timeout: Duration,
    locks: KeyLocks,
}

impl Saga {
    pub fn new(
        store: Store,
        inventory: InventoryClient,
        ai: Arc<Ai>,
        upstream_timeout: Duration,
    ) -> Self {
        Self {
            store,
            inventory,
            ai_status: if ai.enabled() { "pending" } else { "disabled" },
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
    ) -> Result<Response> {
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
                    return self.replay(existing, &hash, caller, k).await;
                }
            }
            return Err(inventory_unavailable(retry_after_secs));
        }
        match self
            .store
            .insert_pending(&request, &customer_id, &email, key.as_deref(), &hash)
            .await?
        {
            Ok(inserted) => self.run(inserted.order, &request, caller).await,
            Err(existing) => {
                self.replay(existing, &hash, caller, key.as_deref().unwrap_or_default())
                    .await
            }
        }
    }

    #[tracing::instrument(skip_all, fields(order_id = %order.id))]
    async fn run(
        &self,
        order: Order,
        request: &OrderRequest,
        caller: &AuthUser,
    ) -> Result<Response> {
        let id = order.id;
        let by = &caller.require_user()?.to_string();
        match self.inventory.reserve(id, &request.lines).await {
            Ok(Reserve::Held(reservation)) => {
                let priced = reservation.priced();
                match self
                    .store
                    .confirm(order, &priced, self.ai_status, by)
                    .await?
                {
                    Some(order) => {
                        metrics::counter!("orders_total", "outcome" => "confirmed").increment(1);
                        self.ai.jobs_waiting.notify_one();
                        Ok((StatusCode::CREATED, Json(order.seen_by(caller))).into_response())
                    }
                    None => self.stored_answer(id, caller).await,
                }
            }
            Ok(Reserve::Refused(body)) => {
                let problem = refused(&body);
                let text = serde_json::to_string(&problem).map_err(AppError::internal)?;
                self.store
                    .reject(
                        id,
                        &text,
                        problem.detail.as_deref().unwrap_or("out of stock"),
                        by,
                    )
                    .await?;
                metrics::counter!("orders_total", "outcome" => "rejected").increment(1);
                Err(AppError::Problem(Box::new(problem)))
            }
            Ok(Reserve::Released) => {
                let reason = "the reservation was released before it was confirmed";
                self.give_up(id, reason, reason, by).await
            }
            Err(e) => self
                .give_up(id, failure_reason(&e), &e.to_string(), by)
                .await
                .map_err(|err| match e {
                    Unavailable::Open { retry_after_secs } => {
                        inventory_unavailable(retry_after_secs)
                    }
                    _ => err,
                }),
        }
    }

    /// Marks the order failed, releases whatever might have been reserved, answers 503.
    /// `reason` goes into the history its customer reads; `error`, which may name internal
    /// addresses, only into the log.
    async fn give_up(&self, id: Uuid, reason: &str, error: &str, by: &str) -> Result<Response> {
        tracing::warn!(order_id = %id, reason, error, "order failed: inventory unavailable");
        self.store.fail(id, reason, by).await?;
        metrics::counter!("orders_total", "outcome" => "failed").increment(1);
        // The compensation: released now if inventory answers, else by the sweeper later.
        let saga = self.clone();
        tokio::spawn(async move { saga.pay_inventory(id, "release").await });
        Err(inventory_unavailable(2))
    }

    async fn replay(
        &self,
        existing: Existing,
        hash: &str,
        caller: &AuthUser,
        key: &str,
    ) -> Result<Response> {
        if existing.request_hash != hash {
            return Err(mismatch());
        }
        if let Some((status, body)) = existing.response {
            return Ok(idempotency::replay(status, body, caller));
        }
        let customer_id = caller.require_user()?.to_string();
        // Another replica holds this order mid-saga: wait for its answer, bounded.
        let deadline = Instant::now() + self.upstream_timeout + Duration::from_secs(1);
        let mut pause = Duration::from_millis(10);
        while Instant::now() < deadline {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
            let now = self.store.existing(&customer_id, key).await?;
            if let Some((status, body)) = now.and_then(|n| n.response) {
                return Ok(idempotency::replay(status, body, caller));
            }
        }
        Err(AppError::conflict(
            "in-progress",
            "Order in progress",
            format!(
                "order {} with this key is still being placed; retry in a moment",
                existing.id
            ),
        ))
    }

    /// The answer kept for an order someone else settled first.
    async fn stored_answer(&self, id: Uuid, caller: &AuthUser) -> Result<Response> {
        let order = self
            .store
            .get_order(id)
            .await?
            .ok_or_else(|| AppError::internal("order vanished"))?;
        match order.status {
            OrderStatus::Confirmed | OrderStatus::Fulfilled | OrderStatus::Cancelled => {
                Ok((StatusCode::CREATED, Json(order.seen_by(caller))).into_response())
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
        id: Uuid,
        caller: &AuthUser,
        reason: Option<String>,
    ) -> Result<Order> {
        let order = self.visible(id, caller).await?;
        order.status.transition(OrderStatus::Cancelled)?;
        let by = caller.claims.sub.clone();
        if !self
            .store
            .settle_confirmed(
                id,
                OrderStatus::Cancelled,
                "release",
                &by,
                reason.as_deref(),
            )
            .await?
        {
            return Err(self.lost_race(id).await);
        }
        metrics::counter!("orders_total", "outcome" => "cancelled").increment(1);
        self.pay_inventory(id, "release").await;
        self.reload(id).await
    }

    /// Fulfils a confirmed order (staff): the reserved stock leaves.
    pub async fn fulfil(&self, id: Uuid, caller: &AuthUser) -> Result<Order> {
        caller.require_staff()?;
        let order = self.visible(id, caller).await?;
        order.status.transition(OrderStatus::Fulfilled)?;
        if !self
            .store
            .settle_confirmed(
                id,
                OrderStatus::Fulfilled,
                "commit",
                &caller.claims.sub,
                None,
            )
            .await?
        {
            return Err(self.lost_race(id).await);
        }
        metrics::counter!("orders_total", "outcome" => "fulfilled").increment(1);
        self.pay_inventory(id, "commit").await;
        self.reload(id).await
    }

    /// Asks inventory for what the order owes it; on failure the sweeper asks again later.
    pub async fn pay_inventory(&self, id: Uuid, action: &str) {
        let result = match action {
            "commit" => self.inventory.commit(id).await,
            _ => self.inventory.release(id).await,
        };
        match result {
            Ok(()) => {
                if let Err(e) = self.store.inventory_done(id, action).await {
                    tracing::warn!(order_id = %id, error = %e, "could not record the {action}; it will be repeated");
                }
            }
            Err(e) => tracing::warn!(order_id = %id, error = %e, "inventory {action} postponed"),
        }
    }

    /// The order if `caller` may see it: its owner or staff. Others get 404, never 403.
    pub async fn visible(&self, id: Uuid, caller: &AuthUser) -> Result<Order> {
        let order = self.store.get_order(id).await?;
        order
            .filter(|o| caller.role().is_staff() || o.customer_id == caller.claims.sub)
            .ok_or_else(|| AppError::NotFound("no order with this id".into()))
    }

    async fn reload(&self, id: Uuid) -> Result<Order> {
        self.store
            .get_order(id)
            .await?
            .ok_or_else(|| AppError::internal("order vanished"))
    }

    async fn lost_race(&self, id: Uuid) -> AppError {
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

fn inventory_unavailable(retry_after_secs: u64) -> AppError {
    AppError::Problem(Box::new(
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .detail("inventory is unavailable; nothing was reserved or charged. Try again shortly.")
        .retry_after(retry_after_secs),
    ))
}

/// Our 409 from inventory's: the short lines as field errors, and the lines themselves.
fn refused(body: &serde_json::Value) -> Problem {
    let errors: Vec<FieldError> =
        serde_json::from_value(body["errors"].clone()).unwrap_or_default();
    let detail = body["detail"]
        .as_str()
        .unwrap_or("some lines cannot be reserved")
        .to_string();
    let mut problem = Problem::new(
        StatusCode::CONFLICT,
        "insufficient-stock",
        "Insufficient stock",
    )
    .detail(detail)
    .extension("short_lines", body["short_lines"].clone());
    problem.errors = errors;
    problem
}

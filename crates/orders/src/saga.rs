//! The order saga in two commits: inventory holds the stock under the attempt's order id,
//! then the order is written already settled (confirmed or rejected) with its lines, history
//! and AI job. A hold whose order never got written (a crash between the commits, a deadline
//! missed) is released by the reconciler ([`crate::sweeper`]). Cancel and fulfil record what
//! inventory is owed before asking it, so a crash or an outage between the two steps is
//! repaired by the sweeper, never lost.
//!
//! The saga speaks in domain outcomes ([`Placed`]); only the route turns them into HTTP.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use contracts::{
    reservation::{Reservation, Settlement},
    OrderId,
};
use kernel::{
    auth::AuthUser,
    idempotency::IdempotencyKey,
    outbox::{Actor, Relay},
    AppError, Result,
};

use crate::{
    ai::Ai,
    customers::Customers,
    domain::{order_number, transition, Order, OrderRequest, OrderStatus, Unpriced},
    events, idempotency,
    inventory::{priced, InventoryClient, Refusal, Reserve, Unavailable},
    model::SummaryStatus,
    store::{now, Existing, OrdersStore, Placing, Written},
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
    Confirmed,
    /// Someone else settled the order first.
    Settled,
    /// Rejected: its total cannot be represented.
    TooLarge,
}

/// What one attempt at placing an order carries to its write.
struct Attempt<'a> {
    key: Option<&'a str>,
    hash: &'a str,
    /// The order is not written after this: the reconciler then treats its hold as orphaned.
    deadline: DateTime<Utc>,
    /// Who is placing it, for its event.
    actor: Actor,
}

/// How a new order ends.
enum Ending {
    Confirmed,
    Refused(Refusal),
    /// Held, but its total cannot be represented (the text says so).
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
    /// How long placing an order may take before it gives up (within the pending grace, so
    /// the reconciler never releases stock of an order still being written).
    place_budget: Duration,
    /// Crash tests only: a pause between inventory's commit and the order's.
    pause_after_reserve: Option<Duration>,
    /// Crash tests only: a pause between orders' commit of a shipment or a return's receipt
    /// and inventory's.
    pub(crate) pause_after_ship: Option<Duration>,
    /// How long after delivery customers may ask for a return.
    pub(crate) return_window: Duration,
    /// Who an order placed by staff for a customer is for.
    customers: Customers,
    /// Delivers the events orders records; woken after each commit that recorded some.
    relay: Relay,
}

/// The settings a [`Saga`] runs with.
pub struct SagaSettings {
    pub upstream_timeout: Duration,
    pub pending_grace: Duration,
    pub pause_after_reserve: Option<Duration>,
    pub pause_after_ship: Option<Duration>,
    pub return_window: Duration,
}

impl Saga {
    pub fn new(
        store: Arc<dyn OrdersStore>,
        inventory: InventoryClient,
        customers: Customers,
        ai: Arc<Ai>,
        relay: Relay,
        settings: SagaSettings,
    ) -> Self {
        let SagaSettings {
            upstream_timeout,
            pending_grace,
            pause_after_reserve,
            pause_after_ship,
            return_window,
        } = settings;
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
            place_budget: upstream_timeout.min(pending_grace / 2),
            pause_after_reserve,
            pause_after_ship,
            return_window,
            customers,
            relay,
        }
    }

    /// Something was recorded in the outbox and committed: deliver it now, not at the next
    /// poll.
    pub(crate) fn recorded(&self) {
        self.relay.wake();
    }

    /// Places an order in two commits: inventory holds the stock under the order's id, then
    /// the order is written, settled, in one transaction. A repeated `Idempotency-Key`
    /// replays the first answer it was given; a retry after a failure (5xx) is a new attempt.
    pub async fn place(
        &self,
        caller: &AuthUser,
        key: Option<IdempotencyKey>,
        request: OrderRequest,
    ) -> Result<Placed> {
        let caller_id = caller.require_user()?;
        let for_other = request.on_behalf_of.filter(|c| *c != caller_id);
        if for_other.is_some() || request.placed_at.is_some() {
            caller.require_staff()?;
        }
        let customer_id = for_other.unwrap_or(caller_id).to_string();
        // Staff keys are the placer's own: kept apart from the customer's keys (the unique
        // index is per customer), so neither can replay or block the other's. The tabs are
        // what no client key may hold, so a customer cannot send a staff key's stored form.
        let key = key.map(|k| match for_other {
            Some(_) => format!("placed-by\t{caller_id}\t{}", k.as_str()),
            None => k.as_str().to_string(),
        });
        let hash = request.fingerprint();
        // A key already answered replays without touching inventory, so retrying (or reusing
        // a key for another request) never holds stock.
        if let Some(k) = &key {
            if let Some(existing) = self.store.existing(&customer_id, k).await? {
                return self.replay(existing, &hash, &customer_id, k).await;
            }
        }
        if let Some(retry_after_secs) = self.inventory.open_for() {
            // No order for a request that cannot succeed.
            return Ok(Placed::Unavailable { retry_after_secs });
        }
        let deadline = now() + chrono::Duration::from_std(self.place_budget).unwrap_or_default();
        // Each attempt reserves under an id of its own: a release meant for an attempt that
        // gave up can never free the stock of another that succeeded, and the key's unique
        // index, not the id, makes retries idempotent.
        let id = OrderId::new_v7();
        let (email, placed_by) = match for_other {
            // Only orders placed for someone else ask auth; the rest keep one round trip less.
            Some(customer) => (
                self.customers.find(customer).await?.email,
                Some(caller_id.to_string()),
            ),
            None => (caller.claims.email.clone().unwrap_or_default(), None),
        };
        let order = Order::new(
            id,
            &customer_id,
            &email,
            placed_by.as_deref(),
            &request,
            self.store.currency(),
        );
        let attempt = Attempt {
            key: key.as_deref(),
            hash: &hash,
            deadline,
            actor: events::actor(caller),
        };
        match self.inventory.reserve(id, &request.lines).await {
            Ok(Reserve::Held(held)) => {
                if let Some(pause) = self.pause_after_reserve {
                    // Fault injection for the crash tests: a window between the commits.
                    tokio::time::sleep(pause).await;
                }
                self.write_held(order, held, &attempt).await
            }
            Ok(Reserve::Refused(refusal)) => self.write_refused(order, refusal, &attempt).await,
            // A fresh id cannot have been released; should it be, nothing is held for it.
            Ok(Reserve::Released) => Ok(Placed::Unavailable {
                retry_after_secs: 1,
            }),
            Err(e) => {
                tracing::warn!(order_id = %id, error = %e, "order failed: inventory unavailable");
                self.give_up(order, failure_reason(&e), &attempt.actor)
                    .await;
                Ok(Placed::Unavailable {
                    retry_after_secs: match e {
                        Unavailable::Open { retry_after_secs } => retry_after_secs,
                        Unavailable::Down(_) => 2,
                    },
                })
            }
        }
    }

    /// Stock is held: the order is written confirmed at inventory's prices, or rejected when
    /// its total cannot be represented (and its stock released).
    async fn write_held(
        &self,
        mut order: Order,
        held: Reservation,
        attempt: &Attempt<'_>,
    ) -> Result<Placed> {
        match order.price(&priced(held)) {
            Ok(()) => {
                let order = order.confirmed(self.ai_status);
                self.write_new(order, Ending::Confirmed, attempt).await
            }
            Err(Unpriced::Mismatch) => Err(AppError::internal(Unpriced::Mismatch)),
            Err(e @ Unpriced::TooLarge(_)) => {
                let detail = e.to_string();
                let order = order.rejected(&detail);
                self.write_new(order, Ending::TooLarge(detail), attempt)
                    .await
            }
        }
    }

    /// Inventory refused: the order is kept as rejected, answered with a 409.
    async fn write_refused(
        &self,
        order: Order,
        refusal: Refusal,
        attempt: &Attempt<'_>,
    ) -> Result<Placed> {
        let problem = idempotency::refused_problem(&refusal);
        let reason = problem.detail.as_deref().unwrap_or("out of stock");
        let order = order.rejected(reason);
        self.write_new(order, Ending::Refused(refusal), attempt)
            .await
    }

    /// The order's one commit: the order as it ends, with the answer a retry replays.
    async fn write_new(
        &self,
        mut order: Order,
        ending: Ending,
        attempt: &Attempt<'_>,
    ) -> Result<Placed> {
        let holds_stock = !matches!(ending, Ending::Refused(_));
        let answer = |number: i64| -> Result<Option<(u16, String)>> {
            let text = match &ending {
                Ending::Confirmed => {
                    let mut wire = crate::model::Order::from(order.clone());
                    wire.number = order_number(number);
                    serde_json::to_string(&wire)
                }
                Ending::Refused(refusal) => {
                    serde_json::to_string(&idempotency::refused_problem(refusal))
                }
                Ending::TooLarge(detail) => {
                    serde_json::to_string(&idempotency::too_large_problem(detail))
                }
            };
            let status = if matches!(ending, Ending::Confirmed) {
                201
            } else {
                409
            };
            Ok(Some((status, text.map_err(AppError::internal)?)))
        };
        let written = self
            .store
            .write_placed(Placing {
                order: &order,
                key: attempt.key,
                request_hash: attempt.hash,
                answer: &answer,
                owed: matches!(ending, Ending::TooLarge(_)).then_some(Settlement::Release),
                deadline: attempt.deadline,
                actor: &attempt.actor,
            })
            .await?;
        let id = order.id;
        match written {
            Written::Number(number) => {
                self.recorded();
                order.number = order_number(number);
                Ok(match ending {
                    Ending::Confirmed => {
                        metrics::counter!("orders_total", "outcome" => "confirmed").increment(1);
                        self.ai.jobs_waiting.notify_one();
                        Placed::Confirmed(Box::new(order))
                    }
                    Ending::Refused(refusal) => {
                        metrics::counter!("orders_total", "outcome" => "rejected").increment(1);
                        Placed::Refused(refusal)
                    }
                    Ending::TooLarge(detail) => {
                        metrics::counter!("orders_total", "outcome" => "rejected").increment(1);
                        let saga = self.clone();
                        tokio::spawn(
                            async move { saga.pay_inventory(id, Settlement::Release).await },
                        );
                        Placed::TooLarge(detail)
                    }
                })
            }
            Written::KeyTaken => {
                // Another attempt with this key was written first: its answer is replayed,
                // and this attempt's hold is given back before it is (the stock is as the
                // replay says), or by the reconciler should inventory not answer.
                if holds_stock {
                    if let Err(e) = self.inventory.settle(id, Settlement::Release).await {
                        tracing::warn!(order_id = %id, error = %e, "release postponed to the reconciler");
                    }
                }
                let (Some(key), customer_id) = (attempt.key, order.customer_id.as_str()) else {
                    return Err(AppError::internal("an order without a key met a conflict"));
                };
                let existing = self
                    .store
                    .existing(customer_id, key)
                    .await?
                    .ok_or_else(|| AppError::internal("the key's order vanished"))?;
                self.replay(existing, attempt.hash, customer_id, key).await
            }
            Written::Expired => {
                tracing::warn!(order_id = %id, "order failed: past its deadline");
                self.give_up(
                    order,
                    "the order could not be completed in time",
                    &attempt.actor,
                )
                .await;
                Ok(Placed::Unavailable {
                    retry_after_secs: 1,
                })
            }
        }
    }

    /// An attempt that failed: kept as `failed` for its customer and staff to see, without
    /// the idempotency key (the key's retry is a new attempt) and owing inventory a release of
    /// whatever it may hold, paid now or by the sweeper. Unrecorded (the database is failing
    /// too), the release is still sent, and the reconciler finds the hold without its order.
    async fn give_up(&self, order: Order, reason: &str, actor: &Actor) {
        let id = order.id;
        let failed = order.moved_to(OrderStatus::Failed, Some(reason.to_string()));
        let no_answer = |_: i64| -> Result<Option<(u16, String)>> { Ok(None) };
        let written = self
            .store
            .write_placed(Placing {
                order: &failed,
                key: None,
                request_hash: "",
                answer: &no_answer,
                owed: Some(Settlement::Release),
                deadline: now() + chrono::Duration::days(1),
                // A failed order records no event.
                actor,
            })
            .await;
        metrics::counter!("orders_total", "outcome" => "failed").increment(1);
        match written {
            Ok(Written::Number(_)) => {
                let saga = self.clone();
                tokio::spawn(async move { saga.pay_inventory(id, Settlement::Release).await });
            }
            Ok(_) | Err(_) => {
                if let Err(e) = written {
                    tracing::warn!(order_id = %id, error = %e, "a failed order could not be recorded");
                }
                self.release_in_background(id);
            }
        }
    }

    /// Gives back what inventory may hold for an order that was not written: now if
    /// inventory answers, else the reconciler finds the hold without its order later.
    fn release_in_background(&self, id: OrderId) {
        let inventory = self.inventory.clone();
        tokio::spawn(async move {
            if let Err(e) = inventory.settle(id, Settlement::Release).await {
                tracing::warn!(order_id = %id, error = %e, "release postponed to the reconciler");
            }
        });
    }

    /// pending → confirmed at the prices inventory held the stock at. An order whose total
    /// cannot be represented is rejected instead and its stock released. Only the sweeper
    /// confirms this way, so orders itself is the events' actor.
    pub async fn confirm(&self, mut order: Order, held: Reservation, by: &str) -> Result<Held> {
        let actor = events::background();
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
                    .reject(id, &text, &detail, by, Some(Settlement::Release), &actor)
                    .await?;
                if !rejected {
                    return Ok(Held::Settled);
                }
                self.recorded();
                metrics::counter!("orders_total", "outcome" => "rejected").increment(1);
                let saga = self.clone();
                tokio::spawn(async move { saga.pay_inventory(id, Settlement::Release).await });
                return Ok(Held::TooLarge);
            }
        }
        Ok(
            match self
                .store
                .confirm(order, self.ai_status, by, &actor)
                .await?
            {
                Some(_) => {
                    self.recorded();
                    self.ai.jobs_waiting.notify_one();
                    Held::Confirmed
                }
                None => Held::Settled,
            },
        )
    }

    /// pending → rejected, keeping the 409 answer the route gives for `refusal` so the same
    /// key replays it. The history's reason is `reason`, else the answer's detail. Only the
    /// sweeper rejects this way, so orders itself is the event's actor.
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
        let rejected = self
            .store
            .reject(id, &text, reason, by, None, &events::background())
            .await?;
        if rejected {
            self.recorded();
        }
        Ok(rejected)
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

    /// Cancels a confirmed order (the owner, or staff) and releases its stock.
    pub async fn cancel(
        &self,
        id: OrderId,
        caller: &AuthUser,
        reason: Option<String>,
    ) -> Result<Order> {
        let order = self.visible(id, caller).await?;
        transition(order.status, OrderStatus::Cancelled)?;
        if order.status != OrderStatus::Confirmed && !caller.role().is_staff() {
            return Err(AppError::conflict(
                "invalid-transition",
                "Invalid status change",
                "part of this order has shipped; ask the shop to cancel the rest",
            ));
        }
        let by = caller.claims.sub.clone();
        if !self
            .store
            .settle_open(
                id,
                order.status,
                OrderStatus::Cancelled,
                Settlement::Release,
                (&by, &events::actor(caller)),
                reason.as_deref(),
            )
            .await?
        {
            return Err(self.lost_race(id).await);
        }
        self.recorded();
        metrics::counter!("orders_total", "outcome" => "cancelled").increment(1);
        self.pay_inventory(id, Settlement::Release).await;
        self.reload(id).await
    }

    /// Fulfils an order (staff): one shipment of everything not shipped yet.
    pub async fn fulfil(&self, id: OrderId, caller: &AuthUser) -> Result<Order> {
        caller.require_staff()?;
        self.visible(id, caller).await?;
        let everything = crate::shipments::ShipRequest {
            lines: None,
            carrier: None,
            tracking_number: None,
            key: None,
        };
        Ok(self.ship(id, caller, everything).await?.order)
    }

    /// Asks inventory for what the order owes it; on failure the sweeper asks again later. A
    /// release waits until the order's shipments are committed, or it would free them too.
    pub async fn pay_inventory(&self, id: OrderId, action: Settlement) {
        if action == Settlement::Release && !self.pay_owed_shipments(id).await {
            return;
        }
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

    pub(crate) async fn reload(&self, id: OrderId) -> Result<Order> {
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

//! Shipments and returns across orders and inventory. Each step is decided and written in
//! orders first, under the order's lock ([`crate::store::OrdersStore::change_order`]), owing
//! inventory its part (a shipment's commit, a receipt's restock); inventory is then asked,
//! idempotently by shipment or return id, and the debt is cleared. A crash or an outage in
//! between leaves the debt recorded, and the sweeper pays it: nothing is lost, nothing
//! happens twice.

use chrono::Duration as Days;
use contracts::{reservation::RestockRequest, OrderId, ProductId, Quantity};
use kernel::{auth::AuthUser, pagination::PageRequest, AppError, Result};
use uuid::Uuid;

use crate::{
    domain::Order,
    events,
    returns::{self, Receipt, Requester, Return, ReturnStatus},
    saga::Saga,
    shipments::{self, ShipRequest, Shipment},
    store::{now, OrderChange, ReturnFilter},
};

/// What a shipment request did.
pub struct Shipped {
    pub order: Order,
    pub shipment_id: Uuid,
    /// A retry of a shipment already made with the same key.
    pub replayed: bool,
}

impl Saga {
    /// Ships `req`'s units of order `id` (staff): recorded as owed to inventory, then
    /// committed there.
    pub async fn ship(&self, id: OrderId, caller: &AuthUser, req: ShipRequest) -> Result<Shipped> {
        caller.require_staff()?;
        let fingerprint = req.fingerprint();
        let by = caller.claims.sub.clone();
        let at = now();
        let change = self
            .store
            .change_order(id, &events::actor(caller), &|order| {
                shipments::plan(order, &req, &fingerprint, &by, at)
            })
            .await?
            .ok_or_else(no_order)?;
        let (shipment_id, replayed) = match change {
            OrderChange::Ship { shipment, status } => {
                self.recorded();
                if let Some(step) = status {
                    metrics::counter!("orders_total", "outcome" => step.to.as_str()).increment(1);
                }
                self.pause_for_tests().await;
                self.pay_shipment(id, &shipment).await;
                (shipment.id, false)
            }
            OrderChange::Replayed(shipment_id) => {
                // The first attempt may have died before inventory heard of it.
                self.pay_owed_shipments(id).await;
                (shipment_id, true)
            }
            _ => return Err(AppError::internal("a shipment planned something else")),
        };
        Ok(Shipped {
            order: self.reload(id).await?,
            shipment_id,
            replayed,
        })
    }

    /// Marks a shipment delivered (staff).
    pub async fn deliver(&self, id: OrderId, shipment: Uuid, caller: &AuthUser) -> Result<Order> {
        caller.require_staff()?;
        let by = caller.claims.sub.clone();
        let at = now();
        let change = self
            .store
            .change_order(id, &events::actor(caller), &|order| {
                shipments::deliver(order, shipment, &by, at)
            })
            .await?
            .ok_or_else(no_order)?;
        self.recorded();
        if let OrderChange::Deliver {
            status: Some(step), ..
        } = change
        {
            metrics::counter!("orders_total", "outcome" => step.to.as_str()).increment(1);
        }
        self.reload(id).await
    }

    /// Commits a shipment's units at inventory; on failure the sweeper tries again.
    pub async fn pay_shipment(&self, order: OrderId, shipment: &Shipment) -> bool {
        let lines: Vec<(ProductId, Quantity)> = shipment
            .lines
            .iter()
            .filter_map(|l| Quantity::new(l.quantity).ok().map(|q| (l.product_id, q)))
            .collect();
        match self.inventory.commit_part(order, shipment.id, &lines).await {
            Ok(()) => match self.store.shipment_paid(shipment.id).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(order_id = %order, shipment_id = %shipment.id, error = %e, "could not record a shipment's commit; it will be repeated");
                    false
                }
            },
            Err(e) => {
                tracing::warn!(order_id = %order, shipment_id = %shipment.id, error = %e, "shipment's commit postponed");
                false
            }
        }
    }

    /// Pays every shipment of `order` inventory has not committed yet; `true` when none is
    /// left owed. The store hands out a page at a time: a full page may not be all of them,
    /// and a cancel that released the rest too early would free units that have shipped.
    pub async fn pay_owed_shipments(&self, order: OrderId) -> bool {
        loop {
            let owed = match self.store.owed_shipments(Some(order)).await {
                Ok(owed) => owed,
                Err(e) => {
                    tracing::warn!(order_id = %order, error = %e, "could not read owed shipments");
                    return false;
                }
            };
            let full_page = owed.len() >= crate::store::OWED_PAGE;
            let mut all = true;
            for (_, shipment) in owed {
                all &= self.pay_shipment(order, &shipment).await;
            }
            if !all || !full_page {
                return all;
            }
        }
    }

    /// Asks for a return of shipped units: the order's customer (within the return window)
    /// or staff.
    pub async fn request_return(
        &self,
        id: OrderId,
        caller: &AuthUser,
        lines: Vec<(ProductId, Quantity)>,
        reason: String,
    ) -> Result<Return> {
        let user = caller.require_user()?.to_string();
        // Another customer's order is not found, whether or not it exists.
        self.visible(id, caller).await?;
        let who = Requester {
            user: &user,
            is_staff: caller.role().is_staff(),
            window: Days::from_std(self.return_window).unwrap_or(Days::days(30)),
            at: now(),
        };
        let change = self
            .store
            .change_order(id, &events::actor(caller), &|order| {
                returns::request(order, &lines, reason.clone(), &who)
            })
            .await?
            .ok_or_else(no_order)?;
        match change {
            OrderChange::NewReturn(r) => {
                self.recorded();
                metrics::counter!("returns_total", "outcome" => "requested").increment(1);
                Ok(r)
            }
            _ => Err(AppError::internal(
                "a return request planned something else",
            )),
        }
    }

    /// Receives a return (staff): restocked units go back on hand at inventory.
    pub async fn receive_return(
        &self,
        id: Uuid,
        caller: &AuthUser,
        receipt: Receipt,
    ) -> Result<(Return, bool)> {
        caller.require_staff()?;
        let order = self.order_of_return(id).await?;
        let by = caller.claims.sub.clone();
        let at = now();
        let change = self
            .store
            .change_order(order, &events::actor(caller), &|o| {
                returns::receive(o, id, &receipt, &by, at)
            })
            .await?
            .ok_or_else(no_return)?;
        let replayed = match change {
            OrderChange::UpdateReturn(received) => {
                self.recorded();
                metrics::counter!("returns_total", "outcome" => "received").increment(1);
                self.pause_for_tests().await;
                if received.inventory_owed {
                    self.pay_return(&received).await;
                }
                false
            }
            OrderChange::Replayed(_) => true,
            _ => return Err(AppError::internal("a receipt planned something else")),
        };
        let current = self.find_return(order, id).await?;
        if replayed && current.inventory_owed {
            // The first attempt may have died before inventory heard of it.
            self.pay_return(&current).await;
        }
        Ok((self.find_return(order, id).await?, replayed))
    }

    /// Rejects a requested return (staff).
    pub async fn reject_return(
        &self,
        id: Uuid,
        caller: &AuthUser,
        reason: String,
    ) -> Result<Return> {
        caller.require_staff()?;
        let order = self.order_of_return(id).await?;
        let by = caller.claims.sub.clone();
        let at = now();
        match self
            .store
            .change_order(order, &events::actor(caller), &|o| {
                returns::reject(o, id, reason.clone(), &by, at)
            })
            .await?
            .ok_or_else(no_return)?
        {
            OrderChange::UpdateReturn(r) => {
                self.recorded();
                metrics::counter!("returns_total", "outcome" => "rejected").increment(1);
                Ok(r)
            }
            _ => Err(AppError::internal("a rejection planned something else")),
        }
    }

    /// Puts a received return's restocked units back at inventory; on failure the sweeper
    /// tries again.
    pub async fn pay_return(&self, r: &Return) -> bool {
        let request = RestockRequest {
            return_id: r.id,
            order_id: r.order_id,
            lines: r
                .restock_lines()
                .into_iter()
                .map(
                    |(product_id, quantity)| contracts::reservation::ReserveLine {
                        product_id,
                        quantity,
                    },
                )
                .collect(),
        };
        match self.inventory.restock(&request).await {
            Ok(()) => match self.store.return_paid(r.id).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(return_id = %r.id, error = %e, "could not record a restock; it will be repeated");
                    false
                }
            },
            Err(e) => {
                tracing::warn!(return_id = %r.id, error = %e, "restock postponed");
                false
            }
        }
    }

    /// Returns newest first: staff see all, customers their own.
    pub async fn returns(
        &self,
        caller: &AuthUser,
        status: Option<ReturnStatus>,
        page: &PageRequest,
    ) -> Result<Vec<Return>> {
        let customer_id = if caller.role().is_staff() {
            None
        } else {
            Some(caller.require_user()?.to_string())
        };
        self.store
            .list_returns(
                &ReturnFilter {
                    status,
                    customer_id,
                },
                page,
            )
            .await
    }

    async fn order_of_return(&self, id: Uuid) -> Result<OrderId> {
        self.store.order_of_return(id).await?.ok_or_else(no_return)
    }

    async fn find_return(&self, order: OrderId, id: Uuid) -> Result<Return> {
        self.reload(order)
            .await?
            .returns
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(no_return)
    }

    /// The order as `caller` may read it, with its return window.
    pub fn wire(&self, order: Order, caller: &AuthUser) -> crate::model::Order {
        let until = Days::from_std(self.return_window)
            .ok()
            .and_then(|window| returns::returnable_until(&order, window));
        let mut wire = crate::model::Order::from(order).seen_by(caller);
        wire.returnable_until = until;
        wire
    }

    /// Crash tests only: a window between orders' commit and inventory's.
    async fn pause_for_tests(&self) {
        if let Some(pause) = self.pause_after_ship {
            tokio::time::sleep(pause).await;
        }
    }
}

fn no_order() -> AppError {
    AppError::NotFound("no order with this id".into())
}

fn no_return() -> AppError {
    AppError::NotFound("no return with this id".into())
}

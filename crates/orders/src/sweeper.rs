//! Repairs what a crash or an outage left half done: releases or commits inventory has not
//! yet received, holds at inventory whose order was never written (the reconciler), and
//! orders an earlier version left in `pending`. Every step is idempotent, so two replicas
//! sweeping the same order do no harm.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use contracts::{reservation::Settlement, OrderId};

use crate::{
    inventory::Reserve,
    saga::{Held, Saga},
};

/// Holds asked for per page.
const HOLDS_PAGE: usize = 500;

pub fn spawn(
    saga: Saga,
    interval: Duration,
    reconcile_interval: Duration,
    grace: Duration,
    shutdown: CancellationToken,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Not at start: a hold needs to be older than the grace period to be considered anyway.
        let mut reconcile_tick = tokio::time::interval_at(
            tokio::time::Instant::now() + reconcile_interval,
            reconcile_interval,
        );
        reconcile_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = sweep(&saga, grace).await {
                        tracing::warn!(error = %e, "sweep failed; will retry");
                    }
                }
                _ = reconcile_tick.tick() => {
                    if let Err(e) = reconcile(&saga, grace).await {
                        tracing::warn!(error = %e, "reconciling held stock failed; will retry");
                    }
                }
            }
        }
    });
}

/// Releases stock inventory holds for orders that do not exist: the process died between
/// inventory's commit and its own, or gave up and could not reach inventory to say so.
/// Only holds older than `grace` are considered. Every attempt reserves under an id of its
/// own, and writes its order no later than half of `grace` after it started
/// ([`Saga::place`]'s deadline), so a hold that old without its order never gets one. Ages
/// are measured on each side's own clock. Returns how many holds were released.
pub async fn reconcile(saga: &Saga, grace: Duration) -> kernel::Result<usize> {
    let mut after = None;
    let mut released = 0;
    loop {
        let holds = saga
            .inventory
            .holds(grace, after, HOLDS_PAGE)
            .await
            .map_err(|e| kernel::AppError::Unavailable(e.to_string()))?;
        let ids: Vec<OrderId> = holds.iter().map(|h| h.reservation_id).collect();
        let known = saga.store.known_ids(&ids).await?;
        for id in ids.iter().filter(|id| !known.contains(id)) {
            match saga.inventory.settle(*id, Settlement::Release).await {
                Ok(()) => {
                    tracing::info!(order_id = %id, "released stock held for an order never written");
                    released += 1;
                }
                Err(e) => return Err(kernel::AppError::Unavailable(e.to_string())),
            }
        }
        if ids.len() < HOLDS_PAGE {
            return Ok(released);
        }
        after = ids.last().copied();
    }
}

/// One sweep: pays what inventory is owed (shipments' commits first, then restocks, then
/// releases and whole-order commits), then settles orders pending for longer than `grace`.
/// Safe to run at any time, from any replica (tests call it directly): inventory applies
/// each shipment and each return once, by its id.
pub async fn sweep(saga: &Saga, grace: Duration) -> kernel::Result<()> {
    for (order, shipment) in saga.store.owed_shipments(None).await? {
        saga.pay_shipment(order, &shipment).await;
    }
    for owed in saga.store.owed_returns().await? {
        saga.pay_return(&owed).await;
    }
    for (id, action) in saga.store.owed_to_inventory().await? {
        saga.pay_inventory(id, action).await;
    }
    let cutoff = chrono::Utc::now() - chrono::Duration::from_std(grace).unwrap_or_default();
    for order in saga.store.stuck_pending_orders(cutoff).await? {
        let lines: Vec<_> = order
            .lines
            .iter()
            .map(|l| (l.product_id, l.quantity))
            .collect();
        let id = order.id;
        match saga.inventory.reserve(id, &lines).await {
            Ok(Reserve::Held(reservation)) => {
                match saga.confirm(order, reservation, "system").await? {
                    Held::Confirmed => {
                        tracing::info!(order_id = %id, "sweeper confirmed a stuck order")
                    }
                    Held::TooLarge => {
                        tracing::info!(order_id = %id, "sweeper rejected a stuck order: its total is too large")
                    }
                    Held::Settled => {}
                }
            }
            Ok(Reserve::Refused(refusal)) => {
                saga.reject(
                    id,
                    &refusal,
                    Some("out of stock (settled after a restart)"),
                    "system",
                )
                .await?;
                tracing::info!(order_id = %id, "sweeper rejected a stuck order");
            }
            Ok(Reserve::Released) => {
                saga.store
                    .fail(id, "its reservation had been released", "system")
                    .await?;
            }
            // Inventory still away: try again next sweep.
            Err(e) => {
                tracing::debug!(order_id = %id, error = %e, "stuck order waits for inventory")
            }
        }
    }
    Ok(())
}

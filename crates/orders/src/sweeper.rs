//! Repairs what a crash or an outage left half done: orders stuck in `pending`, and
//! releases or commits inventory has not yet received. Every step is idempotent, so two
//! replicas sweeping the same order do no harm.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::{
    inventory::Reserve,
    saga::{Held, Saga},
};

pub fn spawn(saga: Saga, interval: Duration, grace: Duration, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    if let Err(e) = sweep(&saga, grace).await {
                        tracing::warn!(error = %e, "sweep failed; will retry");
                    }
                }
            }
        }
    });
}

/// One sweep: pays what inventory is owed, then settles orders pending for longer than
/// `grace`. Safe to run at any time, from any replica (tests call it directly).
pub async fn sweep(saga: &Saga, grace: Duration) -> kernel::Result<()> {
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
                    Held::Confirmed(_) => {
                        tracing::info!(order_id = %id, "sweeper confirmed a stuck order")
                    }
                    Held::TooLarge(_) => {
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

//! The orders service's background work, driven directly: drain the AI queue once, run the
//! sweeper once. The service runs both on timers; tests call them to make background work
//! happen at a known point instead of polling for it (the way the registry server runs its
//! pending jobs in tests).
//!
//! [`crate::OrdersState::background`] hands it out; the service's own AI client is used, so
//! the breaker and counters `/api/ai/status` shows are the ones the drained jobs moved.

use std::{sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use crate::{ai::Ai, saga::Saga};

/// One running service's background work.
pub struct Background {
    pub(crate) saga: Saga,
    pub(crate) ai: Arc<Ai>,
    pub(crate) pending_grace: Duration,
    pub(crate) job_lease: Duration,
    /// Stops the timers (the sweeper, the AI workers and the queue trimmer).
    pub(crate) stop: CancellationToken,
}

impl Background {
    /// Stops the timed work; the methods below still work when called directly.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Stops the timed work when `shutdown` fires (the process's shutdown signal).
    pub fn stop_on(&self, shutdown: CancellationToken) {
        let stop = self.stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown.cancelled() => stop.cancel(),
                _ = stop.cancelled() => {}
            }
        });
    }

    /// Does every AI job that can run now (summaries written, failures recorded, jobs put back
    /// while the breaker is open); returns how many were finished. Without AI, nothing.
    pub async fn drain_ai_queue(&self) -> kernel::Result<usize> {
        if !self.ai.enabled() {
            return Ok(0);
        }
        crate::ai::worker::drain(&self.ai, self.saga.store.as_ref(), self.job_lease).await
    }

    /// One sweep: what inventory is owed is paid, and orders pending longer than the grace
    /// period are settled.
    pub async fn sweep(&self) -> kernel::Result<()> {
        crate::sweeper::sweep(&self.saga, self.pending_grace).await
    }

    /// One pass of the reconciler: stock held for orders that were never written (older than
    /// the pending grace) is released. Returns how many holds were released.
    pub async fn reconcile(&self) -> kernel::Result<usize> {
        crate::sweeper::reconcile(&self.saga, self.pending_grace).await
    }
}

impl Drop for Background {
    /// Nothing can drive or stop the work any more: the service is gone, and so is its work.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

//! The orders service's background work, driven directly: drain the AI queue once, run the
//! sweeper once. The service runs both on timers; tests call them to make background work
//! happen at a known point instead of polling for it (the way the registry server runs its
//! pending jobs in tests).
//!
//! [`Background::of`] finds the work of a service started in this process by its database,
//! because [`crate::build`] hands out only a router. The service's own AI client is used, so
//! the breaker and counters `/api/ai/status` shows are the ones the drained jobs moved.

use std::{
    sync::{Arc, Mutex, Weak},
    time::Duration,
};

use crate::{ai::Ai, saga::Saga};

/// One running service's background work.
pub struct Background {
    pub(crate) saga: Saga,
    pub(crate) ai: Arc<Ai>,
    pub(crate) pending_grace: Duration,
    pub(crate) job_lease: Duration,
}

type Key = (String, String);

static RUNNING: Mutex<Vec<(Key, Weak<Background>)>> = Mutex::new(Vec::new());

impl Background {
    /// Makes this service's work findable by its database while the service lives.
    pub(crate) fn register(self: &Arc<Self>, database_url: &str, schema: &str) {
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        let key = (database_url.to_string(), schema.to_string());
        running.retain(|(k, w)| *k != key && w.strong_count() > 0);
        running.push((key, Arc::downgrade(self)));
    }

    /// The background work of the orders service running in this process on this database.
    pub fn of(database_url: &str, schema: &str) -> Option<Arc<Background>> {
        let running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        running
            .iter()
            .rev()
            .find(|((url, s), _)| url == database_url && s == schema)
            .and_then(|(_, w)| w.upgrade())
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
}

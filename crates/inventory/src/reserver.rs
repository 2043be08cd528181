//! Gathers reservations into batches (group commit).
//!
//! A reservation holds its products' row locks until its commit, so reservations of one hot
//! product run one commit at a time. Here requests queue for a few workers; a worker takes
//! every request waiting (up to [`MAX_BATCH`]) and reserves them in one transaction
//! ([`crate::store::InventoryStore::reserve_many`]). An idle service adds no wait: a lone
//! request is a batch of one at once. Under load, the requests that arrive during a commit
//! ride the next one together, so one row serves many reservations per commit.

use std::sync::Arc;

use kernel::{outbox::Relay, AppError, Result};
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::store::{InventoryStore, ReserveCall, ReserveOutcome, Reserved};

/// Reservations in one transaction at most: bounds a transaction's size and lock time.
pub const MAX_BATCH: usize = 64;
/// Requests waiting beyond this many are refused at once (503) rather than queued.
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<ReserveOutcome>>;

#[derive(Clone)]
pub struct Reserver {
    queue: mpsc::Sender<(ReserveCall, Reply)>,
}

impl Reserver {
    /// Starts `workers` tasks; they stop when the last handle is dropped. `relay` is woken
    /// after a batch that recorded events.
    pub fn start(store: Arc<dyn InventoryStore>, workers: usize, relay: Relay) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let waiting = Arc::new(Mutex::new(waiting));
        for _ in 0..workers.max(1) {
            tokio::spawn(work(store.clone(), waiting.clone(), relay.clone()));
        }
        Self { queue }
    }

    pub async fn reserve(&self, call: ReserveCall) -> Result<ReserveOutcome> {
        let (reply, answer) = oneshot::channel();
        self.queue.try_send((call, reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                AppError::Unavailable("too many reservations waiting; try again".into())
            }
            mpsc::error::TrySendError::Closed(_) => {
                AppError::Unavailable("inventory is shutting down".into())
            }
        })?;
        answer
            .await
            .map_err(|_| AppError::internal("the reservation worker stopped"))?
    }
}

async fn work(
    store: Arc<dyn InventoryStore>,
    waiting: Arc<Mutex<mpsc::Receiver<(ReserveCall, Reply)>>>,
    relay: Relay,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        {
            // One worker gathers at a time; the others wait here or are committing.
            let mut queue = waiting.lock().await;
            if queue.recv_many(&mut batch, MAX_BATCH).await == 0 {
                return;
            }
        }
        // A caller that gave up (orders timed out) has been answered 503 and may have released
        // the id already: its reservation is not made now.
        let (calls, replies): (Vec<ReserveCall>, Vec<Reply>) = batch
            .drain(..)
            .filter(|(_, reply)| !reply.is_closed())
            .unzip();
        if calls.is_empty() {
            continue;
        }
        match run(store.as_ref(), &calls).await {
            Ok(batch) => {
                if batch.recorded > 0 {
                    relay.wake();
                }
                for (reply, outcome) in replies.into_iter().zip(batch.outcomes) {
                    // A caller that went away has its reservation anyway: a repeat finds it.
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                let message = e.to_string();
                tracing::warn!(error = %message, batch = calls.len(), "reservation batch failed");
                for reply in replies {
                    let _ = reply.send(Err(AppError::Unavailable(
                        "stock could not be reserved just now; try again".into(),
                    )));
                }
            }
        }
    }
}

/// A batch, tried twice: two batches may still deadlock on reservations of the same ids
/// made through different paths, and the database then aborts one of them.
async fn run(store: &dyn InventoryStore, calls: &[ReserveCall]) -> Result<Reserved> {
    match store.reserve_many(calls).await {
        Ok(batch) => Ok(batch),
        Err(e) => {
            tracing::debug!(error = %e, "reservation batch retried");
            store.reserve_many(calls).await
        }
    }
}

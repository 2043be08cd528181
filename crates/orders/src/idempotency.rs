//! Orders' `Idempotency-Key`. The key is stored on the order row itself, claimed when the
//! pending order is inserted and answered at confirm or reject, because placing an order spans
//! a call to inventory and cannot be one transaction (kernel::idempotency's `once` can for
//! inventory's single-transaction changes). The key format, the 422 on a different request and
//! the replayed answer are the kernel's, shared with inventory.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use kernel::{auth::AuthUser, idempotency::Stored, Json, Problem};

use crate::{inventory::Refusal, model::Order};

/// The answer to an order inventory refused, as sent and as kept for replays: inventory's
/// short lines as field errors, and the lines themselves.
pub fn refused_problem(refusal: &Refusal) -> Problem {
    let detail = refusal
        .detail
        .clone()
        .unwrap_or_else(|| "some lines cannot be reserved".to_string());
    let short_lines = serde_json::to_value(&refusal.short_lines).unwrap_or_default();
    let mut problem = Problem::new(
        StatusCode::CONFLICT,
        "insufficient-stock",
        "Insufficient stock",
    )
    .detail(detail)
    .extension("short_lines", short_lines);
    problem.errors = refusal.errors.clone();
    problem
}

/// The answer to an order whose total cannot be represented (it was held at inventory, and
/// is released): a 409, kept for replays like a refusal.
pub fn too_large_problem(detail: &str) -> Problem {
    Problem::new(StatusCode::CONFLICT, "order-too-large", "Order too large").detail(detail)
}

/// The kept answer of an order again, as `caller` may read it (see [`Order::seen_by`]).
pub fn replay(status: u16, body: String, caller: &AuthUser) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let stored = Stored { status, body };
    if status.is_success() && !caller.role().is_staff() {
        if let Ok(order) = serde_json::from_str::<Order>(&stored.body) {
            let mut response = (status, Json(order.seen_by(caller))).into_response();
            response.headers_mut().insert(
                kernel::idempotency::REPLAYED,
                axum::http::HeaderValue::from_static("true"),
            );
            return response;
        }
    }
    stored.replay()
}

/// One async lock per idempotency key, dropped when nobody holds or waits for it. Keys are
/// client-chosen (up to 255 bytes), so an entry must never outlive its last user.
#[derive(Clone, Default)]
pub struct KeyLocks {
    map: Arc<Mutex<HashMap<String, Slot>>>,
}

struct Slot {
    lock: Arc<tokio::sync::Mutex<()>>,
    /// Holders and waiters: counted, not read off `Arc::strong_count`, because a waiter's
    /// lock future and a holder's guard keep clones of the lock whose drop order is not ours.
    users: usize,
}

/// The held lock of one key.
pub struct KeyGuard {
    // Fields drop in order: the lock is released before the key's entry may go.
    _held: tokio::sync::OwnedMutexGuard<()>,
    _user: User,
}

/// One caller's claim on a key's entry, from before it waits until it releases the lock. Its
/// drop is the only clean-up, so a waiter cancelled at any point (even after the holder left
/// and before its own first poll) removes the entry when it was the last.
struct User {
    key: String,
    locks: KeyLocks,
}

impl KeyLocks {
    pub async fn lock(&self, key: String) -> KeyGuard {
        let (lock, user) = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            let slot = map.entry(key.clone()).or_insert_with(|| Slot {
                lock: Arc::default(),
                users: 0,
            });
            slot.users += 1;
            let user = User {
                key,
                locks: self.clone(),
            };
            (slot.lock.clone(), user)
        };
        KeyGuard {
            _held: lock.lock_owned().await,
            _user: user,
        }
    }

    #[cfg(test)]
    fn entries(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let mut map = self.locks.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = map.get_mut(&self.key) {
            slot.users = slot.users.saturating_sub(1);
            if slot.users == 0 {
                map.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{future::Future, pin::Pin, task::Poll};

    use super::*;

    /// Polls `future` once, as a runtime would before it is woken again.
    async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
        std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
    }

    #[tokio::test]
    async fn a_holder_alone_leaves_no_entry() {
        let locks = KeyLocks::default();
        drop(locks.lock("k".into()).await);
        assert_eq!(locks.entries(), 0);
    }

    #[tokio::test]
    async fn a_waiter_cancelled_after_the_release_leaves_no_entry() {
        let locks = KeyLocks::default();
        let holder = locks.lock("k".into()).await;
        let mut waiter = Box::pin(locks.lock("k".into()));
        assert!(poll_once(&mut waiter).await.is_pending(), "the key is held");
        // Released: the waiter is woken, but cancelled before it is polled again.
        drop(holder);
        assert_eq!(locks.entries(), 1, "the waiter still counts");
        drop(waiter);
        assert_eq!(locks.entries(), 0);
    }

    #[tokio::test]
    async fn a_waiter_cancelled_while_the_key_is_held_keeps_it_for_the_holder() {
        let locks = KeyLocks::default();
        let holder = locks.lock("k".into()).await;
        let mut waiter = Box::pin(locks.lock("k".into()));
        assert!(poll_once(&mut waiter).await.is_pending());
        drop(waiter);
        assert_eq!(locks.entries(), 1, "the holder still has it");
        // A newcomer queues behind the holder, on the same lock.
        let mut next = Box::pin(locks.lock("k".into()));
        assert!(poll_once(&mut next).await.is_pending());
        drop(holder);
        let next = next.await;
        drop(next);
        assert_eq!(locks.entries(), 0);
    }
}

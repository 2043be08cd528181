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
use kernel::{auth::AuthUser, idempotency::Stored, Json};

use crate::model::Order;

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

/// One async lock per idempotency key, dropped when nobody holds or waits for it.
#[derive(Clone, Default)]
pub struct KeyLocks {
    map: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

pub struct KeyGuard {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    key: String,
    locks: KeyLocks,
}

impl KeyLocks {
    pub async fn lock(&self, key: String) -> KeyGuard {
        let lock = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        KeyGuard {
            _guard: lock.lock_owned().await,
            key,
            locks: self.clone(),
        }
    }
}

impl Drop for KeyGuard {
    fn drop(&mut self) {
        let mut map = self.locks.map.lock().unwrap_or_else(|p| p.into_inner());
        // Two references: the map's and ours. More means someone is waiting.
        if map
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) <= 2)
        {
            map.remove(&self.key);
        }
    }
}

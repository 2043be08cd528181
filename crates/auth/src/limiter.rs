//! Login failure limits, per account and per client address, over a fixed window.
//!
//! Kept in memory: each replica counts on its own, which bounds guessing per replica; the
//! window is short enough that this is the usual trade-off for not needing a shared store.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct LoginLimiter {
    max_per_account: u32,
    max_per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    pub fn new(max_per_account: u32, window: Duration) -> Self {
        Self {
            max_per_account: max_per_account.max(1),
            // An address may hold several accounts (an office behind one NAT).
            max_per_address: max_per_account.max(1) * 4,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(seconds)` to wait when either the account or the address is over its limit.
    pub fn blocked(&self, account: &str, address: &str) -> Option<u64> {
        let map = self.failures.lock().ok()?;
        [
            (format!("a:{account}"), self.max_per_account),
            (format!("i:{address}"), self.max_per_address),
        ]
        .iter()
        .filter_map(|(key, max)| {
            let (count, since) = map.get(key)?;
            let left = self.window.checked_sub(since.elapsed())?;
            (*count >= *max).then(|| left.as_secs().max(1))
        })
        .max()
    }

    pub fn record_failure(&self, account: &str, address: &str) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
        }
        for key in [format!("a:{account}"), format!("i:{address}")] {
            let entry = map.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= self.window {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    pub fn record_success(&self, account: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("a:{account}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_an_account_after_max_failures_and_success_clears_it() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limiter.blocked("ana", "1.2.3.4").is_none());
            limiter.record_failure("ana", "1.2.3.4");
        }
        assert!(limiter
            .blocked("ana", "9.9.9.9")
            .is_some_and(|s| s > 0 && s <= 60));
        assert!(
            limiter.blocked("bob", "1.2.3.4").is_none(),
            "the address is below its own limit"
        );
        limiter.record_success("ana");
        assert!(limiter.blocked("ana", "9.9.9.9").is_none());
    }
}

//! Attempt limits: sign-ins per account and per client address, registrations per address.
//!
//! The counts live in auth's database, so every replica enforces one limit. Counting is one
//! atomic upsert that returns the new count, done before any password is checked: parallel
//! guesses cannot all pass a check that runs before any of them is recorded. Keys are a hash
//! of the normalised email or the client's address (IPv6 by /64, what one host controls), so
//! a key's size never depends on what the client sent, and rows past their window are pruned.

use std::{
    net::IpAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use kernel::{AppError, Result};

use crate::{
    events::{self, LockScope},
    store::{AuthStore, Lock},
    tokens,
};

/// Every this many counted attempts, expired rows are deleted.
const PRUNE_EVERY: u64 = 256;
const REGISTER_WINDOW: Duration = Duration::from_secs(3600);

pub struct Limits {
    store: Arc<dyn AuthStore>,
    login_per_account: i64,
    /// An address may hold several accounts (an office behind one NAT).
    login_per_address: i64,
    login_window: Duration,
    register_per_address: i64,
    counted: AtomicU64,
}

impl Limits {
    pub fn new(store: Arc<dyn AuthStore>, config: &crate::Config) -> Self {
        let per_account = i64::from(config.login_max_failures.max(1));
        Self {
            store,
            login_per_account: per_account,
            login_per_address: per_account * 4,
            login_window: config.login_window,
            register_per_address: i64::from(config.register_max_per_hour.max(1)),
            counted: AtomicU64::new(0),
        }
    }

    /// Counts a sign-in attempt against the address, then the account; 429 when either is
    /// over its limit. A refused attempt still counts for the address: hammering is abuse.
    /// The attempt that first goes over a limit records `auth.login_locked` with its count.
    pub async fn admit_login(&self, account: &str, address: IpAddr) -> Result<()> {
        let (by_address, by_account) = (login_address_key(address), account_key(account));
        let window = self.login_window.as_secs();
        let locked = |scope| events::login_locked(scope, account, address, window);
        let address_locked = locked(LockScope::Address);
        let lock = Lock {
            max: self.login_per_address,
            event: &address_locked,
        };
        self.admit(
            &by_address,
            self.login_window,
            self.login_per_address,
            Some(lock),
        )
        .await?;
        let account_locked = locked(LockScope::Account);
        let lock = Lock {
            max: self.login_per_account,
            event: &account_locked,
        };
        self.admit(
            &by_account,
            self.login_window,
            self.login_per_account,
            Some(lock),
        )
        .await
    }

    /// After a correct password: the account starts afresh, and the address is charged only
    /// for its failures.
    pub async fn login_succeeded(&self, account: &str, address: IpAddr) -> Result<()> {
        self.store.reset_count(&account_key(account)).await?;
        self.store.uncount(&login_address_key(address)).await
    }

    /// The attempt was counted but no password was checked (the hashing queue was full).
    pub async fn login_not_checked(&self, account: &str, address: IpAddr) -> Result<()> {
        self.store.uncount(&account_key(account)).await?;
        self.store.uncount(&login_address_key(address)).await
    }

    /// Counts a registration from `address`; 429 over the hourly limit.
    pub async fn admit_registration(&self, address: IpAddr) -> Result<()> {
        let key = format!("register:{}", address_text(address));
        self.admit(&key, REGISTER_WINDOW, self.register_per_address, None)
            .await
            .map_err(|e| match e {
                AppError::RateLimited {
                    retry_after_secs, ..
                } => AppError::RateLimited {
                    detail: "too many accounts were registered from this address; try again later"
                        .into(),
                    retry_after_secs,
                },
                other => other,
            })
    }

    async fn admit(
        &self,
        key: &str,
        window: Duration,
        max: i64,
        lock: Option<Lock<'_>>,
    ) -> Result<()> {
        self.prune_now_and_then().await;
        let count = self.store.count(key, window, lock).await?;
        if count.hits <= max {
            return Ok(());
        }
        let left = (count.window_ends - chrono::Utc::now()).num_seconds();
        Err(AppError::RateLimited {
            detail: "too many failed sign-ins; wait before trying again".into(),
            retry_after_secs: u64::try_from(left).unwrap_or(0).max(1),
        })
    }

    async fn prune_now_and_then(&self) {
        if !self
            .counted
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            return;
        }
        if let Err(e) = self.store.prune_counts().await {
            tracing::warn!(error = %e, "could not prune expired attempt counters");
        }
    }
}

/// The account as a fixed-size key: the email is already normalised and at most 254 chars,
/// and hashing it keeps addresses out of this table.
fn account_key(account: &str) -> String {
    format!("login:account:{}", tokens::hash(account))
}

fn login_address_key(address: IpAddr) -> String {
    format!("login:address:{}", address_text(address))
}

/// The client's key (`kernel::server::client_key`: IPv6 by its /64) as text.
fn address_text(address: IpAddr) -> String {
    kernel::server::client_key(address).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_share_a_key_per_64_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_text(a), address_text(b));
        assert_ne!(address_text(a), address_text(c));
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(address_text(mapped), "203.0.113.9");
    }

    #[test]
    fn account_keys_have_a_fixed_size() {
        assert_eq!(
            account_key("a@b.co").len(),
            account_key(&"x".repeat(254)).len()
        );
    }
}

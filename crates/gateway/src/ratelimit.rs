//! Token-bucket rate limits per client address and per signed-in user (governor's GCRA, whose
//! check-and-record is one atomic step).
//!
//! Every key is bounded: an address (IPv6 by its /64, which one client usually holds whole)
//! or the user id of a token whose signature was verified. An unverified token only ever
//! meets its address's bucket, and then the service's 401. Buckets that have refilled are
//! pruned periodically, so memory follows the clients active in the last minute.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::{Arc, Weak},
    time::Duration,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use kernel::{
    auth::{TokenVerifier, VerifiedToken},
    AppError,
};
use uuid::Uuid;

/// Tokens auth issues are well under this; a longer one is not worth verifying.
const MAX_TOKEN_BYTES: usize = 4096;
/// How often refilled buckets are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(30);

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Bucket {
    Address(IpAddr),
    User(Uuid),
}

impl Bucket {
    fn address(ip: IpAddr) -> Self {
        Bucket::Address(kernel::server::client_key(ip))
    }
}

#[derive(Clone)]
pub struct Limits {
    buckets: Arc<DefaultKeyedRateLimiter<Bucket>>,
    /// Proxies in front of the gateway: behind them, the client is read from `X-Forwarded-For`.
    trusted: Arc<Vec<ipnet::IpNet>>,
    verifier: TokenVerifier,
}

impl Limits {
    /// The limits, and a background task pruning them (it ends when they are dropped).
    pub fn new(
        per_second: u32,
        burst: u32,
        trusted: Vec<ipnet::IpNet>,
        verifier: TokenVerifier,
    ) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let buckets = Arc::new(RateLimiter::keyed(
            Quota::per_second(rate).allow_burst(burst),
        ));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(prune_periodically(Arc::downgrade(&buckets)));
        }
        Self {
            buckets,
            trusted: Arc::new(trusted),
            verifier,
        }
    }

    /// `Err(seconds to wait)` when the bucket is empty.
    fn check(&self, bucket: &Bucket) -> Result<(), u64> {
        self.buckets.check_key(bucket).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// The bearer token, if its signature, issuer, audience and expiry check out.
    async fn verified_token(&self, headers: &HeaderMap) -> Option<VerifiedToken> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.len() > MAX_TOKEN_BYTES {
            return None;
        }
        self.verifier.verified(token).await.ok()
    }

    #[cfg(test)]
    fn prune(&self) -> usize {
        self.buckets.retain_recent();
        self.buckets.len()
    }
}

async fn prune_periodically(buckets: Weak<DefaultKeyedRateLimiter<Bucket>>) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        let Some(buckets) = buckets.upgrade() else {
            return;
        };
        buckets.retain_recent();
        buckets.shrink_to_fit();
    }
}

/// The client's address as this layer resolved it (through trusted proxies only).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub std::net::IpAddr);

pub async fn limit(
    State(limits): State<Limits>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let client = kernel::server::client_addr(req.headers(), peer, &limits.trusted);
    // The proxy forwards this address rather than resolving `X-Forwarded-For` again.
    req.extensions_mut().insert(ClientAddr(client));
    let mut verdict = limits.check(&Bucket::address(client));
    if verdict.is_ok() {
        if let Some(verified) = limits.verified_token(req.headers()).await {
            // A service token has no user id: its address's bucket is its limit.
            if let Ok(user) = Uuid::parse_str(&verified.claims().sub) {
                verdict = limits.check(&Bucket::User(user));
            }
            // Handlers taking `AuthUser` use it rather than checking the signature again.
            req.extensions_mut().insert(verified);
        }
    }
    match verdict {
        Ok(()) => next.run(req).await,
        Err(retry_after_secs) => AppError::RateLimited {
            detail: "too many requests; slow down and retry after the time in Retry-After".into(),
            retry_after_secs: retry_after_secs.max(1),
        }
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_second: u32, burst: u32) -> Limits {
        Limits::new(
            per_second,
            burst,
            vec![],
            TokenVerifier::local("iss", "aud"),
        )
    }

    #[test]
    fn an_ipv6_client_has_one_bucket_for_its_whole_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Bucket::address(a), Bucket::address(b));
        assert_ne!(Bucket::address(a), Bucket::address(other));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            Bucket::address(mapped),
            Bucket::Address("192.0.2.7".parse().unwrap())
        );
    }

    #[tokio::test]
    async fn refilled_buckets_are_pruned() {
        // A bucket of one refills in a millisecond.
        let limits = limits(1000, 1);
        for i in 0..500u32 {
            let ip = IpAddr::from(i.to_be_bytes());
            assert!(limits.check(&Bucket::address(ip)).is_ok());
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while limits.prune() > 0 {
            assert!(std::time::Instant::now() < deadline, "idle buckets stay");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_token_that_does_not_verify_has_no_bucket_of_its_own() {
        let limits = limits(1, 1);
        let mut headers = HeaderMap::new();
        let forged = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln";
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {forged}").parse().unwrap(),
        );
        assert!(limits.verified_token(&headers).await.is_none());
    }
}

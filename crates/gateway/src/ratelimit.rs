//! Token-bucket rate limits per client address and per user (governor's GCRA).

use std::{net::SocketAddr, num::NonZeroU32, sync::Arc};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use kernel::AppError;

#[derive(Clone)]
pub struct Limits {
    by_key: Arc<DefaultKeyedRateLimiter<String>>,
    /// Proxies in front of the gateway: behind them, the client is read from `X-Forwarded-For`.
    trusted: Arc<Vec<ipnet::IpNet>>,
}

impl Limits {
    pub fn new(per_second: u32, burst: u32, trusted: Vec<ipnet::IpNet>) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            by_key: Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            )),
            trusted: Arc::new(trusted),
        }
    }

    /// `Err(seconds to wait)` when the key has used up its burst.
    fn check(&self, key: String) -> Result<(), u64> {
        self.by_key.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

pub async fn limit(
    State(limits): State<Limits>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let user = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .and_then(kernel::auth::unverified_subject);
    let client = kernel::server::client_addr(req.headers(), peer, &limits.trusted);
    let mut verdict = limits.check(format!("ip:{client}"));
    if let (Ok(()), Some(user)) = (&verdict, user) {
        verdict = limits.check(format!("user:{user}"));
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

//! Webhook delivery: one signed POST per attempt, through one pooled client whose resolver
//! refuses internal addresses (so what is connected to is what was checked), retried with
//! exponential backoff and jitter until the retry window closes.

pub mod signing;
pub mod ssrf;

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};

use crate::config::Config;

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempted {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration: Duration,
}

impl Attempted {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// One delivery attempt to send.
pub struct Outgoing<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub delivery_id: uuid::Uuid,
    pub event_type: &'a str,
    pub payload: &'a str,
}

/// Resolves a receiver's host and refuses it when any address is internal (unless private
/// targets are allowed): every new connection is checked as it is made, so a name that
/// changes its answer (DNS rebinding) cannot reach inside.
struct VettingResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for VettingResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(format!("{host:?} has no address").into());
            }
            if !allow_private {
                if let Some(bad) = addrs.iter().find(|a| ssrf::is_forbidden(a.ip())) {
                    return Err(
                        format!("{host:?} resolves to {}, an internal address", bad.ip()).into(),
                    );
                }
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The one client every delivery goes through, made at start: connections to a receiver are
/// kept and reused. Redirects are not followed; no proxy is used.
pub fn client(config: &Config) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.webhook_timeout)
        .connect_timeout(config.webhook_timeout.min(Duration::from_secs(5)))
        .dns_resolver(Arc::new(VettingResolver {
            allow_private: config.webhook_allow_private,
        }))
        .no_proxy()
        .build()
}

/// POSTs `out.payload` to the webhook through `client` ([`client`]): a URL naming an internal
/// address is refused here, a host resolving to one by the client's resolver; the receiver
/// has `config.webhook_timeout` to answer.
pub async fn send(client: &reqwest::Client, config: &Config, out: Outgoing<'_>) -> Attempted {
    let started = Instant::now();
    let failed = |error: String| Attempted {
        status_code: None,
        error: Some(error),
        duration: started.elapsed(),
    };
    let url = match ssrf::parse(out.url) {
        Ok(url) => url,
        Err(e) => {
            return failed(format!(
                "refused: {}",
                e.to_problem().detail.unwrap_or_default()
            ))
        }
    };
    // An address written in the URL is never resolved, so the resolver cannot check it.
    let literal = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>();
    if let Ok(ip) = literal {
        if !config.webhook_allow_private && ssrf::is_forbidden(ip) {
            return failed(format!(
                "refused: {ip} is a private, loopback, link-local or otherwise internal address"
            ));
        }
    }
    let timestamp = Utc::now().timestamp();
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("Stockroom-Webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .header("stockroom-event", out.event_type)
        .header("stockroom-delivery", out.delivery_id.to_string())
        .header(
            "stockroom-signature",
            signing::signature(out.secret, timestamp, out.payload.as_bytes()),
        )
        .body(out.payload.to_string())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let error = if status.is_success() {
                None
            } else if status.is_redirection() {
                Some(format!("answered {status}: redirects are not followed"))
            } else {
                Some(format!("answered {status}"))
            };
            Attempted {
                status_code: Some(status.as_u16()),
                error,
                duration: started.elapsed(),
            }
        }
        Err(e) if e.is_timeout() => failed(format!(
            "no answer within {} s",
            config.webhook_timeout.as_secs_f64()
        )),
        Err(e) if e.is_connect() => failed(format!("could not connect: {}", causes(&e))),
        Err(e) => failed(format!("the request failed: {e}")),
    }
}

/// An error with what caused it, innermost last: reqwest's own text omits the resolver's
/// refusal, which is what the delivery log must show.
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// When the attempt after `attempt` failed ones is due: `base · 2^(attempt-1)` capped at
/// `max`, half of it fixed and half random; `None` once that is past the retry window that
/// began at `first_at`.
pub fn next_retry(
    config: &Config,
    attempt: i32,
    first_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let exp = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let full = config
        .webhook_retry_base
        .saturating_mul(1u32 << exp.min(20))
        .min(config.webhook_retry_max);
    let wait = full / 2 + (full / 2).mul_f64(rand::random::<f64>());
    let at = now + chrono::Duration::from_std(wait).ok()?;
    let window_ends = first_at + chrono::Duration::from_std(config.webhook_retry_window).ok()?;
    (at <= window_ends).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let common = kernel::Config::from_env(kernel::config::Mode::All).unwrap();
        let mut c = Config::from_env(&common).unwrap();
        c.webhook_retry_base = Duration::from_secs(30);
        c.webhook_retry_max = Duration::from_secs(3600);
        c.webhook_retry_window = Duration::from_secs(24 * 3600);
        c
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_stop_after_the_window() {
        let c = config();
        let start = Utc::now();
        for (attempt, full) in [(1, 30), (2, 60), (3, 120), (8, 3600), (30, 3600)] {
            let at = next_retry(&c, attempt, start, start).expect("inside the window");
            let wait = (at - start).num_milliseconds();
            assert!(
                (full * 500..=full * 1000).contains(&wait),
                "attempt {attempt}: waited {wait} ms"
            );
        }
        let late = start + chrono::Duration::hours(24);
        assert_eq!(next_retry(&c, 5, start, late), None, "no retry after 24 h");
    }

    #[tokio::test]
    async fn internal_receivers_are_refused_at_delivery_by_name_or_by_address() {
        let mut c = config();
        c.webhook_allow_private = false;
        let http = client(&c).unwrap();
        for url in [
            "http://localhost:9/hook",
            "http://127.0.0.1:9/hook",
            "http://[::ffff:10.0.0.1]:9/hook",
        ] {
            let attempted = send(
                &http,
                &c,
                Outgoing {
                    url,
                    secret: "s",
                    delivery_id: uuid::Uuid::nil(),
                    event_type: "ping",
                    payload: "{}",
                },
            )
            .await;
            let error = attempted.error.unwrap_or_default();
            assert!(attempted.status_code.is_none(), "{url}");
            assert!(error.contains("internal address"), "{url}: {error}");
        }
    }
}

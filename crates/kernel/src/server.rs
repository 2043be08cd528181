//! Serving a service: the common layers, binding, and graceful shutdown.

use std::{net::SocketAddr, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware::{from_fn, from_fn_with_state},
    response::IntoResponse,
    Router,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;

use crate::{config::HttpLimits, middleware, AppError, Problem};

/// Request bodies above this are refused with 413 (API.md: 1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Wraps a service's routes with what every service needs, answering 404 problem+json for
/// unknown paths. Call after all routes are merged.
pub fn wrap(service: &'static str, router: Router, body_limit: usize) -> Router {
    wrap_with_fallback(service, router.fallback(not_found), body_limit)
}

/// Like [`wrap`], for a router that brings its own fallback (the gateway's web UI).
pub fn wrap_with_fallback(service: &'static str, router: Router, body_limit: usize) -> Router {
    // Install the recorder before the first request, or its metrics are dropped.
    crate::telemetry::metrics();
    router
        .route_layer(from_fn(middleware::record_route))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR).into_response()
        }))
        .layer(from_fn_with_state(service, middleware::observe))
}

async fn not_found() -> AppError {
    AppError::NotFound("no such resource".into())
}

/// Binds `addr` (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    listen(addr).map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}

/// Pending connections the kernel queues for the accept loop. The default (128) overflows in
/// a burst — hundreds of clients connecting at once while the workers are busy — and every
/// dropped SYN costs its client a one-second retransmit, longer than peers wait to connect.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // Restarted services take their port back at once, as std's listener does.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves until `shutdown` is cancelled, then finishes in-flight requests. `limits` protect
/// the service from slow and greedy clients: header read, idle and whole-request timeouts,
/// the largest request head, and the connections served at once.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    crate::connection::serve(listener, app, limits, shutdown).await
}

/// A token cancelled on SIGINT or SIGTERM.
pub fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
        tracing::info!("shutting down: finishing in-flight requests");
        trigger.cancel();
    });
    token
}

/// The one HTTP client a service uses for a peer: pooled, with connect and request timeouts.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(1000).min(timeout))
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// `X-Forwarded-For` entries are read from the right, skipping trusted proxies. An entry a
/// client wrote itself is never believed, because only trusted hops are looked through.
pub fn client_addr(
    headers: &axum::http::HeaderMap,
    peer: SocketAddr,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.ip();
    if !is_trusted(&client) {
        return client;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    let hops: Vec<std::net::IpAddr> = forwarded
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
}

/// The key a client is counted under: an IPv4 address as it is (also when written as an
/// IPv4-mapped IPv6 address), an IPv6 address by its /64, since one host is routinely given a
/// whole /64 and could otherwise rotate through it to escape every per-address limit.
pub fn client_key(ip: std::net::IpAddr) -> std::net::IpAddr {
    use std::net::{IpAddr, Ipv6Addr};
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::{client_addr, client_key};
    use axum::http::{HeaderMap, HeaderValue};

    fn addr(peer: &str, forwarded: Option<&str>, trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        if let Some(f) = forwarded {
            headers.insert("x-forwarded-for", HeaderValue::from_str(f).unwrap());
        }
        let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_addr(&headers, format!("{peer}:1234").parse().unwrap(), &trusted).to_string()
    }

    #[test]
    fn a_client_cannot_choose_its_address_by_writing_the_header() {
        assert_eq!(
            addr("203.0.113.9", Some("1.2.3.4"), &["127.0.0.0/8"]),
            "203.0.113.9"
        );
        assert_eq!(addr("203.0.113.9", None, &[]), "203.0.113.9");
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        assert_eq!(
            addr("127.0.0.1", Some("198.51.100.7"), &["127.0.0.0/8"]),
            "198.51.100.7"
        );
        let lb = ["127.0.0.0/8", "10.0.0.0/8"];
        assert_eq!(
            addr("10.1.2.3", Some("6.6.6.6, 198.51.100.7, 10.0.0.5"), &lb),
            "198.51.100.7"
        );
        assert_eq!(addr("127.0.0.1", None, &lb), "127.0.0.1");
    }

    #[test]
    fn an_ipv6_client_is_keyed_by_its_64_and_mapped_ipv4_is_ipv4() {
        let key = |s: &str| client_key(s.parse().unwrap()).to_string();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
    }
}

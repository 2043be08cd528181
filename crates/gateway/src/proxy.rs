//! The reverse proxy: method, path, query, headers (minus hop-by-hop) and a streamed body go
//! to the owning service; the answer streams back. Adds `X-Forwarded-For`, keeps the request
//! id and trace context.

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use kernel::{AppError, Problem};

use crate::{
    upstream::{Service, Upstream},
    GatewayState,
};

/// Headers that describe one connection, not the message: never forwarded.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

pub async fn forward(
    State(state): State<GatewayState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let path = req.uri().path();
    let Some(service) = Service::for_path(path) else {
        return AppError::NotFound("no such resource".into()).into_response();
    };
    let upstream = state.upstreams.get(service);
    if !upstream.breaker.allow() {
        return down(service, upstream.breaker.retry_after_secs());
    }
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let (parts, body) = req.into_parts();
    let mut headers = outgoing_headers(&parts.headers);
    append_forwarded_for(&mut headers, peer);
    ensure_traceparent(&mut headers);

    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let sent = upstream
        .http
        .request(parts.method, format!("{}{path_and_query}", upstream.base))
        .headers(headers)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    match sent {
        Ok(response) => {
            if response.status().is_server_error() {
                upstream.breaker.on_failure();
            } else {
                upstream.breaker.on_success();
            }
            relay(response)
        }
        Err(e) => failed(upstream, &e),
    }
}

fn outgoing_headers(incoming: &HeaderMap) -> reqwest::header::HeaderMap {
    let mut out = reqwest::header::HeaderMap::with_capacity(incoming.len() + 2);
    for (name, value) in incoming {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn append_forwarded_for(headers: &mut reqwest::header::HeaderMap, peer: SocketAddr) {
    let name = HeaderName::from_static("x-forwarded-for");
    let value = match headers.get(&name).and_then(|v| v.to_str().ok()) {
        Some(earlier) => format!("{earlier}, {}", peer.ip()),
        None => peer.ip().to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(name, v);
    }
}

/// Starts a W3C trace when the client sent none, so every hop shares one trace id.
fn ensure_traceparent(headers: &mut reqwest::header::HeaderMap) {
    if headers.contains_key("traceparent") {
        return;
    }
    use rand::Rng;
    let mut rng = rand::rng();
    let value = format!(
        "00-{:032x}-{:016x}-01",
        rng.random::<u128>(),
        rng.random::<u64>()
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(HeaderName::from_static("traceparent"), v);
    }
}

fn relay(response: reqwest::Response) -> Response {
    let status = response.status();
    let mut builder = Response::builder().status(status);
    if let Some(headers) = builder.headers_mut() {
        for (name, value) in response.headers() {
            if !HOP_BY_HOP.contains(&name.as_str()) && name != header::CONTENT_LENGTH {
                headers.append(name.clone(), value.clone());
            }
        }
    }
    builder
        .body(Body::from_stream(response.bytes_stream()))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

fn failed(upstream: &Upstream, e: &reqwest::Error) -> Response {
    upstream.breaker.on_failure();
    let name = upstream.service.name();
    if e.is_timeout() {
        tracing::warn!(service = name, "upstream timed out");
        Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
            "Upstream timeout",
        )
        .detail(format!("the {name} service did not answer in time"))
        .retry_after(5)
        .extension("service", name.into())
        .into_response()
    } else {
        tracing::warn!(service = name, error = %e, "upstream unreachable");
        down(upstream.service, 2)
    }
}

fn down(service: Service, retry_after: u64) -> Response {
    let name = service.name();
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Service unavailable",
    )
    .detail(format!(
        "the {name} service is unavailable; try again shortly"
    ))
    .retry_after(retry_after)
    .extension("service", name.into())
    .into_response()
}

/// `/internal/` is between services only.
pub async fn internal_not_found() -> AppError {
    AppError::NotFound("no such resource".into())
}

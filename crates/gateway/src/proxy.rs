//! The reverse proxy: method, path, query, headers (minus hop-by-hop) and a streamed body go
//! to the owning service; the answer streams back. Sets `X-Forwarded-For` to the client it
//! resolved, keeps the request id and continues the trace.
//!
//! Timing: the client has the whole-request window (`HTTP_REQUEST_TIMEOUT_MS`) to deliver its
//! body; once the service has all of it, it has `UPSTREAM_TIMEOUT_MS` to answer. Only a
//! service that does not answer a complete request counts against its breaker.

use std::{net::SocketAddr, time::Duration};

use axum::{
    body::Body,
    extract::{ConnectInfo, Extension, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use kernel::{auth::VerifiedToken, breaker::Call, AppError, Problem};

use crate::{
    client_body::{self, Outcome},
    ratelimit::ClientAddr,
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
    client: Option<Extension<ClientAddr>>,
    verified: Option<Extension<VerifiedToken>>,
    req: Request,
) -> Response {
    // The path guard ran before routing: this path is canonical and is forwarded as it is.
    let path = req.uri().path();
    let Some(service) = Service::for_path(path) else {
        return AppError::NotFound("no such resource".into()).into_response();
    };
    let upstreams = &state.upstreams;
    let upstream = upstreams.get(service);
    let streaming = Service::is_stream(path);
    // A stream holds one of its user's slots for as long as it is open. Without a verified
    // token the service answers 401 at once, so there is nothing to hold.
    let slot = match verified.as_ref().filter(|_| streaming) {
        Some(Extension(token)) => match uuid::Uuid::parse_str(&token.claims().sub) {
            Ok(user) => match state.streams.acquire(user) {
                Some(slot) => Some(slot),
                None => return too_many_streams(),
            },
            Err(_) => None,
        },
        None => None,
    };
    let call = Call::of(req.method());
    if !upstream.breaker.allow(call) {
        // The breaker closes as soon as the service answers its health check again.
        return down(service, 1);
    }
    let url = format!(
        "{}{}",
        upstream.base,
        req.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    let (parts, body) = req.into_parts();
    let mut headers = outgoing_headers(&parts.headers);
    // Every proxied route sits behind the rate limiter, which resolved the client; the bare
    // peer is the safe answer should a route ever skip it.
    let client = client.map_or(peer.ip(), |Extension(ClientAddr(ip))| ip);
    set_forwarded_for(&mut headers, client);
    set_traceparent(&mut headers, parts.headers.get("traceparent"));

    let (stream, delivery) = client_body::watch(body);
    let request = if streaming {
        // A stream lasts as long as the client stays: only connecting and silence are timed.
        upstream.stream_http.request(parts.method, url)
    } else {
        upstream
            .http
            .request(parts.method, url)
            // Only a backstop: the client's window and the answer's are enforced below and by
            // the server's whole-request timeout.
            .timeout(upstreams.client_window + upstreams.timeout)
    };
    let sent = request
        .headers(headers)
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let no_answer = async {
        delivery.delivered().await;
        tokio::time::sleep(upstreams.timeout).await;
    };
    let sent = tokio::select! {
        sent = sent => sent,
        () = no_answer => return failed(upstream, call, Failure::NoAnswer),
    };
    match sent {
        Ok(response) => {
            // Any answer, a 503 of its own included, is the service working.
            upstream.breaker.answered(call);
            relay(response, slot)
        }
        Err(e) => match delivery.outcome() {
            Outcome::TooLarge => Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE)
                .detail("the request body is over the size limit")
                .into_response(),
            Outcome::Failed => {
                AppError::BadRequest("the request body could not be read to its end".into())
                    .into_response()
            }
            // Not connecting is the service's fault whatever the body; anything else while
            // the client still owes part of its body is not the service's to answer for.
            Outcome::Pending if !e.is_connect() => body_not_delivered(upstreams.client_window),
            _ => failed(upstream, call, Failure::Transport(&e)),
        },
    }
}

/// The client did not send its whole body in time.
fn body_not_delivered(window: Duration) -> Response {
    Problem::for_status(StatusCode::REQUEST_TIMEOUT)
        .detail(format!(
            "the request body did not arrive within {} s; send it again, in full",
            window.as_secs_f64()
        ))
        .into_response()
}

fn outgoing_headers(incoming: &HeaderMap) -> reqwest::header::HeaderMap {
    let mut out = reqwest::header::HeaderMap::with_capacity(incoming.len() + 2);
    for (name, value) in incoming {
        // The trace context is replaced by this hop's own (`set_traceparent`).
        if !HOP_BY_HOP.contains(&name.as_str()) && name != "traceparent" {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// The one client address the gateway resolved, replacing whatever the client wrote: the
/// services behind trust the gateway, so every hop they see is one the gateway vouches for.
fn set_forwarded_for(headers: &mut reqwest::header::HeaderMap, client: std::net::IpAddr) {
    let name = HeaderName::from_static("x-forwarded-for");
    headers.remove(&name);
    if let Ok(v) = HeaderValue::from_str(&client.to_string()) {
        headers.insert(name, v);
    }
}

/// The next hop of the client's trace (this request's span when traces are exported, else a
/// new span id), or a new trace when the client sent none or a malformed one, so every hop
/// shares one well-formed trace id.
fn set_traceparent(headers: &mut reqwest::header::HeaderMap, incoming: Option<&HeaderValue>) {
    let next = kernel::context::outgoing(incoming.and_then(|v| v.to_str().ok()));
    if let Ok(v) = HeaderValue::from_str(&next) {
        headers.insert(HeaderName::from_static("traceparent"), v);
    }
}

/// The caller holds every stream slot they may.
fn too_many_streams() -> Response {
    AppError::RateLimited {
        detail: "too many live streams are open for this user; close one first".into(),
        retry_after_secs: 5,
    }
    .into_response()
}

/// The answer, streamed back; a stream's slot is held until its body is dropped.
fn relay(response: reqwest::Response, slot: Option<crate::streams::Slot>) -> Response {
    let status = response.status();
    let mut builder = Response::builder().status(status);
    if let Some(headers) = builder.headers_mut() {
        for (name, value) in response.headers() {
            if !HOP_BY_HOP.contains(&name.as_str()) && name != header::CONTENT_LENGTH {
                headers.append(name.clone(), value.clone());
            }
        }
    }
    let body = response.bytes_stream().map(move |chunk| {
        let _held = &slot;
        chunk
    });
    builder
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

enum Failure<'a> {
    /// The service had the whole request and did not answer in time.
    NoAnswer,
    /// The service could not be reached, dropped the connection or the backstop ran out.
    Transport(&'a reqwest::Error),
}

/// The service failed this call: it counts against its breaker.
fn failed(upstream: &Upstream, call: Call, failure: Failure<'_>) -> Response {
    upstream.breaker.failed(call);
    let name = upstream.service.name();
    match failure {
        Failure::Transport(e) if !e.is_timeout() => {
            tracing::warn!(service = name, error = %e, "upstream unreachable");
            down(upstream.service, 2)
        }
        _ => {
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
        }
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

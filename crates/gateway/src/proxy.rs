//! The reverse proxy: method, path, query, headers (minus hop-by-hop) and a streamed body go
//! to the owning service; the answer streams back. Adds `X-Forwarded-For`, keeps the request
//! id and continues the trace.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use kernel::{breaker::Call, AppError, Problem};

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
    // The path guard ran before routing: this path is canonical and is forwarded as it is.
    let path = req.uri().path();
    let Some(service) = Service::for_path(path) else {
        return AppError::NotFound("no such resource".into()).into_response();
    };
    let upstream = state.upstreams.get(service);
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
    append_forwarded_for(&mut headers, peer);
    set_traceparent(&mut headers, parts.headers.get("traceparent"));

    // A client that stops sending its body, or sends too much, is not the upstream failing.
    let client_body = Arc::new(AtomicU8::new(BODY_OK));
    let seen = client_body.clone();
    let stream = body.into_data_stream().map_err(move |e| {
        seen.store(body_failure(e.into_inner().as_ref()), Ordering::Relaxed);
        std::io::Error::other("the client's request body failed")
    });
    let sent = upstream
        .http
        .request(parts.method, url)
        .headers(headers)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    match sent {
        Ok(response) => {
            // Any answer, a 503 of its own included, is the service working.
            upstream.breaker.answered(call);
            relay(response)
        }
        Err(e) => match client_body.load(Ordering::Relaxed) {
            BODY_TOO_LARGE => Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE)
                .detail("the request body is over the size limit")
                .into_response(),
            BODY_FAILED => {
                AppError::BadRequest("the request body could not be read to its end".into())
                    .into_response()
            }
            _ => failed(upstream, call, &e),
        },
    }
}

const BODY_OK: u8 = 0;
const BODY_FAILED: u8 = 1;
const BODY_TOO_LARGE: u8 = 2;

fn body_failure(error: &(dyn std::error::Error + 'static)) -> u8 {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return BODY_TOO_LARGE;
        }
        cause = e.source();
    }
    BODY_FAILED
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

/// The next hop of the client's trace (a new span id), or a new trace when the client sent
/// none or a malformed one, so every hop shares one well-formed trace id.
fn set_traceparent(headers: &mut reqwest::header::HeaderMap, incoming: Option<&HeaderValue>) {
    let trace_id = incoming
        .and_then(|v| v.to_str().ok())
        .and_then(kernel::context::trace_id_of)
        .map(str::to_string)
        .unwrap_or_else(kernel::context::new_trace_id);
    let value = format!("00-{trace_id}-{:016x}-01", rand::random::<u64>());
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

/// The service could not be reached, dropped the connection or did not answer in time.
fn failed(upstream: &Upstream, call: Call, e: &reqwest::Error) -> Response {
    upstream.breaker.failed(call);
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

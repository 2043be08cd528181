//! The layers every service wears: request id, a span per request, one log line per
//! request, metrics by route and status, and problem+json for every error response.

use std::time::{Duration, Instant};

use axum::{
    body::Body,
    extract::{MatchedPath, Request, State},
    http::{header, HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics::SharedString;
use tracing::Instrument;

use crate::{
    context::{self, RequestContext},
    Problem,
};

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The request id of the current request, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The matched route template, copied into the response for the outer layer's metrics.
#[derive(Clone, Debug)]
struct Route(String);

/// A client's request id is kept if it is 1–128 visible ASCII characters.
fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    (!bytes.is_empty() && bytes.len() <= 128 && bytes.iter().all(|b| (0x21..=0x7e).contains(b)))
        .then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// Inner layer (`route_layer`): routing is done here, so the route template is known.
pub async fn record_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// The whole-request limit of the connection a request came on, set by the server: receiving
/// the request and producing the response head must finish within it. A streamed response
/// body (Server-Sent Events) is not limited by it, only by the connection's idle timeout.
#[derive(Clone, Copy, Debug)]
pub struct RequestTimeout(pub Duration);

/// The methods this system answers. Anything else is refused before it becomes a metric
/// label or a log field: labels must come from a fixed set, or `/metrics` grows without bound.
fn known_method(method: &Method) -> Option<&'static str> {
    Some(match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => return None,
    })
}

/// Outer layer: wraps everything the service answers, errors from other layers included.
pub async fn observe(
    State(service): State<&'static str>,
    mut req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let path = req.uri().path().to_string();
    let Some(method) = known_method(req.method()) else {
        let mut response = finish_problem(unknown_method(), &path, &request_id);
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(X_REQUEST_ID.clone(), value);
        }
        let span = tracing::info_span!("request", service, method = "OTHER", path, request_id);
        span.in_scope(|| record(service, "OTHER", "unmatched", &response, start));
        return response;
    };
    let traceparent = continue_trace(&mut req);
    let trace_id = context::trace_id_of(&traceparent)
        .unwrap_or_default()
        .to_string();
    let span = tracing::info_span!("request", service, method, path, request_id, trace_id);
    if let Some(parent) = context::remote_parent(&traceparent) {
        // Only with traces exported does the span have an OpenTelemetry side to parent.
        use tracing_opentelemetry::OpenTelemetrySpanExt;
        let _ = span.set_parent(parent);
    }
    let timeout = req.extensions().get::<RequestTimeout>().map(|t| t.0);
    let ctx = RequestContext {
        request_id: request_id.clone(),
        traceparent: Some(traceparent),
    };
    let handled = context::scope(ctx, next.run(req)).instrument(span.clone());

    let mut response = match timeout {
        None => handled.await,
        Some(limit) => tokio::time::timeout(limit, handled)
            .await
            .unwrap_or_else(|_| timed_out(limit)),
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        response = finish_problem(response, &path, &request_id);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let route = response
        .extensions()
        .get::<Route>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "unmatched".to_string());
    span.in_scope(|| record(service, method, &route, &response, start));
    response
}

/// The incoming `traceparent` if it is well formed, else a new trace: written back into the
/// request so a proxied request carries the same trace its outgoing calls do.
fn continue_trace(req: &mut Request) -> String {
    let incoming = req
        .headers()
        .get(&TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| context::trace_id_of(v).is_some())
        .map(str::to_string);
    incoming.unwrap_or_else(|| {
        let fresh = context::next_hop(None);
        if let Ok(value) = HeaderValue::from_str(&fresh) {
            req.headers_mut().insert(TRACEPARENT.clone(), value);
        }
        fresh
    })
}

/// One log line and the metrics of one request; every label comes from a fixed set.
fn record(
    service: &'static str,
    method: &'static str,
    route: &str,
    response: &Response,
    start: Instant,
) {
    let status = response.status().as_u16();
    let elapsed = start.elapsed();
    // Static labels are borrowed, not copied: only the route is allocated per request.
    let labels = [
        ("service", SharedString::const_str(service)),
        ("method", SharedString::const_str(method)),
        ("route", SharedString::from(route.to_owned())),
        ("status", status_label(response.status())),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    // Every request is counted in the metrics; the log keeps what someone will look for (errors
    // and slow answers) at info, and the rest at debug: a line per request per hop was a
    // measurable part of an order's CPU.
    if status >= 400 || elapsed >= SLOW_REQUEST {
        tracing::info!(status, route, latency_ms, "served");
    } else {
        tracing::debug!(status, route, latency_ms, "served");
    }
}

/// Requests slower than this are logged at info even when they succeed.
const SLOW_REQUEST: Duration = Duration::from_millis(500);

/// 405, not 501: an unknown method is the client's mistake, and a 5xx would count against the
/// service in breakers, alerts and fuzzers.
/// The status as a label: the common ones without allocating.
fn status_label(status: StatusCode) -> SharedString {
    let text = match status.as_u16() {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        409 => "409",
        412 => "412",
        413 => "413",
        415 => "415",
        422 => "422",
        428 => "428",
        429 => "429",
        500 => "500",
        501 => "501",
        502 => "502",
        503 => "503",
        504 => "504",
        other => return SharedString::from(other.to_string()),
    };
    SharedString::const_str(text)
}

fn unknown_method() -> Response {
    let mut response = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
    )
    .detail("this server answers GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS only")
    .into_response();
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    response
}

fn timed_out(limit: Duration) -> Response {
    Problem::for_status(StatusCode::REQUEST_TIMEOUT)
        .detail(format!(
            "the request was not received and answered within {} s; send it again, faster",
            limit.as_secs_f64()
        ))
        .into_response()
}

/// Adds `instance` and `request_id` to a problem, or turns a bare error status from a layer
/// or fallback into a problem, so every error body has one shape.
fn finish_problem(response: Response, path: &str, request_id: &str) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let mut problem = match response.extensions().get::<Problem>() {
        Some(p) => p.clone(),
        // A problem relayed from another service already has its own instance and id.
        None if is_problem => return response,
        None => Problem::for_status(response.status()),
    };
    problem.instance = Some(path.to_string());
    problem.request_id = Some(request_id.to_string());
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut rebuilt = Response::from_parts(parts, Body::from(body));
    rebuilt.extensions_mut().insert(problem);
    rebuilt.into_response()
}

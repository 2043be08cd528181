//! The request context that travels on every service-to-service call: the request id and
//! the W3C trace context of the request being served.
//!
//! The `observe` middleware sets it for the whole handling of a request (a task-local), so
//! any outgoing call made while serving it picks it up with [`apply`], however deep.
//! Background work (sweeper, AI worker, relays) runs outside a request and gets a fresh trace.

use reqwest::RequestBuilder;

/// What a downstream call carries from the request that caused it.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub request_id: String,
    /// The incoming `traceparent`, if it was well formed.
    pub traceparent: Option<String>,
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// Runs `fut` with `ctx` as the current request context.
pub async fn scope<F: std::future::Future>(ctx: RequestContext, fut: F) -> F::Output {
    CURRENT.scope(ctx, fut).await
}

/// The context of the request being served, if any.
pub fn current() -> Option<RequestContext> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Adds `X-Request-Id` and `traceparent` (same trace, a new span for this hop) to a call.
pub fn apply(builder: RequestBuilder) -> RequestBuilder {
    let ctx = current();
    let traceparent = outgoing(ctx.as_ref().and_then(|c| c.traceparent.as_deref()));
    let builder = builder.header("traceparent", traceparent);
    match ctx {
        Some(ctx) => builder.header("x-request-id", ctx.request_id),
        None => builder,
    }
}

/// The `traceparent` a call from here carries: with traces exported, the current span (so the
/// callee's span is its child in the exported trace); otherwise [`next_hop`] of `incoming`.
pub fn outgoing(incoming: Option<&str>) -> String {
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let here = span.span_context();
    if here.is_valid() {
        return format!(
            "00-{}-{}-{:02x}",
            here.trace_id(),
            here.span_id(),
            here.trace_flags().to_u8()
        );
    }
    next_hop(incoming)
}

/// The OpenTelemetry parent a request continues: the span a well-formed `traceparent` names.
pub fn remote_parent(traceparent: &str) -> Option<opentelemetry::Context> {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    trace_id_of(traceparent)?;
    let mut parts = traceparent.split('-').skip(1);
    let trace_id = TraceId::from_hex(parts.next()?).ok()?;
    let span_id = SpanId::from_hex(parts.next()?).ok()?;
    let flags = u8::from_str_radix(parts.next()?, 16).ok()?;
    let remote = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags),
        true,
        TraceState::default(),
    );
    Some(opentelemetry::Context::new().with_remote_span_context(remote))
}

/// The `traceparent` of the next hop: the trace of `incoming` when it is well formed, else a
/// new trace, always with a new span id. The one place trace context is minted.
pub fn next_hop(incoming: Option<&str>) -> String {
    let trace_id = incoming
        .and_then(trace_id_of)
        .map_or_else(new_trace_id, str::to_string);
    format!("00-{trace_id}-{:016x}-01", rand::random::<u64>())
}

/// The trace id of a well-formed `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
pub fn trace_id_of(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.split('-');
    let (version, trace, span, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (parts.next().is_none()
        && hex(version, 2)
        && hex(trace, 32)
        && hex(span, 16)
        && hex(flags, 2)
        && trace != "00000000000000000000000000000000")
        .then_some(trace)
}

fn new_trace_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::{next_hop, trace_id_of};

    #[test]
    fn only_well_formed_traceparents_yield_a_trace_id() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(trace_id_of(good), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(trace_id_of("00-zz-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id_of(&format!("{good}-extra")), None);
    }

    #[test]
    fn the_next_hop_keeps_a_good_trace_and_replaces_a_bad_one() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let next = next_hop(Some(good));
        assert_eq!(trace_id_of(&next), trace_id_of(good));
        assert_ne!(next, good, "a new span for the next hop");
        let fresh = next_hop(Some("garbage"));
        assert!(trace_id_of(&fresh).is_some());
        assert!(trace_id_of(&next_hop(None)).is_some());
    }
}

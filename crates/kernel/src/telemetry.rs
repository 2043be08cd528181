//! Logs (JSON by default, `LOG_FORMAT=pretty` for humans), traces exported over OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and the Prometheus recorder.
//!
//! Traces: every request span (see [`crate::middleware`]) becomes an OpenTelemetry span,
//! continuing the caller's `traceparent`, and calls to other services carry the current span
//! as their parent ([`crate::context::apply`]), so a request through the gateway to orders
//! and on to inventory is one trace. The exporter speaks OTLP over HTTP: protobuf, or JSON
//! with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`; plain `http://` endpoints (a collector
//! beside the service). Batching follows the SDK's `OTEL_BSP_*` variables.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::{
    filter::LevelFilter, fmt, layer::SubscriberExt, registry::LookupSpan, util::SubscriberInitExt,
    EnvFilter, Layer,
};

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// The OpenTelemetry layer when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; `None` otherwise, or when the exporter
/// cannot be built (said on stderr: logging is not up yet).
fn traces<S>() -> Option<Box<dyn Layer<S> + Send + Sync>>
where
    S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    let set = |name| std::env::var(name).is_ok_and(|v: String| !v.trim().is_empty());
    if !set("OTEL_EXPORTER_OTLP_ENDPOINT") && !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        return None;
    }
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => exporter,
        Err(e) => {
            eprintln!("stockroom: traces are off, the OTLP exporter could not be built: {e}");
            return None;
        }
    };
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "stockroom".into());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(name)
                .build(),
        )
        .build();
    let tracer = provider.tracer("stockroom");
    let _ = PROVIDER.set(provider);
    Some(tracing_opentelemetry::layer().with_tracer(tracer).boxed())
}

/// Sends the spans still batched; call before the process exits.
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        if let Err(e) = provider.shutdown() {
            eprintln!("stockroom: exporting the last traces failed: {e}");
        }
    }
}

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init_logging() {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let pretty = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("pretty"));
    // `RUST_LOG` quietens the log only: traces keep every request span (info) whatever it says.
    let traces = traces().map(|layer| layer.with_filter(LevelFilter::INFO));
    let registry = tracing_subscriber::registry().with(traces);
    let _ = if pretty {
        registry
            .with(fmt::layer().with_target(false).with_filter(filter()))
            .try_init()
    } else {
        registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_filter(filter()),
            )
            .try_init()
    };
}

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide metrics handle; the recorder is installed on first use.
pub fn metrics() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (never in our binaries); keep ours usable.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

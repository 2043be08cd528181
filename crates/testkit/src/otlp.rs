//! A local OTLP/HTTP receiver: what a collector would be sent, kept for a test to read.
//! It takes `POST /v1/traces` in the JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`)
//! and answers as a collector does.

use std::sync::{Arc, Mutex};

use axum::{extract::State, routing::post, Json, Router};
use serde_json::Value;

/// One received span, flattened out of its resource and scope.
#[derive(Debug, Clone)]
pub struct Span {
    /// The exporting process's `service.name`.
    pub resource_service: String,
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    /// The span's attributes whose values are strings (e.g. `service`, `path`).
    pub attributes: std::collections::HashMap<String, String>,
}

#[derive(Clone, Default)]
pub struct Receiver {
    requests: Arc<Mutex<Vec<Value>>>,
    url: String,
}

impl Receiver {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the OTLP receiver");
        let url = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("its address").port()
        );
        let receiver = Self {
            requests: Arc::default(),
            url,
        };
        let app = Router::new()
            .route("/v1/traces", post(take))
            .with_state(receiver.requests.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    /// The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        let requests = self.requests.lock().map(|r| r.clone()).unwrap_or_default();
        let mut out = Vec::new();
        for request in &requests {
            for resource in array(&request["resourceSpans"]) {
                let resource_service = attributes(&resource["resource"]["attributes"])
                    .remove("service.name")
                    .unwrap_or_default();
                for scope in array(&resource["scopeSpans"]) {
                    for span in array(&scope["spans"]) {
                        out.push(Span {
                            resource_service: resource_service.clone(),
                            name: text(&span["name"]),
                            trace_id: text(&span["traceId"]).to_lowercase(),
                            span_id: text(&span["spanId"]).to_lowercase(),
                            parent_span_id: text(&span["parentSpanId"]).to_lowercase(),
                            attributes: attributes(&span["attributes"]),
                        });
                    }
                }
            }
        }
        out
    }
}

async fn take(
    State(requests): State<Arc<Mutex<Vec<Value>>>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    if let Ok(mut all) = requests.lock() {
        all.push(body);
    }
    Json(serde_json::json!({}))
}

fn array(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn attributes(v: &Value) -> std::collections::HashMap<String, String> {
    array(v)
        .into_iter()
        .filter_map(|kv| {
            Some((
                text(&kv["key"]),
                kv["value"]["stringValue"].as_str()?.to_string(),
            ))
        })
        .collect()
}

//! `/healthz`, `/readyz` and `/metrics`, the same on every service.

use std::{future::Future, pin::Pin, sync::Arc};

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde_json::{json, Map, Value};

use crate::{auth::TokenVerifier, db::Db, Problem};

type CheckFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// One named readiness check.
#[derive(Clone)]
pub struct Check {
    name: &'static str,
    run: Arc<dyn Fn() -> CheckFuture + Send + Sync>,
}

impl Check {
    pub fn new<F, Fut>(name: &'static str, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        Self {
            name,
            run: Arc::new(move || Box::pin(f())),
        }
    }

    /// The service's database answers `SELECT 1`.
    pub fn database(db: Db) -> Self {
        Self::new("database", move || {
            let db = db.clone();
            async move {
                db.ping()
                    .await
                    .map_err(|e| format!("database unreachable: {e}"))
            }
        })
    }

    /// Tokens can be verified: auth's signing keys were fetched or loaded from the disk copy.
    /// Until then every signed-in request would fail, so the service is not ready.
    pub fn signing_keys(verifier: &TokenVerifier) -> Self {
        let verifier = verifier.clone();
        Self::new("signing_keys", move || {
            let ready = verifier.has_keys();
            let source = verifier.source().to_string();
            async move {
                if ready {
                    Ok(())
                } else {
                    Err(format!(
                        "no signing keys yet: {source} is unreachable and none are kept on disk"
                    ))
                }
            }
        })
    }

    /// A peer service answers its `/healthz`.
    pub fn peer(name: &'static str, http: reqwest::Client, base_url: &str) -> Self {
        let url = format!("{}/healthz", base_url.trim_end_matches('/'));
        Self::new(name, move || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                match http
                    .get(&url)
                    .timeout(std::time::Duration::from_secs(1))
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => Ok(()),
                    Ok(r) => Err(format!("answered {}", r.status())),
                    Err(e) => Err(format!("unreachable: {e}")),
                }
            }
        })
    }
}

#[derive(Clone)]
struct Health {
    service: &'static str,
    checks: Arc<Vec<Check>>,
}

/// The health routes; merge into the service's router.
pub fn routes(service: &'static str, checks: Vec<Check>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Health {
            service,
            checks: Arc::new(checks),
        })
}

async fn healthz(State(h): State<Health>) -> Response {
    axum::Json(json!({"status": "ok", "service": h.service, "version": env!("CARGO_PKG_VERSION")}))
        .into_response()
}

async fn readyz(State(h): State<Health>) -> Response {
    let results = futures::future::join_all(h.checks.iter().map(|c| (c.run)())).await;
    let mut report = Map::new();
    let mut failing = Vec::new();
    for (check, result) in h.checks.iter().zip(results) {
        match result {
            Ok(()) => {
                report.insert(check.name.into(), Value::from("ok"));
            }
            Err(e) => {
                failing.push(check.name);
                report.insert(check.name.into(), Value::from(e));
            }
        }
    }
    if failing.is_empty() {
        axum::Json(json!({"status": "ready", "service": h.service, "checks": report}))
            .into_response()
    } else {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready")
            .detail(format!("not ready: {}", failing.join(", ")))
            .extension("checks", Value::Object(report))
            .retry_after(2)
            .into_response()
    }
}

async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::telemetry::metrics().render(),
    )
        .into_response()
}

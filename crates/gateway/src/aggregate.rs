//! `/api/dashboard` and `/api/status`: parts fetched from the services in parallel; a part
//! whose service is down is marked unavailable and the rest still answer.

use std::time::Duration;

use axum::extract::State;
use kernel::{auth::AuthUser, breaker::Call, Json, Result};
use serde_json::{json, Value};

use crate::{upstream::Service, GatewayState};

/// A dashboard never waits longer than this for one part.
const PART_TIMEOUT: Duration = Duration::from_secs(3);

async fn fetch(
    state: &GatewayState,
    service: Service,
    path: &str,
    token: Option<&str>,
) -> Result<Value, String> {
    let upstream = state.upstreams.get(service);
    let name = service.name();
    if !upstream.breaker.allow(Call::Read) {
        return Err(format!("the {name} service is unavailable (circuit open)"));
    }
    let mut request = upstream
        .http
        .get(format!("{}{path}", upstream.base))
        .timeout(PART_TIMEOUT.min(state.upstreams.timeout));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = match kernel::context::apply(request).send().await {
        Ok(response) => {
            // Any answer is the service working, even one that refuses this request.
            upstream.breaker.answered(Call::Read);
            response
        }
        Err(e) => {
            upstream.breaker.failed(Call::Read);
            return Err(if e.is_timeout() {
                format!("the {name} service did not answer in time")
            } else {
                format!("the {name} service is unreachable")
            });
        }
    };
    match response.status() {
        s if s.is_success() => response
            .json::<Value>()
            .await
            .map_err(|e| format!("unreadable answer: {e}")),
        s if s.is_server_error() => Err(format!("the {name} service answered {s}")),
        s => Err(format!("the {name} service refused: {s}")),
    }
}

fn section(result: Result<Value, String>) -> Value {
    result.unwrap_or_else(|reason| json!({"unavailable": true, "reason": reason}))
}

/// Everything staff need at a glance (see API.md).
#[utoipa::path(get, path = "/api/dashboard", tag = "gateway", security(("bearer" = [])),
    responses((status = 200, description = "dashboard; unavailable sections say so", body = Object),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem)))]
pub async fn dashboard(State(state): State<GatewayState>, caller: AuthUser) -> Result<Json<Value>> {
    caller.require_staff()?;
    let token = Some(caller.token.as_str());
    let (stats, recent, summary, low, ai, services) = tokio::join!(
        fetch(&state, Service::Orders, "/api/orders/stats?days=30", token),
        fetch(&state, Service::Orders, "/api/orders?limit=10", token),
        fetch(&state, Service::Inventory, "/api/inventory/summary", token),
        fetch(
            &state,
            Service::Inventory,
            "/api/inventory/low-stock",
            token
        ),
        fetch(&state, Service::Orders, "/api/ai/status", token),
        health(&state),
    );
    let orders = stats.and_then(|stats| {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let revenue_today = stats["revenue_by_day"]
            .as_array()
            .and_then(|days| days.iter().find(|d| d["date"] == today.as_str()))
            .and_then(|d| d["revenue_cents"].as_i64())
            .unwrap_or(0);
        Ok(json!({
            "by_status": stats["by_status"],
            "revenue_today_cents": revenue_today,
            "revenue_by_day": stats["revenue_by_day"],
            "top_products": stats["top_products"],
            "currency": stats["currency"],
            "recent": recent?["items"],
        }))
    });
    let inventory =
        summary.and_then(|summary| Ok(json!({"summary": summary, "low_stock": low?["items"]})));
    Ok(Json(json!({
        "orders": section(orders),
        "inventory": section(inventory),
        "ai": section(ai.map(|status| json!({"status": status}))),
        "services": services,
    })))
}

/// Each service's health and version, and the gateway's own.
async fn health(state: &GatewayState) -> Value {
    let (auth, inventory, orders) = tokio::join!(
        fetch(state, Service::Auth, "/healthz", None),
        fetch(state, Service::Inventory, "/healthz", None),
        fetch(state, Service::Orders, "/healthz", None),
    );
    let part = |r: Result<Value, String>| match r {
        Ok(v) => json!({"status": "up", "version": v["version"]}),
        Err(reason) => json!({"status": "down", "reason": reason}),
    };
    json!({"auth": part(auth), "inventory": part(inventory), "orders": part(orders)})
}

/// Health of every service (no sign-in needed: it reveals only up/down and versions).
#[utoipa::path(get, path = "/api/status", tag = "gateway",
    responses((status = 200, description = "each service's health", body = Object)))]
pub async fn status(State(state): State<GatewayState>) -> Json<Value> {
    let services = health(&state).await;
    let all_up = ["auth", "inventory", "orders"]
        .iter()
        .all(|s| services[s]["status"] == "up");
    Json(json!({
        "status": if all_up { "ok" } else { "degraded" },
        "gateway": {"status": "up", "version": env!("CARGO_PKG_VERSION")},
        "services": services,
    }))
}

//! `/api/dashboard` and `/api/status`: parts fetched from the services in parallel; a part
//! whose service is down is marked unavailable and the rest still answer.

use std::time::Duration;

use axum::extract::State;
use contracts::{
    dashboard::{
        AiSection, Dashboard, GatewayHealth, GatewayUp, InventorySection, OrdersSection, Overall,
        PlatformStatus, Section, ServiceHealth, Services, Stats,
    },
    stock::Summary,
};
use kernel::{auth::AuthUser, breaker::Call, extract::Query, AppError, Json, Result};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::Value;
use utoipa::IntoParams;

use crate::{upstream::Service, GatewayState};

/// A page of a list (orders, low stock): only its items are shown.
#[derive(Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

/// A service's `/healthz`: only its version is shown.
#[derive(Deserialize)]
struct Healthz {
    version: Option<String>,
}

/// A dashboard never waits longer than this for one part.
const PART_TIMEOUT: Duration = Duration::from_secs(3);

async fn fetch<T: DeserializeOwned>(
    state: &GatewayState,
    service: Service,
    path: &str,
    token: Option<&str>,
) -> Result<T, String> {
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
            .json::<T>()
            .await
            .map_err(|e| format!("unreadable answer: {e}")),
        s if s.is_server_error() => Err(format!("the {name} service answered {s}")),
        s => Err(format!("the {name} service refused: {s}")),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The period revenue, orders, the chart and top products cover, in days (1–365, default
    /// 30; the UI offers 7, 30 and 90).
    #[param(minimum = 1, maximum = 365, value_type = Option<i64>, example = 30)]
    days: Option<i64>,
}

/// Everything staff need at a glance (see API.md).
#[utoipa::path(get, path = "/api/dashboard", tag = "gateway", security(("bearer" = [])), params(DashboardQuery),
    responses((status = 200, description = "dashboard; unavailable sections say so", body = Dashboard),
              (status = 401, description = "Not signed in", body = kernel::Problem),
              (status = 403, description = "Not allowed for this role", body = kernel::Problem),
              (status = 422, description = "`days` is not between 1 and 365", body = kernel::Problem)))]
pub async fn dashboard(
    State(state): State<GatewayState>,
    caller: AuthUser,
    Query(q): Query<DashboardQuery>,
) -> Result<Json<Dashboard>> {
    caller.require_staff()?;
    let days = q.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(AppError::validation("days", "must be between 1 and 365"));
    }
    let token = Some(caller.token.as_str());
    let stats_path = format!("/api/orders/stats?days={days}");
    let (stats, recent, summary, low, ai, services) = tokio::join!(
        fetch::<Stats>(&state, Service::Orders, &stats_path, token),
        fetch::<Items<Value>>(&state, Service::Orders, "/api/orders?limit=10", token),
        fetch::<Summary>(&state, Service::Inventory, "/api/inventory/summary", token),
        fetch::<Items<Value>>(
            &state,
            Service::Inventory,
            "/api/inventory/low-stock",
            token
        ),
        fetch::<Value>(&state, Service::Orders, "/api/ai/status", token),
        health(&state),
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let orders = stats.and_then(|stats| Ok(OrdersSection::new(stats, recent?.items, &today, days)));
    let inventory = summary.and_then(|summary| {
        Ok(InventorySection {
            summary,
            low_stock: low?.items,
        })
    });
    Ok(Json(Dashboard {
        orders: Section::of(orders),
        inventory: Section::of(inventory),
        ai: Section::of(ai.map(|status| AiSection { status })),
        services,
    }))
}

/// Each service's health and version.
async fn health(state: &GatewayState) -> Services {
    let (auth, inventory, orders, events) = tokio::join!(
        fetch::<Healthz>(state, Service::Auth, "/healthz", None),
        fetch::<Healthz>(state, Service::Inventory, "/healthz", None),
        fetch::<Healthz>(state, Service::Orders, "/healthz", None),
        fetch::<Healthz>(state, Service::Events, "/healthz", None),
    );
    let part = |r: Result<Healthz, String>| match r {
        Ok(h) => ServiceHealth::Up { version: h.version },
        Err(reason) => ServiceHealth::Down { reason },
    };
    Services {
        auth: part(auth),
        inventory: part(inventory),
        orders: part(orders),
        events: part(events),
    }
}

/// Health of every service (no sign-in needed: it reveals only up/down and versions).
#[utoipa::path(get, path = "/api/status", tag = "gateway",
    responses((status = 200, description = "each service's health", body = PlatformStatus)))]
pub async fn status(State(state): State<GatewayState>) -> Json<PlatformStatus> {
    let services = health(&state).await;
    Json(PlatformStatus {
        status: if services.all_up() {
            Overall::Ok
        } else {
            Overall::Degraded
        },
        gateway: GatewayHealth {
            status: GatewayUp::Up,
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        services,
    })
}

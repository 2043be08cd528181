//! The gateway's upstreams: one pooled client each, with timeouts and a peer breaker, so a
//! dead service answers 503 at once and a slow one 504 after the timeout, while a service
//! that answers (even with its own 503) is always routed to.

use std::{sync::Arc, time::Duration};

use kernel::breaker::PeerBreaker;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Auth,
    Inventory,
    Orders,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Auth, Service::Inventory, Service::Orders];

    pub fn name(self) -> &'static str {
        match self {
            Service::Auth => "auth",
            Service::Inventory => "inventory",
            Service::Orders => "orders",
        }
    }

    /// Which service answers a public path; `None` for paths no service owns.
    pub fn for_path(path: &str) -> Option<Service> {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/api/auth") || path == "/.well-known/jwks.json" {
            Some(Service::Auth)
        } else if under("/api/products")
            || under("/api/suppliers")
            || under("/api/inventory")
            || under("/api/purchase-orders")
        {
            Some(Service::Inventory)
        } else if under("/api/orders")
            || under("/api/returns")
            || under("/api/ai")
            || under("/api/insights")
        {
            Some(Service::Orders)
        } else {
            None
        }
    }
}

pub struct Upstream {
    pub service: Service,
    pub base: String,
    pub http: reqwest::Client,
    pub breaker: PeerBreaker,
}

/// Every upstream, created once at start.
#[derive(Clone)]
pub struct Upstreams {
    all: Arc<Vec<Upstream>>,
    /// How long a service has to answer once it has the whole request.
    pub timeout: Duration,
    /// How long a client has to send its whole request (the server's request timeout).
    pub client_window: Duration,
}

impl Upstreams {
    pub fn new(common: &kernel::Config, config: &crate::Config) -> Self {
        let base = |s: Service| match s {
            Service::Auth => common.auth_url.clone(),
            Service::Inventory => config.inventory_url.clone(),
            Service::Orders => config.orders_url.clone(),
        };
        let all = Service::ALL
            .iter()
            .map(|&service| {
                let base = base(service).trim_end_matches('/').to_string();
                let http = kernel::server::http_client(common.upstream_timeout);
                Upstream {
                    service,
                    breaker: PeerBreaker::new(service.name(), &base, http.clone()),
                    base,
                    http,
                }
            })
            .collect();
        Self {
            all: Arc::new(all),
            timeout: common.upstream_timeout,
            client_window: common.http.request_timeout,
        }
    }

    pub fn get(&self, service: Service) -> &Upstream {
        // ALL and `all` are built from the same list, in the same order.
        &self.all[Service::ALL.iter().position(|s| *s == service).unwrap_or(0)]
    }
}

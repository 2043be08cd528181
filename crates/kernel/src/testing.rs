//! Test support: a fresh database per test and a real server on port 0.
//!
//! The backend is chosen by `STOCKROOM_TEST_DATABASE_URL`: unset means a fresh SQLite file;
//! a `postgres://` URL means a fresh schema in that database.

use std::net::SocketAddr;

use axum::Router;
use tokio_util::sync::CancellationToken;

use crate::{
    config::{Database, DatabaseUrl, HttpLimits, Mode},
    Config,
};

/// Where a test's service keeps its data.
#[derive(Clone, Debug)]
pub struct TestDatabase {
    pub url: String,
    pub schema: String,
}

impl TestDatabase {
    /// As a service's configuration takes it.
    pub fn database(&self) -> Database {
        Database {
            url: DatabaseUrl::new(&self.url),
            schema: self.schema.clone(),
        }
    }
}

pub fn is_postgres() -> bool {
    std::env::var("STOCKROOM_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

/// A fresh, empty database for one service of one test. On PostgreSQL the service connects
/// as its own login role (made by `deploy/postgres/init.sql`), as in production.
pub fn fresh_database(service: &str) -> TestDatabase {
    let id = uuid::Uuid::new_v4().simple().to_string();
    match std::env::var("STOCKROOM_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => TestDatabase {
            url: as_role(&url, service),
            schema: format!("t_{service}_{}", &id[..12]),
        },
        _ => {
            let dir = std::env::temp_dir().join("stockroom-tests").join(&id);
            TestDatabase {
                url: format!("sqlite://{}/{service}.db", dir.display()),
                schema: service.into(),
            }
        }
    }
}

/// The common configuration as `stockroom all` would read it, with test-friendly overrides.
pub fn config() -> Config {
    let mut s = Config::from_env(Mode::All).unwrap_or_else(|e| panic!("test config: {e}"));
    // Per system: the data directory holds cached signing keys, which differ between tests.
    s.data_dir = std::env::temp_dir()
        .join("stockroom-tests")
        .join(format!("data-{}", uuid::Uuid::new_v4().simple()));
    s.db_max_connections = 5;
    s
}

/// A running server on a free loopback port.
pub struct Spawned {
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    pub handle: tokio::task::JoinHandle<()>,
}

impl Spawned {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server (in-flight requests finish) and waits until it is gone.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.handle.await;
    }
}

/// Serves `app` on `127.0.0.1:0` with the default connection limits.
pub async fn spawn(app: Router) -> Spawned {
    let listener = crate::server::bind(([127, 0, 0, 1], 0).into())
        .await
        .expect("bind a loopback port");
    spawn_on(listener, app, config().http)
}

/// Serves `app` on an already bound listener (to restart a service on the same port).
pub fn spawn_on(listener: tokio::net::TcpListener, app: Router, limits: HttpLimits) -> Spawned {
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let handle = tokio::spawn(async move {
        let _ = crate::server::serve(listener, app, limits, token).await;
    });
    Spawned {
        addr,
        shutdown,
        handle,
    }
}

/// The same database URL, logged in as `role` (whose password is its name in tests).
pub fn as_role(url: &str, role: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username(role);
            let _ = u.set_password(Some(role));
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

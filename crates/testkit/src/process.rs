//! Services as real processes of the `stockroom` binary, for tests that kill them (SIGKILL)
//! and start them again on the same port and database.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use kernel::testing::TestDatabase;

pub struct ServiceProcess {
    bin: PathBuf,
    pub service: &'static str,
    pub port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

/// A loopback port for a child process to bind, held for this test process's lifetime.
///
/// Port 0 cannot be used here: peers must know the port before the child starts, and a child
/// restarted after SIGKILL must get the same one back. A port released by `bind(:0)` is free
/// for anyone, and with many tests starting processes in parallel another test took it often
/// enough to fail runs (its service then answered this test's requests). So ports come from
/// below the kernel's ephemeral range — where no `bind(:0)` or outgoing connection lands — and
/// each is claimed with a lock file that every test process respects, released when the
/// process that holds it exits.
pub fn free_port() -> u16 {
    static HELD: std::sync::Mutex<Vec<std::fs::File>> = std::sync::Mutex::new(Vec::new());
    let dir = std::env::temp_dir().join("stockroom-test-ports");
    std::fs::create_dir_all(&dir).expect("create the port lock directory");
    let first_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let low = 10_000u16;
    assert!(
        first_ephemeral > low + 1000,
        "the ephemeral port range starts too low"
    );
    for _ in 0..10_000 {
        let port =
            low + (uuid::Uuid::new_v4().as_u128() % u128::from(first_ephemeral - low)) as u16;
        let Ok(lock) = std::fs::File::create(dir.join(format!("{port}.lock"))) else {
            continue;
        };
        if lock.try_lock().is_err() {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            continue;
        }
        HELD.lock().expect("the held-ports list").push(lock);
        return port;
    }
    panic!("no free loopback port below {first_ephemeral}");
}

impl ServiceProcess {
    /// Starts `stockroom serve <service>` on `port`, with `db` as its database and `env` on top.
    pub fn spawn(
        bin: impl Into<PathBuf>,
        service: &'static str,
        port: u16,
        db: Option<&TestDatabase>,
        env: &[(&str, &str)],
    ) -> Self {
        let port_var = format!("{}_PORT", service.to_uppercase());
        // Its own data directory unless `env` names one: never the working directory.
        let data_dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(format!("proc-{}", uuid::Uuid::new_v4().simple()));
        let mut all = vec![
            ("BIND_ADDR".to_string(), "127.0.0.1".to_string()),
            (port_var, port.to_string()),
            ("RUST_LOG".to_string(), "warn".to_string()),
            (
                "STOCKROOM_DATA_DIR".to_string(),
                data_dir.display().to_string(),
            ),
        ];
        if let Some(db) = db {
            all.push(("DATABASE_URL".into(), db.url.clone()));
            all.push(("DATABASE_SCHEMA".into(), db.schema.clone()));
        }
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut process = Self {
            bin: bin.into(),
            service,
            port,
            env: all,
            child: None,
        };
        process.start();
        process
    }

    fn start(&mut self) {
        let child = Command::new(&self.bin)
            .args(["serve", self.service])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the stockroom binary");
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The running process's id, if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Resident memory in KiB (`VmRSS` from /proc), for bounded-growth checks.
    pub fn rss_kib(&self) -> u64 {
        let pid = self.pid().expect("the process runs");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }

    /// Waits until `/healthz` answers, for at most 20 s.
    pub async fn wait_ready(&self) {
        let url = format!("{}/healthz", self.url());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not become ready",
                self.service
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// SIGKILL: no graceful shutdown, no cleanup.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL the service");
            child.wait().expect("reap the service");
        }
    }

    /// SIGTERM: the process stops taking connections and finishes what it is serving.
    pub fn terminate(&self) {
        if let Some(child) = &self.child {
            let status = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("run kill");
            assert!(status.success(), "kill -TERM {}", child.id());
        }
    }

    /// Waits (at most 20 s) for the process to exit; its exit status.
    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        let child = self.child.as_mut().expect("a running process");
        loop {
            if let Some(status) = child.try_wait().expect("poll the process") {
                self.child = None;
                return status;
            }
            assert!(Instant::now() < deadline, "{} did not exit", self.service);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Starts the killed process again, same port, same database, and waits for it.
    pub async fn restart(&mut self) {
        assert!(
            self.child.is_none(),
            "kill {} before restarting it",
            self.service
        );
        self.start();
        self.wait_ready().await;
    }

    /// Like [`ServiceProcess::restart`], with `env` set on top of what it was started with
    /// (a new signing key, say), and kept for later restarts.
    pub async fn restart_with(&mut self, env: &[(&str, &str)]) {
        for (name, value) in env {
            self.env.retain(|(k, _)| k != name);
            self.env.push((name.to_string(), value.to_string()));
        }
        self.restart().await;
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The four services as separate processes of the real binary, wired to each other over
/// loopback, each with its own database and data directory: the shape Compose runs.
pub struct Cluster {
    pub procs: std::collections::HashMap<&'static str, ServiceProcess>,
    /// Kept alive so the data directories outlive the processes.
    pub data_dir: PathBuf,
}

/// A strong service secret for tests (serve refuses short or placeholder ones).
pub const TEST_SERVICE_SECRET: &str = "stockroom-test-0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8";

impl Cluster {
    pub const SERVICES: [&'static str; 4] = ["auth", "inventory", "orders", "gateway"];
    pub const ADMIN_EMAIL: &'static str = "admin@example.com";
    pub const PASSWORD: &'static str = "correct horse battery";

    /// Registers `email` through the gateway and signs in: a client of the gateway with its token.
    pub async fn sign_up(&self, email: &str) -> crate::Api {
        let gw = self.gateway();
        gw.post(
            "/api/auth/register",
            serde_json::json!({"email": email, "password": Self::PASSWORD, "name": "Test"}),
        )
        .await
        .expect(201);
        let reply = gw
            .post(
                "/api/auth/login",
                serde_json::json!({"email": email, "password": Self::PASSWORD}),
            )
            .await
            .expect(200);
        gw.with_token(
            reply.body["access_token"]
                .as_str()
                .expect("an access token"),
        )
    }

    /// Creates a product through `staff`'s gateway client; its id.
    pub async fn product(staff: &crate::Api, sku: &str, price_cents: i64, stock: i64) -> String {
        staff
            .post(
                "/api/products",
                serde_json::json!({"sku": sku, "name": format!("Product {sku}"),
                    "price_cents": price_cents, "initial_stock": stock}),
            )
            .await
            .expect(201)
            .body["id"]
            .as_str()
            .expect("a product id")
            .to_string()
    }

    /// Starts every service with `env` on top of the wiring, and waits until all are ready.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        Self::start_with(env, &[]).await
    }

    /// Like [`Cluster::start`], plus `(service, variable, value)` for one service only (for
    /// example orders' `INVENTORY_URL` pointing at a recording proxy).
    pub async fn start_with(env: &[(&str, &str)], only: &[(&str, &str, &str)]) -> Self {
        let bin = std::env::var("STOCKROOM_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| default_bin());
        let ports: std::collections::HashMap<&str, u16> =
            Self::SERVICES.iter().map(|s| (*s, free_port())).collect();
        let url = |s: &str| format!("http://127.0.0.1:{}", ports[s]);
        let data_dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(format!("cluster-{}", uuid::Uuid::new_v4().simple()));
        let mut wiring: Vec<(String, String)> = vec![
            ("AUTH_URL".into(), url("auth")),
            ("INVENTORY_URL".into(), url("inventory")),
            ("ORDERS_URL".into(), url("orders")),
            ("SERVICE_CLIENT_SECRET".into(), TEST_SERVICE_SECRET.into()),
            // In `serve`, only this account becomes the first admin.
            ("ADMIN_EMAIL".into(), Cluster::ADMIN_EMAIL.into()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        wiring.extend(
            ports
                .iter()
                .map(|(s, p)| (format!("{}_PORT", s.to_uppercase()), p.to_string())),
        );
        let mut procs = std::collections::HashMap::new();
        for service in Self::SERVICES {
            let dir = data_dir.join(service);
            std::fs::create_dir_all(&dir).expect("create a data directory");
            let mut all: Vec<(&str, &str)> = wiring
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let dir_text = dir.display().to_string();
            all.push(("STOCKROOM_DATA_DIR", &dir_text));
            all.extend_from_slice(env);
            all.extend(
                only.iter()
                    .filter(|(s, _, _)| *s == service)
                    .map(|(_, k, v)| (*k, *v)),
            );
            let db = (service != "gateway").then(|| kernel::testing::fresh_database(service));
            procs.insert(
                service,
                ServiceProcess::spawn(&bin, service, ports[service], db.as_ref(), &all),
            );
        }
        for p in procs.values() {
            p.wait_ready().await;
        }
        Self { procs, data_dir }
    }

    pub fn get(&mut self, service: &str) -> &mut ServiceProcess {
        self.procs
            .get_mut(service)
            .unwrap_or_else(|| panic!("no {service} in the cluster"))
    }

    pub fn url(&self, service: &str) -> String {
        self.procs[service].url()
    }

    /// A client of the gateway.
    pub fn gateway(&self) -> crate::Api {
        crate::Api::new(self.url("gateway"))
    }
}

/// `target/<profile>/stockroom`, next to the test binary that runs this.
fn default_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> → target/<profile>/stockroom
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("stockroom"))
        .expect("the test binary sits in target/<profile>/deps")
}

//! Services as real processes of the `stockroom` binary, for tests that kill them (SIGKILL)
//! and start them again on the same port and database. Each binds port 0 and reports the
//! port it got (`listening on <addr>` on stderr): no port is picked here, so none can be
//! taken by another test between picking and binding.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use kernel::testing::TestDatabase;
use tokio::sync::watch;

/// The line `stockroom serve` writes to stderr once its port is bound.
const LISTENING: &str = "listening on ";

pub struct ServiceProcess {
    bin: PathBuf,
    pub service: &'static str,
    env: Vec<(String, String)>,
    child: Option<Child>,
    /// The port it listens on: the one asked for, or the one the child reports (port 0).
    port: watch::Receiver<Option<u16>>,
}

impl ServiceProcess {
    /// Starts `stockroom serve <service>` on `port` (0: any free port, which the child
    /// reports), with `db` as its database and `env` on top.
    pub fn spawn(
        bin: impl Into<PathBuf>,
        service: &'static str,
        port: u16,
        db: Option<&TestDatabase>,
        env: &[(&str, &str)],
    ) -> Self {
        // Its own data directory unless `env` names one: never the working directory.
        let data_dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(format!("proc-{}", uuid::Uuid::new_v4().simple()));
        let mut all = vec![
            ("BIND_ADDR".to_string(), "127.0.0.1".to_string()),
            (Self::port_var(service), port.to_string()),
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
            env: all,
            child: None,
            port: watch::channel(None).1,
        };
        process.start();
        process
    }

    fn port_var(service: &str) -> String {
        format!("{}_PORT", service.to_uppercase())
    }

    /// Starts the child, reading its stderr on a thread: the `listening on` line gives the
    /// port, every other line is passed on to this process's stderr.
    fn start(&mut self) {
        let mut child = Command::new(&self.bin)
            .args(["serve", self.service])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the stockroom binary");
        let stderr = child.stderr.take().expect("the child's stderr is piped");
        let (report, port) = watch::channel(None);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                match line
                    .strip_prefix(LISTENING)
                    .and_then(|addr| addr.trim().parse::<SocketAddr>().ok())
                {
                    Some(addr) => {
                        report.send_replace(Some(addr.port()));
                    }
                    None => eprintln!("{line}"),
                }
            }
            // Dropping `report` here tells a waiter that the child stopped writing (it exited).
        });
        self.port = port;
        self.child = Some(child);
    }

    /// Waits (at most 20 s) until the child has bound its port; the port.
    pub async fn bound_port(&self) -> u16 {
        let mut port = self.port.clone();
        let waited =
            tokio::time::timeout(Duration::from_secs(20), port.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(port)) => port.expect("wait_for returns a reported port"),
            Ok(Err(_)) => panic!("{} exited before it listened", self.service),
            Err(_) => panic!("{} did not report its port within 20 s", self.service),
        }
    }

    /// The port it listens on (known once [`ServiceProcess::bound_port`] or
    /// [`ServiceProcess::wait_ready`] has returned).
    pub fn port(&self) -> u16 {
        self.port.borrow().unwrap_or_else(|| {
            panic!(
                "{} has not reported its port yet: await wait_ready() or bound_port() first",
                self.service
            )
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
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

    /// Waits until the port is bound and `/healthz` answers, for at most 20 s each.
    pub async fn wait_ready(&self) {
        let url = format!("http://127.0.0.1:{}/healthz", self.bound_port().await);
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

    /// Starts the killed process again, same port (its peers know it), same database, and
    /// waits for it.
    pub async fn restart(&mut self) {
        assert!(
            self.child.is_none(),
            "kill {} before restarting it",
            self.service
        );
        let port = self.port();
        let var = Self::port_var(self.service);
        self.env.retain(|(k, _)| *k != var);
        self.env.push((var, port.to_string()));
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
        let data_dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(format!("cluster-{}", uuid::Uuid::new_v4().simple()));
        let mut wiring: Vec<(String, String)> = vec![
            ("SERVICE_CLIENT_SECRET".into(), TEST_SERVICE_SECRET.into()),
            // In `serve`, only this account becomes the first admin.
            ("ADMIN_EMAIL".into(), Cluster::ADMIN_EMAIL.into()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        let mut procs = std::collections::HashMap::new();
        // In dependency order, each on port 0: a service's peers learn its URL from the port
        // it reports, so no port is chosen here and none can be taken in between.
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
            let process = ServiceProcess::spawn(&bin, service, 0, db.as_ref(), &all);
            // Bound before it is built: this waits for the process to start, not to be ready.
            let port = process.bound_port().await;
            wiring.push((
                format!("{}_URL", service.to_uppercase()),
                format!("http://127.0.0.1:{port}"),
            ));
            procs.insert(service, process);
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

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

/// A free loopback port (released for the child to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
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
        let mut all = vec![
            ("BIND_ADDR".to_string(), "127.0.0.1".to_string()),
            (port_var, port.to_string()),
            ("RUST_LOG".to_string(), "warn".to_string()),
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
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

//! Signing-key rotation logs nobody out (issue 12, item 8): auth restarted with a new
//! `AUTH_SIGNING_KEY` and the old one in `AUTH_PREVIOUS_SIGNING_KEYS` publishes both, tokens
//! signed before keep working on every service, and new tokens carry the new key's id.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use kernel::testing::TestDatabase;
use testkit::{
    process::{free_port, Cluster, ServiceProcess, TEST_SERVICE_SECRET},
    Api, TestSystem,
};

const SERVICES: [&str; 4] = ["auth", "inventory", "orders", "gateway"];

/// The four services as processes, with auth's database kept so auth can be started again
/// with other keys (a `Cluster` restarts a process with the environment it was born with).
struct System {
    procs: HashMap<&'static str, ServiceProcess>,
    ports: HashMap<&'static str, u16>,
    wiring: Vec<(String, String)>,
    auth_db: TestDatabase,
    data_dir: std::path::PathBuf,
}

impl System {
    async fn start(auth_env: &[(&str, &str)]) -> Self {
        let ports: HashMap<&str, u16> = SERVICES.iter().map(|s| (*s, free_port())).collect();
        let url = |s: &str| format!("http://127.0.0.1:{}", ports[s]);
        let data = std::env::temp_dir()
            .join("stockroom-tests")
            .join(format!("rotation-{}", uuid::Uuid::new_v4().simple()));
        let mut wiring: Vec<(String, String)> = vec![
            ("AUTH_URL".into(), url("auth")),
            ("INVENTORY_URL".into(), url("inventory")),
            ("ORDERS_URL".into(), url("orders")),
            ("SERVICE_CLIENT_SECRET".into(), TEST_SERVICE_SECRET.into()),
            ("ADMIN_EMAIL".into(), Cluster::ADMIN_EMAIL.into()),
        ];
        wiring.extend(
            ports
                .iter()
                .map(|(s, p)| (format!("{}_PORT", s.to_uppercase()), p.to_string())),
        );
        let mut system = Self {
            procs: HashMap::new(),
            ports,
            wiring,
            auth_db: kernel::testing::fresh_database("auth"),
            data_dir: data,
        };
        for service in SERVICES {
            let db = match service {
                "auth" => Some(system.auth_db.clone()),
                "gateway" => None,
                other => Some(kernel::testing::fresh_database(other)),
            };
            let extra = if service == "auth" { auth_env } else { &[] };
            system.spawn(service, db.as_ref(), extra);
        }
        for p in system.procs.values() {
            p.wait_ready().await;
        }
        // Ready means the signing keys are fetched: no token meets a verifier without keys
        // (that refetch would hold back the one the rotation needs).
        for service in ["inventory", "orders", "gateway"] {
            let url = format!("{}/readyz", system.procs[service].url());
            let deadline = Instant::now() + Duration::from_secs(20);
            while !reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                assert!(Instant::now() < deadline, "{service} never became ready");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        system
    }

    fn spawn(&mut self, service: &'static str, db: Option<&TestDatabase>, extra: &[(&str, &str)]) {
        let dir = self.data_dir.join(service).display().to_string();
        let mut env: Vec<(&str, &str)> = self
            .wiring
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.push(("STOCKROOM_DATA_DIR", &dir));
        env.extend_from_slice(extra);
        let process = ServiceProcess::spawn(
            env!("CARGO_BIN_EXE_stockroom"),
            service,
            self.ports[service],
            db,
            &env,
        );
        self.procs.insert(service, process);
    }

    /// Stops auth and starts it again, same port and database, with `env` instead.
    async fn restart_auth(&mut self, env: &[(&str, &str)]) {
        if let Some(mut old) = self.procs.remove("auth") {
            old.kill();
        }
        let db = self.auth_db.clone();
        self.spawn("auth", Some(&db), env);
        self.procs["auth"].wait_ready().await;
    }

    fn gateway(&self) -> Api {
        Api::new(self.procs["gateway"].url())
    }
}

/// Reads on inventory and orders through the gateway: both verify the token themselves.
async fn works_everywhere(api: &Api, what: &str) {
    for path in ["/api/products", "/api/orders", "/api/auth/me"] {
        let reply = api.get(path).await;
        assert_eq!(reply.status, 200, "{what} on {path}: {}", reply.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn rotating_the_signing_key_logs_nobody_out() {
    let (old_key, new_key) = (
        TestSystem::fresh_signing_seed(),
        TestSystem::fresh_signing_seed(),
    );
    let mut system = System::start(&[("AUTH_SIGNING_KEY", &old_key)]).await;
    let gw = system.gateway();
    gw.register_from("198.51.100.4", Cluster::ADMIN_EMAIL)
        .await
        .expect(201);
    let sign_in = || gw.login_from("198.51.100.4", Cluster::ADMIN_EMAIL, Cluster::PASSWORD);
    let old_token = sign_in().await.expect(200).body["access_token"]
        .as_str()
        .expect("an access token")
        .to_string();
    let old_kid = TestSystem::token_kid(&old_token);
    // Every service has seen (and keeps) the old key.
    works_everywhere(&gw.with_token(&old_token), "before the rotation").await;

    system
        .restart_auth(&[
            ("AUTH_SIGNING_KEY", &new_key),
            ("AUTH_PREVIOUS_SIGNING_KEYS", &old_key),
        ])
        .await;
    let jwks = Api::new(system.procs["auth"].url())
        .get("/.well-known/jwks.json")
        .await
        .expect(200);
    let published = TestSystem::jwks_kids(&jwks.body);
    assert_eq!(published.len(), 2, "the new key and the previous one");
    assert_eq!(published[1], old_kid);

    works_everywhere(
        &gw.with_token(&old_token),
        "a token signed before the rotation",
    )
    .await;
    let new_token = sign_in().await.expect(200).body["access_token"]
        .as_str()
        .expect("an access token")
        .to_string();
    assert_eq!(
        TestSystem::token_kid(&new_token),
        published[0],
        "new tokens are signed with the new key"
    );
    assert_ne!(published[0], old_kid);
    // The new kid is unknown to inventory and orders: they fetch the keys again at once.
    works_everywhere(
        &gw.with_token(&new_token),
        "a token signed after the rotation",
    )
    .await;
}

//! The first admin in `serve` (issue 12, item 10): nobody becomes admin by registering
//! first. `ADMIN_EMAIL` names the admin while no admin exists; without it, auth prints a
//! one-time bootstrap token to stderr (never into its shipped log) at start, while no admin
//! exists, and only its holder becomes admin, once.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread::JoinHandle,
    time::{Duration, Instant},
};

use kernel::testing::TestDatabase;
use serde_json::json;
use testkit::{
    process::{Cluster, TEST_SERVICE_SECRET},
    Api,
};

const TOKEN_LINE: &str = "STOCKROOM_BOOTSTRAP_TOKEN=";

/// `stockroom serve auth` with its stderr read line by line, as an operator would read it,
/// and its log (stdout) as a log shipper would.
struct Auth {
    child: Child,
    api: Api,
    lines: mpsc::Receiver<String>,
    /// Lines written to stderr before `listening on`, already taken from `lines`.
    early: Vec<String>,
    log: mpsc::Receiver<String>,
    readers: Vec<JoinHandle<()>>,
}

/// Sends every line `from` writes, echoed to the test's stderr behind `label`.
fn read_lines(
    from: impl std::io::Read + Send + 'static,
    label: &'static str,
) -> (mpsc::Receiver<String>, JoinHandle<()>) {
    let (send, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            eprintln!("{label}: {line}");
            if send.send(line).is_err() {
                return;
            }
        }
    });
    (lines, reader)
}

impl Auth {
    async fn start(db: &TestDatabase, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
            .args(["serve", "auth"])
            .env("BIND_ADDR", "127.0.0.1")
            .env("AUTH_PORT", "0")
            .env("DATABASE_URL", &db.url)
            .env("DATABASE_SCHEMA", &db.schema)
            .env("SERVICE_CLIENT_SECRET", TEST_SERVICE_SECRET)
            .env("RUST_LOG", "warn")
            .env_remove("ADMIN_EMAIL")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the stockroom binary");
        let stderr = child.stderr.take().expect("piped stderr");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, stderr_reader) = read_lines(stderr, "auth");
        let (log, stdout_reader) = read_lines(stdout, "auth log");
        // AUTH_PORT=0: the port is the one it reports, `listening on <addr>` on stderr.
        let mut early = Vec::new();
        let addr = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(20))
                .expect("auth reports the address it listens on");
            match line.strip_prefix("listening on ") {
                Some(addr) => break addr.to_string(),
                None => early.push(line),
            }
        };
        let auth = Self {
            child,
            api: Api::new(format!("http://{addr}")),
            lines,
            early,
            log,
            readers: vec![stderr_reader, stdout_reader],
        };
        auth.wait_ready().await;
        auth
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !reqwest::get(self.api.url("/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "auth did not become ready");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Stops the process and returns every line it wrote to stderr.
    fn stop(self) -> Vec<String> {
        self.stop_with_log().0
    }

    /// Stops the process and returns every line it wrote to stderr, and to its log.
    fn stop_with_log(mut self) -> (Vec<String>, Vec<String>) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            reader.join().expect("an output reader");
        }
        let mut lines = std::mem::take(&mut self.early);
        lines.extend(self.lines.try_iter());
        (lines, self.log.try_iter().collect())
    }

    /// The bootstrap token this start printed, waited for.
    async fn printed_token(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines: Vec<String> = self
                .early
                .iter()
                .cloned()
                .chain(self.lines.try_iter())
                .collect();
            if let Some(token) = token_in(&lines) {
                return token;
            }
            assert!(Instant::now() < deadline, "no bootstrap token was printed");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Auth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bootstrap token among the lines, if one was printed.
fn token_in(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(TOKEN_LINE))
        .map(str::to_string)
}

async fn register(api: &Api, email: &str, token: Option<&str>) -> testkit::Reply {
    let mut body = json!({"email": email, "password": Cluster::PASSWORD, "name": "Someone"});
    if let Some(token) = token {
        body["bootstrap_token"] = json!(token);
    }
    api.post("/api/auth/register", body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn without_admin_email_only_the_printed_token_makes_an_admin_and_only_once() {
    let db = kernel::testing::fresh_database("auth");
    let auth = Auth::start(&db, &[]).await;
    let first = register(&auth.api, "first@example.com", None).await;
    assert_eq!(
        first.expect(201).body["role"],
        "customer",
        "being first is no claim in serve"
    );
    let (lines, log) = auth.stop_with_log();
    let token = token_in(&lines).expect("a bootstrap token on stderr at the first start");
    assert!(
        token.len() >= 43,
        "the token has 256 bits of randomness: {token}"
    );
    assert!(
        log.iter().any(|l| l.contains("printed to stderr")),
        "the log says where the token is: {log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains(&token)),
        "the token stays out of the shipped log"
    );

    // Restarted while no admin exists: a token is printed again, and the first still works.
    let auth = Auth::start(&db, &[]).await;
    let owner = register(&auth.api, "owner@example.com", Some(&token)).await;
    assert_eq!(owner.expect(201).body["role"], "admin");
    let again = register(&auth.api, "second@example.com", Some(&token))
        .await
        .expect_problem(403);
    assert!(again.body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("bootstrap token")));
    auth.api
        .post(
            "/api/auth/login",
            json!({"email": "second@example.com", "password": Cluster::PASSWORD}),
        )
        .await
        .expect_problem(401);
    let second_start = auth.stop();
    let other = token_in(&second_start).expect("a token while no admin existed");
    assert_ne!(other, token, "each start makes its own token");

    // Now an admin exists: no token is printed, and the earlier ones are void.
    let auth = Auth::start(&db, &[]).await;
    register(&auth.api, "third@example.com", Some(&other))
        .await
        .expect_problem(403);
    let third_start = auth.stop();
    assert_eq!(
        token_in(&third_start),
        None,
        "no token once an admin exists"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn with_admin_email_only_that_account_becomes_admin_through_the_gateway() {
    let cluster = Cluster::start(&[]).await;
    let gw = cluster.gateway();
    let first = register(&gw, "first@example.com", None).await;
    assert_eq!(first.expect(201).body["role"], "customer");
    register(&gw, "guess@example.com", Some("a-guessed-token"))
        .await
        .expect_problem(403);
    let admin = register(&gw, Cluster::ADMIN_EMAIL, None).await;
    assert_eq!(admin.expect(201).body["role"], "admin");
    let later = register(&gw, "later@example.com", None).await;
    assert_eq!(later.expect(201).body["role"], "customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn with_admin_email_no_token_is_printed() {
    let db = kernel::testing::fresh_database("auth");
    let auth = Auth::start(&db, &[("ADMIN_EMAIL", "boss@example.com")]).await;
    assert_eq!(token_in(&auth.stop()), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn admin_email_registered_after_an_admin_exists_is_a_customer() {
    let db = kernel::testing::fresh_database("auth");
    let auth = Auth::start(&db, &[]).await;
    let token = auth.printed_token().await;
    let owner = register(&auth.api, "owner@example.com", Some(&token)).await;
    assert_eq!(owner.expect(201).body["role"], "admin");
    auth.stop();

    // ADMIN_EMAIL set later (or never used by the admin): just an address now.
    let auth = Auth::start(&db, &[("ADMIN_EMAIL", "boss@example.com")]).await;
    let boss = register(&auth.api, "boss@example.com", None).await;
    assert_eq!(
        boss.expect(201).body["role"],
        "customer",
        "an admin already exists"
    );
    let again = register(&auth.api, "Boss@Example.com", None).await;
    again.expect_problem(409);
}

/// Two replicas, one with ADMIN_EMAIL and one that printed a token (a configuration being
/// rolled out), each asked to make the first admin at the same moment: only one does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn concurrent_admin_claims_on_two_replicas_make_one_admin() {
    for round in 0..3 {
        let db = kernel::testing::fresh_database("auth");
        // With ADMIN_EMAIL first: its start voids tokens, and the second's comes after.
        let by_email = Auth::start(&db, &[("ADMIN_EMAIL", "boss@example.com")]).await;
        let by_token = Auth::start(&db, &[]).await;
        let token = by_token.printed_token().await;
        let (boss, owner) = tokio::join!(
            register(&by_email.api, "boss@example.com", None),
            register(&by_token.api, "owner@example.com", Some(&token)),
        );
        let boss_admin = boss.expect(201).body["role"] == "admin";
        let owner_admin = owner.status == 201 && owner.body["role"] == "admin";
        assert!(
            owner_admin || owner.status == 403,
            "round {round}: the token either made the admin or was refused: {}",
            owner.text
        );
        assert!(
            boss_admin != owner_admin,
            "round {round}: exactly one admin (by email: {boss_admin}, by token: {owner_admin})"
        );
    }
}

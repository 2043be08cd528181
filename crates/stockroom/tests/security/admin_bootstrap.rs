//! The first admin in `serve` (issue 12, item 10): nobody becomes admin by registering
//! first. `ADMIN_EMAIL` names the admin; without it, auth prints a one-time bootstrap token
//! at start, while no admin exists, and only its holder becomes admin, once.

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
    process::{free_port, Cluster, TEST_SERVICE_SECRET},
    Api,
};

const TOKEN_LINE: &str = "STOCKROOM_BOOTSTRAP_TOKEN=";

/// `stockroom serve auth` with its stderr read line by line, as an operator would read it.
struct Auth {
    child: Child,
    api: Api,
    lines: mpsc::Receiver<String>,
    reader: Option<JoinHandle<()>>,
}

impl Auth {
    async fn start(db: &TestDatabase, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
            .args(["serve", "auth"])
            .env("BIND_ADDR", "127.0.0.1")
            .env("AUTH_PORT", port.to_string())
            .env("DATABASE_URL", &db.url)
            .env("DATABASE_SCHEMA", &db.schema)
            .env("SERVICE_CLIENT_SECRET", TEST_SERVICE_SECRET)
            .env("RUST_LOG", "warn")
            .env_remove("ADMIN_EMAIL")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the stockroom binary");
        let stderr = child.stderr.take().expect("piped stderr");
        let (send, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("auth: {line}");
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let auth = Self {
            child,
            api: Api::new(format!("http://127.0.0.1:{port}")),
            lines,
            reader: Some(reader),
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
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the stderr reader");
        }
        self.lines.try_iter().collect()
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
    let lines = auth.stop();
    let token = token_in(&lines).expect("a bootstrap token on stderr at the first start");
    assert!(
        token.len() >= 43,
        "the token has 256 bits of randomness: {token}"
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

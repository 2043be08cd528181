//! Sign-in guessing (issue 12, item 3): the limiter counts before it checks, keys on the
//! normalised email and the client address, holds no client-sized key, and lives in auth's
//! database so every replica enforces one limit.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use futures::StreamExt;
use serde_json::json;
use testkit::{
    process::{Cluster, ServiceProcess, TEST_SERVICE_SECRET},
    Api,
};

const LOGIN_MAX_FAILURES: usize = 5;
const MAX: &str = "5";
/// The gateway's own per-address limit is raised so what is measured is auth's.
const GATEWAY_UNLIMITED: [(&str, &str); 3] = [
    ("RATE_LIMIT_PER_SECOND", "100000"),
    ("RATE_LIMIT_BURST", "100000"),
    ("LOGIN_MAX_FAILURES", MAX),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn parallel_guesses_at_one_account_are_checked_at_most_the_limit() {
    let cluster = Cluster::start(&GATEWAY_UNLIMITED).await;
    cluster.sign_up("victim@example.com").await;
    let gw = cluster.gateway();
    let replies = futures::future::join_all((0..150).map(|i| {
        let gw = gw.clone();
        // Spellings of one account, from one attacker.
        let email = if i % 2 == 0 {
            "victim@example.com"
        } else {
            " VICTIM@Example.com"
        };
        async move { gw.login_from("203.0.113.50", email, "guess guess").await }
    }))
    .await;
    let checked = replies.iter().filter(|r| r.status == 401).count();
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(
        (1..=LOGIN_MAX_FAILURES).contains(&checked),
        "{checked} of 150 parallel guesses were checked against a limit of {LOGIN_MAX_FAILURES}"
    );
    assert_eq!(checked + limited.len(), 150, "every other guess is refused");
    for reply in limited {
        let retry_after: u64 = reply
            .header("retry-after")
            .expect("429 says when to retry")
            .parse()
            .expect("Retry-After in seconds");
        assert!(retry_after >= 1);
    }
    // The owner, from elsewhere, waits out the window too: that is what stops the guessing.
    gw.login_from("198.51.100.9", "victim@example.com", Cluster::PASSWORD)
        .await
        .expect_problem(429);
}

/// Auth's resident memory may grow at most this much (it grew 390 MB before the fix).
const MAX_GROWTH_KIB: u64 = 24 * 1024;

/// An answer: its status and body text.
type Answer = (u16, String);

/// What 150 sign-ins with over-long emails (sent by `send(i)`, 16 at a time) got: each answer
/// and how long it took, and how much auth's resident memory grew meanwhile.
async fn flood_with_long_emails<F, Fut>(
    cluster: &Cluster,
    send: F,
) -> (Vec<(Answer, Duration)>, u64)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Answer>,
{
    let gw = cluster.gateway();
    // Warm up: the allocator's arenas and the connection pools exist before measuring.
    for i in 0..4 {
        gw.login_from(
            "198.51.100.3",
            &format!("warm{i}@example.com"),
            "guess guess",
        )
        .await
        .expect_problem(401);
    }
    let before = cluster.procs["auth"].rss_kib();
    let started = Instant::now();
    let answers: Vec<(Answer, Duration)> = futures::stream::iter(0..150)
        .map(|i| {
            let sent = Instant::now();
            let answer = send(i);
            async move { (answer.await, sent.elapsed()) }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let after = cluster.procs["auth"].rss_kib();
    let growth = after.saturating_sub(before);
    eprintln!(
        "auth RSS {before} KiB → {after} KiB (+{growth} KiB) for 150 long emails in {:?}",
        started.elapsed()
    );
    // Still serving sign-ins.
    gw.login_from("198.51.100.3", "someone@example.com", "guess guess")
        .await
        .expect_problem(401);
    (answers, growth)
}

/// Sends only the head of a sign-in whose body would be `length` bytes, as a client about to
/// upload it, and reads the answer. Only the head: a server that refuses a body it has not
/// read resets the connection, and the reset can destroy its answer before we read it.
async fn declare_login(gateway: &str, length: usize) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = gateway.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host)
        .await
        .expect("connect to the gateway");
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    socket
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut answer))
        .await
        .expect("the gateway answers from the declared length, without the body")
        .expect("read the answer");
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_string();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn emails_beyond_the_gateway_body_limit_are_413_at_the_gateway() {
    let cluster = Cluster::start(&GATEWAY_UNLIMITED).await;
    let gateway = cluster.url("gateway");
    let (answers, growth) = flood_with_long_emails(&cluster, |i| {
        let gateway = gateway.clone();
        // A 900 KB email and a password, as JSON.
        async move { declare_login(&gateway, 900 * 1024 + 60 + i).await }
    })
    .await;
    for ((status, body), took) in &answers {
        assert_eq!(
            *status, 413,
            "a 900 KB body is over the gateway's limit: {body}"
        );
        assert!(
            *took < Duration::from_secs(2),
            "refused fast: took {took:?}"
        );
    }
    assert!(
        growth < MAX_GROWTH_KIB,
        "auth grew {growth} KiB, bound {MAX_GROWTH_KIB} KiB"
    );
}

/// Under the gateway's 16 KiB body limit, so auth's own bound on the email is what answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn emails_within_the_body_limit_are_422_from_auth_fast_and_leave_it_bounded() {
    let cluster = Cluster::start(&GATEWAY_UNLIMITED).await;
    let gw = cluster.gateway();
    let (answers, growth) = flood_with_long_emails(&cluster, |i| {
        let gw = gw.clone();
        let email = format!("{}{i}@example.com", "a".repeat((i % 15 + 1) * 1024));
        let from = format!("203.0.113.{}", i % 200);
        async move {
            let reply = gw.login_from(&from, &email, "guess guess").await;
            (reply.status.as_u16(), reply.text)
        }
    })
    .await;
    for ((status, body), took) in &answers {
        assert_eq!(
            *status, 422,
            "an email of 1–15 KB is refused by auth, not checked: {body}"
        );
        let problem: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(
            problem["errors"][0]["field"], "email",
            "auth names the field: {body}"
        );
        assert!(
            *took < Duration::from_secs(2),
            "refused fast: took {took:?}"
        );
    }
    assert!(
        growth < MAX_GROWTH_KIB,
        "auth grew {growth} KiB, bound {MAX_GROWTH_KIB} KiB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn two_auth_replicas_on_one_database_enforce_one_limit() {
    let db = kernel::testing::fresh_database("auth");
    let env = [
        ("SERVICE_CLIENT_SECRET", TEST_SERVICE_SECRET),
        ("ADMIN_EMAIL", Cluster::ADMIN_EMAIL),
        ("LOGIN_MAX_FAILURES", MAX),
    ];
    let bin = env!("CARGO_BIN_EXE_stockroom");
    // One after the other: the second finds the database migrated.
    let first = ServiceProcess::spawn(bin, "auth", 0, Some(&db), &env);
    first.wait_ready().await;
    let second = ServiceProcess::spawn(bin, "auth", 0, Some(&db), &env);
    second.wait_ready().await;
    let replicas = [Api::new(first.url()), Api::new(second.url())];
    replicas[0]
        .register_from("198.51.100.1", "victim@example.com")
        .await
        .expect(201);
    let replies = futures::future::join_all((0..40).map(|i| {
        let replica = replicas[i % 2].clone();
        let from = format!("203.0.113.{i}");
        async move {
            replica
                .login_from(&from, "victim@example.com", "guess guess")
                .await
        }
    }))
    .await;
    let checked = replies.iter().filter(|r| r.status == 401).count();
    assert!(
        (1..=LOGIN_MAX_FAILURES).contains(&checked),
        "two replicas checked {checked} guesses against one limit of {LOGIN_MAX_FAILURES}"
    );
    assert_eq!(
        replies.iter().filter(|r| r.status == 429).count(),
        40 - checked
    );
    for replica in &replicas {
        replica
            .post(
                "/api/auth/login",
                json!({"email": "victim@example.com", "password": Cluster::PASSWORD}),
            )
            .await
            .expect_problem(429);
    }
}

//! Slow and greedy clients: every server times out a request head that never ends, refuses
//! oversized heads, closes idle keep-alive connections and caps the connections it serves at
//! once. Raw sockets against `stockroom serve` processes, limits set small in their environment.

use std::time::{Duration, Instant};

use testkit::process::ServiceProcess;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const HEADER_TIMEOUT_MS: u64 = 1000;
/// How late after the header timeout a connection may still be closed (scheduling, CI noise).
const SLACK: Duration = Duration::from_secs(3);
/// Nothing answers here: the services run without auth (no signed-in requests are made).
const NO_AUTH: &str = "http://127.0.0.1:9";

async fn service(name: &'static str, env: &[(&str, &str)]) -> ServiceProcess {
    let timeout = HEADER_TIMEOUT_MS.to_string();
    let mut all = vec![
        ("AUTH_URL", NO_AUTH),
        ("HTTP_HEADER_TIMEOUT_MS", timeout.as_str()),
    ];
    all.extend_from_slice(env);
    let db = (name != "gateway").then(|| kernel::testing::fresh_database(name));
    let process =
        ServiceProcess::spawn(env!("CARGO_BIN_EXE_stockroom"), name, 0, db.as_ref(), &all);
    ready_from_elsewhere(&process).await;
    process
}

/// Waits for `/healthz`, asked from 127.0.0.3: the tests here count 127.0.0.1's connections,
/// and a probe's own connection, closed but perhaps not yet reaped by the server, must not be
/// among them.
async fn ready_from_elsewhere(p: &ServiceProcess) {
    let probe = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 3]))
        .timeout(Duration::from_secs(2))
        .build()
        .expect("a client");
    let url = format!("http://127.0.0.1:{}/healthz", p.bound_port().await);
    testkit::eventually(Duration::from_secs(20), || async {
        match probe.get(&url).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
}

async fn connect(p: &ServiceProcess) -> TcpStream {
    TcpStream::connect(("127.0.0.1", p.port()))
        .await
        .expect("connect")
}

/// Reads and discards until the server closes the connection; how long that took, or `None`
/// if it was still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut sink = [0u8; 4096];
    let drained = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    drained.ok().map(|()| start.elapsed())
}

/// One complete response on a keep-alive connection: status and body, by `Content-Length`.
async fn read_response(stream: &mut TcpStream) -> (u16, String) {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                return (status, head);
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("a response within 10 s")
            .expect("read");
        if n == 0 {
            let status = String::from_utf8_lossy(&data)
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            return (status, String::new());
        }
        data.extend_from_slice(&chunk[..n]);
    }
}

async fn healthz(p: &ServiceProcess) -> u16 {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("a client");
    client
        .get(format!("{}/healthz", p.url()))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn open_fds(p: &ServiceProcess) -> usize {
    let pid = p.pid().expect("the process runs");
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn a_request_head_that_never_ends_is_cut_off_while_other_clients_are_served() {
    for name in ["gateway", "inventory"] {
        let p = service(name, &[]).await;
        let mut slow = connect(&p).await;
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("send half a head");
        // Slowloris: a header line now and then keeps a per-read timer alive, not ours.
        let (mut reader, mut writer) = slow.into_split();
        let drip = tokio::spawn(async move {
            for i in 0..100 {
                if writer
                    .write_all(format!("X-Drip-{i}: a\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        for _ in 0..3 {
            assert_eq!(healthz(&p).await, 200, "{name} serves others meanwhile");
        }
        let start = Instant::now();
        let mut sink = [0u8; 1024];
        let closed =
            tokio::time::timeout(Duration::from_millis(HEADER_TIMEOUT_MS) + SLACK, async {
                loop {
                    match reader.read(&mut sink).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
            })
            .await;
        assert!(
            closed.is_ok(),
            "{name}: a head still unfinished after {} ms must be cut off; still open after {:?}",
            HEADER_TIMEOUT_MS,
            start.elapsed()
        );
        drip.abort();
        assert_eq!(healthz(&p).await, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn an_oversized_request_head_is_refused() {
    let p = service("gateway", &[("HTTP_MAX_HEADER_BYTES", "16384")]).await;
    let mut stream = connect(&p).await;
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(64 * 1024)
    );
    // The server may close before it has read everything: a failed write is a refusal too.
    let _ = stream.write_all(head.as_bytes()).await;
    let (status, _) = read_response(&mut stream).await;
    assert!(
        status == 431 || status == 0,
        "a 64 KiB head must be refused (431 or closed), got {status}"
    );
    assert!(
        closed_within(&mut stream, SLACK).await.is_some(),
        "the connection is closed after an oversized head"
    );
    assert_eq!(healthz(&p).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn an_idle_keep_alive_connection_is_closed_by_the_idle_timeout() {
    // Far apart, so the moment it closes tells which timer did it: hyper's header timer also
    // runs while a keep-alive connection waits for its next request.
    const IDLE_MS: u64 = 1000;
    const HEADER_MS: u64 = 10_000;
    let (idle, header) = (IDLE_MS.to_string(), HEADER_MS.to_string());
    let p = service(
        "gateway",
        &[
            ("HTTP_IDLE_TIMEOUT_MS", idle.as_str()),
            ("HTTP_HEADER_TIMEOUT_MS", header.as_str()),
        ],
    )
    .await;
    let mut stream = connect(&p).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send");
    let (status, head) = read_response(&mut stream).await;
    assert_eq!(status, 200);
    assert!(
        !head.contains("connection: close"),
        "the server keeps it alive"
    );
    let closed_after = closed_within(&mut stream, Duration::from_millis(IDLE_MS) + SLACK).await;
    let closed_after = closed_after.unwrap_or_else(|| {
        panic!("an idle keep-alive connection must be closed after the {IDLE_MS} ms idle timeout, long before the {HEADER_MS} ms header timeout")
    });
    assert!(
        closed_after >= Duration::from_millis(IDLE_MS * 8 / 10),
        "closed by the idle timer, not at once: after {closed_after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn connections_over_the_cap_wait_and_do_not_take_the_service_down() {
    const CAP: usize = 8;
    let cap = CAP.to_string();
    let p = service("gateway", &[("HTTP_MAX_CONNECTIONS", cap.as_str())]).await;
    let baseline = open_fds(&p);
    // Four times the cap, each sending nothing: only CAP may be taken in at once.
    let mut held = Vec::new();
    for _ in 0..CAP * 4 {
        held.push(connect(&p).await);
    }
    let mut most = 0;
    let sampling = Instant::now();
    while sampling.elapsed() < Duration::from_millis(HEADER_TIMEOUT_MS * 2) {
        most = most.max(open_fds(&p));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A few descriptors of slack for the service's own outgoing connections.
    assert!(
        most <= baseline + CAP + 4,
        "with a cap of {CAP}, open descriptors went from {baseline} to {most}"
    );
    // The waiting connections are served in turn as slow ones time out, a new client too.
    let started = Instant::now();
    assert_eq!(
        healthz(&p).await,
        200,
        "a new client is served after {:?}",
        started.elapsed()
    );
    drop(held);
    assert_eq!(healthz(&p).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn one_address_cannot_take_every_connection_slot() {
    const PER_CLIENT: usize = 4;
    const HELD: usize = PER_CLIENT * 4;
    let per_client = PER_CLIENT.to_string();
    for name in ["gateway", "inventory"] {
        let p = service(
            name,
            &[
                // Idle sockets would hold their slots for the whole test without the cap.
                ("HTTP_HEADER_TIMEOUT_MS", "20000"),
                ("HTTP_IDLE_TIMEOUT_MS", "20000"),
                ("HTTP_MAX_CONNECTIONS", "8"),
                ("HTTP_MAX_CONNECTIONS_PER_CLIENT", per_client.as_str()),
                // Every test client is on loopback, so loopback must not be a trusted proxy
                // (those are exempt from the per-client cap).
                ("TRUSTED_PROXIES", "192.0.2.1/32"),
            ],
        )
        .await;
        // One client (127.0.0.1) opens twice the global cap of sockets and sends nothing.
        let mut held = Vec::new();
        for _ in 0..HELD {
            held.push(connect(&p).await);
        }
        let closed = futures::future::join_all(
            held.iter_mut()
                .map(|s| closed_within(s, Duration::from_millis(1500))),
        )
        .await;
        let closed_at_once = closed.iter().filter(|c| c.is_some()).count();
        assert_eq!(
            closed_at_once,
            HELD - PER_CLIENT,
            "{name}: connections beyond the {PER_CLIENT} one client may hold are closed at once"
        );

        // Another client (127.0.0.2) is served right away, while the first still holds its share.
        let other = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
            .timeout(Duration::from_secs(3))
            .build()
            .expect("a client");
        let reply = other.get(format!("{}/healthz", p.url())).send().await;
        assert_eq!(
            reply
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string()),
            Ok(200),
            "{name}: another client is served while one address holds idle connections"
        );
        drop(held);
    }
}

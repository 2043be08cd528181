//! The trust boundary at the gateway's paths: no spelling of a path reaches a service's
//! `/internal/*`, `/metrics`, `/readyz` or `/healthz`, nor `/api/auth/token`; and every
//! gateway answer carries the security headers.
//!
//! The requests are written by hand on a TCP socket: reqwest (through `url`) resolves dot
//! segments, encoded dots included, before sending, so it could never send these attacks.

use std::time::Duration;

use serde_json::Value;
use testkit::{Svc, TestSystem};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const ALL: [Svc; 4] = [Svc::Auth, Svc::Inventory, Svc::Orders, Svc::Gateway];

/// An answer read off the socket.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method target` exactly as written (no normalisation) and reads the whole answer.
async fn raw(base: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Raw {
    let host = base.trim_start_matches("http://");
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let mut socket = TcpStream::connect(host)
        .await
        .expect("connect to the gateway");
    socket
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer))
        .await
        .expect("the gateway answers within 10 s")
        .expect("read the answer");
    parse(&answer, target)
}

fn parse(answer: &[u8], target: &str) -> Raw {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{target}: no HTTP answer: {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{target}: no status line: {head:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Raw {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

/// Every way found to spell "go up one segment", and "/" between segments.
const UPS: [&str; 13] = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "%2E.",
    "%252e%252e",
    ".%252e",
    "..;",
    "..%00",
    "%c0%ae%c0%ae",
    "%u002e%u002e",
    "..%c0%af",
];
const SEPARATORS: [&str; 8] = ["/", "%2f", "%2F", "\\", "%5c", "%5C", "%252f", "//"];

/// Where a request would land, and a prefix of every service routed by the gateway.
const TARGETS: [&str; 6] = [
    "internal/stock",
    "internal/reservations",
    "internal/stock?ids=",
    "metrics",
    "readyz",
    "healthz",
];
const PREFIXES: [(&str, usize); 7] = [
    ("/api/auth", 2),
    ("/api/products", 2),
    ("/api/inventory", 2),
    ("/api/suppliers", 2),
    ("/api/orders", 2),
    ("/api/ai", 2),
    ("/api/insights", 2),
];

/// The corpus: every prefix, climbing to the root with every spelling of `..` and of `/`,
/// to every target; plus odd shapes that do not fit the pattern.
fn corpus() -> Vec<String> {
    let mut paths = Vec::new();
    for (prefix, depth) in PREFIXES {
        for up in UPS {
            for sep in SEPARATORS {
                for target in TARGETS {
                    // Exactly enough `..` to reach the root, and one more than that.
                    for climbs in [depth, depth + 1] {
                        let climb = vec![up; climbs].join(sep);
                        let target = target.replace('/', sep);
                        paths.push(format!("{prefix}/{climb}{sep}{target}"));
                    }
                }
            }
        }
        // One segment down first, and `;` parameters on ordinary segments.
        for target in TARGETS {
            paths.push(format!("{prefix}/x/../../../{target}"));
            paths.push(format!("{prefix}/;/../../{target}"));
            paths.push(format!("{prefix};x=1/../../{target}"));
            paths.push(format!("{prefix}/.;/..;/..;/{target}"));
            paths.push(format!("{prefix}/./../../{target}"));
            paths.push(format!("{prefix}/%2e/%2e%2e/%2e%2e/{target}"));
            paths.push(format!("{prefix}//..//..//{target}"));
        }
    }
    for target in TARGETS {
        paths.push(format!("//{target}"));
        paths.push(format!("/./{target}"));
        paths.push(format!("/%2e/{target}"));
        paths.push(format!("/api/../{target}"));
        paths.push(format!("/api/%2e%2e/{target}"));
        paths.push(format!("/.well-known/../{target}"));
        paths.push(format!("/.well-known/%2e%2e/{target}"));
    }
    paths
}

/// A refusal made by the gateway: 400 or 404, problem+json, nothing of the service.
fn assert_refused(reply: &Raw, target: &str) {
    assert!(
        reply.status == 400 || reply.status == 404,
        "{target} was not refused: {} {}",
        reply.status,
        reply.body
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "{target}: refusals are problem+json: {}",
        reply.body
    );
    let problem: Value = serde_json::from_str(&reply.body)
        .unwrap_or_else(|_| panic!("{target}: the body is JSON: {}", reply.body));
    assert_eq!(problem["status"], reply.status, "{target}");
    // (The problem's `instance` repeats the path, so look for what only the data would have.)
    for leak in ["# TYPE", "http_requests_total", "on_hand", "\"checks\""] {
        assert!(
            !reply.body.contains(leak),
            "{target} leaked service data ({leak}): {}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn no_spelling_of_a_path_reaches_a_services_internal_metrics_or_health() {
    let sys = TestSystem::start_with(&ALL, |c| {
        c.gateway.rate_limit_per_second = 1_000_000;
        c.gateway.rate_limit_burst = 1_000_000;
    })
    .await;
    let (_, staff, _) = sys.cast().await;
    // The strongest caller: a valid service token (and a staff token) on every attempt.
    let service = sys.service_token().await;
    let gateway = sys.url(Svc::Gateway);
    let corpus = corpus();
    assert!(corpus.len() > 5000, "a corpus of {} forms", corpus.len());
    for chunk in corpus.chunks(32) {
        let replies = futures::future::join_all(chunk.iter().map(|path| {
            let auth = if path.contains("internal") {
                format!("Bearer {service}")
            } else {
                format!("Bearer {}", staff.token)
            };
            let gateway = gateway.clone();
            async move {
                let reply = raw(&gateway, "GET", path, &[("Authorization", &auth)], "").await;
                (path, reply)
            }
        }))
        .await;
        for (path, reply) in &replies {
            assert_refused(reply, path);
        }
    }
    // In absolute form, as a proxy would be asked.
    let absolute = format!("{gateway}/api/products/../../internal/stock");
    let auth = format!("Bearer {service}");
    assert_refused(
        &raw(&gateway, "GET", &absolute, &[("Authorization", &auth)], "").await,
        &absolute,
    );
    // The plain paths are not routed either; the gateway's own health is its own.
    for path in ["/internal/stock", "/internal/reservations"] {
        assert_refused(
            &raw(&gateway, "GET", path, &[("Authorization", &auth)], "").await,
            path,
        );
    }
    let health = raw(&gateway, "GET", "/healthz", &[], "").await;
    assert_eq!(health.status, 200);
    assert!(
        health.body.contains("gateway"),
        "the gateway's own: {}",
        health.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn service_tokens_cannot_be_minted_through_the_gateway_in_any_spelling() {
    let sys = TestSystem::start(&ALL).await;
    // The secret is right: auth itself issues a token for it.
    sys.service_token().await;
    let form = format!(
        "grant_type=client_credentials&client_id=orders&client_secret={}",
        sys.config.common.service_client_secret.expose()
    );
    let gateway = sys.url(Svc::Gateway);
    let spellings = [
        "/api/auth/token",
        "/api/auth/token/",
        "/api/auth/token?grant_type=client_credentials",
        "/api/auth/Token",
        "/api/auth/TOKEN",
        "/API/AUTH/TOKEN",
        "/Api/Auth/Token/",
        "/api/auth/%74oken",
        "/api/auth/%74%6f%6b%65%6e",
        "/api/auth/%74%6F%6B%65%6E",
        "/api/%61uth/token",
        "/api/auth/token;x=1",
        "/api/auth/token%3b",
        "/api/auth/./token",
        "/api/auth/%2e/token",
        "/api/auth//token",
        "/api/auth/x/../token",
        "/api/auth/x/%2e%2e/token",
        "/api/auth/token%2f",
        "/api/auth/token%20",
        "/api/auth/token\\",
    ];
    for path in spellings {
        let reply = raw(
            &gateway,
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &form,
        )
        .await;
        assert!(
            reply.status == 404 || reply.status == 400,
            "{path}: {} {}",
            reply.status,
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{path}"
        );
        assert!(
            !reply.body.contains("access_token"),
            "{path}: {}",
            reply.body
        );
    }
    // The plain path, its case and encoding variants and the trailing slash are all 404.
    for path in &spellings[..11] {
        let reply = raw(
            &gateway,
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            &form,
        )
        .await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn every_gateway_answer_carries_the_security_headers() {
    let sys = TestSystem::start(&ALL).await;
    let (_, staff, _) = sys.cast().await;
    let gateway = sys.url(Svc::Gateway);
    let auth = format!("Bearer {}", staff.token);
    let pages = [
        ("/api/status", "default-src 'none'"),
        ("/api/products", "default-src 'none'"),
        ("/api/dashboard", "default-src 'none'"),
        ("/api/no-such-thing", "default-src 'none'"),
        ("/api/products/%2e%2e/x", "default-src 'none'"),
        ("/healthz", "default-src 'none'"),
        ("/openapi.json", "default-src 'self'"),
        ("/docs/", "script-src 'self'"),
    ];
    for (path, policy) in pages {
        let reply = raw(&gateway, "GET", path, &[("Authorization", &auth)], "").await;
        let csp = reply
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path} has a CSP"));
        assert!(csp.contains(policy), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
    }
}

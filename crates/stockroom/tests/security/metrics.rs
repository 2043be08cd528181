//! Metric labels come from fixed sets. A method the system does not use used to become a label:
//! 300 requests with made-up methods made `/metrics` 255 MB. Now such a request is answered
//! 405 problem+json before any label or log field is made from it.

use std::time::Duration;

use testkit::process::Cluster;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Each made-up method is this long: 300 of them as labels would add megabytes to `/metrics`.
const METHOD_LEN: usize = 8_000;
/// `/metrics` may grow by this much over the attack: the one new series for refused methods
/// (measured: about 4 KB; 20 MB when each method was a label).
const METRICS_GROWTH_BOUND: usize = 64 * 1024;
/// Resident memory may grow by this much per service over the attack (measured: about 0.4 MiB
/// with fixed labels, 8.7 MiB for the gateway when each method was a label).
const RSS_GROWTH_BOUND_KIB: u64 = 4 * 1024;

/// Sends one request head on a fresh connection and reads the whole answer.
async fn raw(port: u16, head: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.write_all(head.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer within 10 s")
        .expect("read the answer");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

async fn metrics_len(url: &str) -> usize {
    let reply = reqwest::get(format!("{url}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(reply.status(), 200);
    reply.text().await.expect("metrics text").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn made_up_methods_are_refused_before_they_become_metric_labels() {
    let mut cluster = Cluster::start(&[
        ("RATE_LIMIT_PER_SECOND", "10000"),
        ("RATE_LIMIT_BURST", "10000"),
    ])
    .await;
    let targets = ["gateway", "inventory"];
    let mut before = Vec::new();
    for service in targets {
        // Warm up: the first requests allocate what every later one reuses.
        let (status, _) = raw(
            cluster.get(service).port(),
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(status, 200);
        let size = metrics_len(&cluster.url(service)).await;
        before.push((size, cluster.get(service).rss_kib()));
    }

    for i in 0..300 {
        let service = targets[i % 2];
        let method = format!("X{i:03}{}", "M".repeat(METHOD_LEN));
        let head =
            format!("{method} /api/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let (status, text) = raw(cluster.get(service).port(), &head).await;
        assert!(
            status == 405,
            "{service}: a made-up method must be refused, got {status}"
        );
        assert!(
            text.to_ascii_lowercase()
                .contains("content-type: application/problem+json"),
            "{service}: the refusal is problem+json: {}",
            &text[..text.len().min(300)]
        );
    }

    for (service, (size_before, rss_before)) in targets.into_iter().zip(before) {
        let size_after = metrics_len(&cluster.url(service)).await;
        let rss_after = cluster.get(service).rss_kib();
        assert!(
            size_after < size_before + METRICS_GROWTH_BOUND,
            "{service}: /metrics grew from {size_before} to {size_after} bytes"
        );
        assert!(
            rss_after < rss_before + RSS_GROWTH_BOUND_KIB,
            "{service}: resident memory grew from {rss_before} to {rss_after} KiB"
        );
    }
    // Known methods are still served.
    let admin = cluster.sign_up(Cluster::ADMIN_EMAIL).await;
    admin.get("/api/products").await.expect(200);
}

//! The gateway's rate limits are keyed on what an attacker cannot choose freely: the client
//! address, or the user id of a token whose signature checked out. Forged tokens with huge,
//! distinct subjects used to become one bucket each (+48 MB per 190 tokens, never freed).

use serde_json::json;
use testkit::{forge, process::Cluster, Api};

/// What the gateway may grow by while it refuses the forged tokens (allocator slack).
const GROWTH_BOUND_KIB: u64 = 8 * 1024;
/// The forged subjects add up to at least this much: six times the bound.
const ATTACK_BYTES: usize = 48 * 1024 * 1024;

/// A token that looks like ours but is signed by someone else, for `sub`.
fn forged(sub: &str) -> String {
    let exp = 4_102_444_800i64; // 2100-01-01
    forge::sign_with(
        [9; 32],
        "forged",
        &json!({"sub": sub, "role": "admin", "iss": "stockroom", "aud": "stockroom",
                "iat": 0, "exp": exp, "jti": "forged"}),
    )
}

/// `GET /api/orders` as the client at `address` with `token`; `None` if the connection
/// was refused outright (a head too large for the server).
async fn as_client(gw: &Api, address: &str, token: &str) -> Option<u16> {
    gw.request(reqwest::Method::GET, "/api/orders")
        .header("x-forwarded-for", address)
        .bearer_auth(token)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn forged_tokens_neither_get_buckets_nor_grow_the_gateway_and_users_keep_their_own_limit() {
    let cluster = Cluster::start(&[
        ("RATE_LIMIT_PER_SECOND", "1"),
        ("RATE_LIMIT_BURST", "20"),
        // The test talks from loopback, like a load balancer: each request names its client.
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        // As large as a default hyper server accepted when the attack was reproduced.
        ("HTTP_MAX_HEADER_BYTES", "400000"),
    ])
    .await;
    let gw = cluster.gateway();

    // One forged subject from many addresses is never limited: it has no bucket of its own.
    let same = forged("someone-else");
    for i in 0..30 {
        assert_eq!(
            as_client(&gw, &address(i), &same).await,
            Some(401),
            "a forged token meets only its address's bucket, then the service's 401"
        );
    }

    // The largest subject the servers accept, up to 200 KB.
    let mut size = 200 * 1024;
    while as_client(&gw, &address(100), &forged(&"p".repeat(size))).await != Some(401) {
        size = size * 3 / 4;
        assert!(size > 1024, "the gateway refuses even small tokens");
    }
    let count = (ATTACK_BYTES / size).clamp(200, 5000);
    let attack = |from: usize, n: usize| {
        let gw = gw.clone();
        async move {
            for chunk in (from..from + n).collect::<Vec<_>>().chunks(4) {
                let replies = futures::future::join_all(chunk.iter().map(|&i| {
                    let token = forged(&format!("{i:08}{}", "x".repeat(size)));
                    let gw = gw.clone();
                    async move { as_client(&gw, &address(1000 + i), &token).await }
                }))
                .await;
                assert!(replies.iter().all(|r| *r == Some(401)), "{replies:?}");
            }
        }
    };
    // The allocator settles on its working set first, so only lasting growth is measured.
    attack(0, 40).await;
    let before = cluster.procs["gateway"].rss_kib();
    attack(40, count).await;
    let after = cluster.procs["gateway"].rss_kib();
    let grown = after.saturating_sub(before);
    eprintln!(
        "{count} forged tokens with {size}-byte subjects ({} MiB): the gateway grew {grown} KiB",
        count * size / (1024 * 1024)
    );
    assert!(
        grown < GROWTH_BOUND_KIB,
        "the gateway grew by {grown} KiB (bound {GROWTH_BOUND_KIB} KiB)"
    );

    // A verified user is limited by its own bucket, whatever address it comes from.
    cluster.sign_up("limited@example.com").await;
    let token = user_token(&cluster, "limited@example.com").await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        statuses.push(as_client(&gw, &address(60_000 + i), &token).await);
    }
    assert!(
        statuses.contains(&Some(200)) && statuses.contains(&Some(429)),
        "the user's burst of 20 runs out: {statuses:?}"
    );
}

/// The access token of `email` (signed in through the gateway).
async fn user_token(cluster: &Cluster, email: &str) -> String {
    cluster
        .gateway()
        .post(
            "/api/auth/login",
            json!({"email": email, "password": Cluster::PASSWORD}),
        )
        .await
        .expect(200)
        .body["access_token"]
        .as_str()
        .expect("an access token")
        .to_string()
}

/// A client talking to the gateway directly cannot pick the address the services see: the
/// gateway used to append to the client's `X-Forwarded-For`, and auth, trusting the gateway,
/// read the client's own entry, so rotating it escaped auth's per-address sign-in limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn a_client_writing_x_forwarded_for_cannot_escape_the_per_address_sign_in_limit() {
    // Per address: four times the per-account limit of 2.
    const PER_ADDRESS: usize = 8;
    let cluster = Cluster::start_with(
        &[
            ("RATE_LIMIT_PER_SECOND", "100000"),
            ("RATE_LIMIT_BURST", "100000"),
            ("LOGIN_MAX_FAILURES", "2"),
        ],
        // The gateway is the edge (it trusts no proxy on loopback); auth trusts the gateway.
        &[("gateway", "TRUSTED_PROXIES", "192.0.2.0/24")],
    )
    .await;
    let gw = cluster.gateway();
    let mut statuses = Vec::new();
    for i in 0..PER_ADDRESS + 4 {
        // A different account each time, so only the address's limit can apply.
        let reply = gw
            .login_from(
                &format!("6.6.{}.{}", i / 256, i % 256),
                &format!("nobody{i}@example.com"),
                "guess guess",
            )
            .await;
        statuses.push(reply.status.as_u16());
    }
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        statuses[..PER_ADDRESS].iter().all(|s| *s == 401) && limited == 4,
        "every attempt counts against the one real address: {statuses:?}"
    );
}

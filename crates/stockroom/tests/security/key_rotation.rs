//! Signing-key rotation logs nobody out (issue 12, item 8): auth restarted with a new
//! `AUTH_SIGNING_KEY` and the old one in `AUTH_PREVIOUS_SIGNING_KEYS` publishes both, tokens
//! signed before keep working on every service, and new tokens carry the new key's id.

use std::time::{Duration, Instant};

use testkit::{process::Cluster, Api, TestSystem};

/// Waits until the service's `/readyz` answers 200: its signing keys are fetched, so no token
/// meets a verifier without keys (that refetch would hold back the one the rotation needs).
async fn ready(cluster: &Cluster, service: &str) {
    let url = format!("{}/readyz", cluster.url(service));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !reqwest::get(&url)
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "{service} never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
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
    let mut system = Cluster::start_with(&[], &[("auth", "AUTH_SIGNING_KEY", &old_key)]).await;
    for service in ["inventory", "orders", "gateway"] {
        ready(&system, service).await;
    }
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

    system.get("auth").kill();
    system
        .get("auth")
        .restart_with(&[
            ("AUTH_SIGNING_KEY", &new_key),
            ("AUTH_PREVIOUS_SIGNING_KEYS", &old_key),
        ])
        .await;
    let jwks = Api::new(system.url("auth"))
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

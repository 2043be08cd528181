//! Tokens are verified by other services through the shared crate: every forgery is 401.

use axum::{routing::get, Router};
use kernel::{
    auth::{AuthUser, TokenVerifier},
    testing::{spawn, Spawned},
};
use serde_json::json;
use testkit::{forge, Api, Svc, TestSystem};

/// A minimal "other service": it only verifies tokens, with auth's JWKS, like every service.
async fn probe(sys: &TestSystem) -> Spawned {
    let verifier = TokenVerifier::remote(
        &sys.config.common.auth_url,
        &sys.config.common.jwt_issuer,
        &sys.config.common.jwt_audience,
        reqwest::Client::new(),
    );
    let app = Router::new()
        .route(
            "/whoami",
            get(|user: AuthUser| async move {
                kernel::Json(json!({"sub": user.claims.sub, "role": user.claims.role}))
            }),
        )
        .with_state(verifier);
    spawn(kernel::server::wrap("probe", app, 1024)).await
}

async fn system() -> (TestSystem, Spawned, String) {
    let sys = TestSystem::start_with(&[Svc::Auth], |c| {
        c.auth.signing_key = Some(forge::seed_secret());
    })
    .await;
    let jwks = sys
        .api(Svc::Auth)
        .get("/.well-known/jwks.json")
        .await
        .expect(200);
    let kid = jwks.body["keys"][0]["kid"]
        .as_str()
        .expect("a kid")
        .to_string();
    assert_eq!(jwks.body["keys"][0]["alg"], "EdDSA");
    let probe = probe(&sys).await;
    (sys, probe, kid)
}

async fn whoami(probe: &Spawned, token: &str) -> testkit::Reply {
    Api::new(probe.url()).with_token(token).get("/whoami").await
}

#[tokio::test]
async fn a_real_token_is_accepted_by_another_service() {
    let (sys, probe, _) = system().await;
    let ana = sys.sign_up("ana").await;
    let reply = whoami(&probe, &ana.token).await.expect(200);
    assert_eq!(reply.body["sub"], ana.id);
    assert_eq!(reply.body["role"], "admin");
}

#[tokio::test]
async fn forged_expired_and_misaddressed_tokens_are_all_401() {
    let (sys, probe, kid) = system().await;
    let good = forge::claims(&sys, &uuid::Uuid::new_v4().to_string());
    // Sanity: the crafted token with the real key passes, so the failures below are meaningful.
    whoami(&probe, &forge::sign_with(forge::SEED, &kid, &good))
        .await
        .expect(200);
    let cases = forge::attacks(&kid, &good);
    for (name, token) in cases {
        let reply = whoami(&probe, &token).await;
        assert_eq!(
            reply.status.as_u16(),
            401,
            "{name} must be 401, got {}",
            reply.text
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{name}"
        );
    }
    Api::new(probe.url())
        .get("/whoami")
        .await
        .expect_problem(401);
}

#[tokio::test]
async fn services_keep_verifying_tokens_while_auth_is_down() {
    let (mut sys, probe, _) = system().await;
    let ana = sys.sign_up("ana").await;
    whoami(&probe, &ana.token).await.expect(200);
    sys.stop(Svc::Auth).await;
    whoami(&probe, &ana.token).await.expect(200);
}

#[tokio::test]
async fn a_service_that_never_reached_auth_answers_503_not_401() {
    let (mut sys, probe, _) = system().await;
    let ana = sys.sign_up("ana").await;
    sys.stop(Svc::Auth).await;
    let reply = whoami(&probe, &ana.token).await.expect_problem(503);
    assert!(reply.header("retry-after").is_some());
}

//! Tokens are verified by other services through the shared crate: every forgery is 401.

use axum::{routing::get, Router};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{pkcs8::EncodePrivateKey, SigningKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kernel::{
    auth::{AuthUser, TokenVerifier},
    config::Secret,
    testing::{spawn, Spawned},
};
use serde_json::{json, Value};
use testkit::{Api, Svc, TestSystem};

const SEED: [u8; 32] = [7; 32];

/// A minimal "other service": it only verifies tokens, with auth's JWKS, like every service.
async fn probe(sys: &TestSystem) -> Spawned {
    let verifier = TokenVerifier::remote(
        &sys.settings.auth_url,
        &sys.settings.jwt_issuer,
        &sys.settings.jwt_audience,
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
    let sys = TestSystem::start_with(&[Svc::Auth], |s| {
        s.signing_key = Some(Secret::new(URL_SAFE_NO_PAD.encode(SEED)));
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

fn claims(sys: &TestSystem) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": uuid::Uuid::new_v4().to_string(), "role": "admin", "iss": sys.settings.jwt_issuer,
           "aud": sys.settings.jwt_audience, "iat": now, "exp": now + 600, "jti": "t"})
}

fn sign_with(seed: [u8; 32], kid: &str, claims: &Value) -> String {
    let der = SigningKey::from_bytes(&seed).to_pkcs8_der().unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(der.as_bytes())).unwrap()
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
    let good = claims(&sys);
    // Sanity: the crafted token with the real key passes, so the failures below are meaningful.
    whoami(&probe, &sign_with(SEED, &kid, &good))
        .await
        .expect(200);

    let mut expired = good.clone();
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("another-system");
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("somebody-else");

    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
        b64(&good)
    );
    // Key confusion: HS256 keyed with the public key's bytes, as a naive verifier would accept.
    let public = SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    let hs256 =
        jsonwebtoken::encode(&hs_header, &good, &EncodingKey::from_secret(&public)).unwrap();
    let hs256_b64 = jsonwebtoken::encode(
        &hs_header,
        &good,
        &EncodingKey::from_secret(URL_SAFE_NO_PAD.encode(public).as_bytes()),
    )
    .unwrap();
    let tampered = {
        let customer = {
            let mut c = good.clone();
            c["role"] = json!("customer");
            sign_with(SEED, &kid, &c)
        };
        let parts: Vec<&str> = customer.split('.').collect();
        format!("{}.{}.{}", parts[0], b64(&good), parts[2])
    };

    let cases = [
        ("expired", sign_with(SEED, &kid, &expired)),
        ("wrong audience", sign_with(SEED, &kid, &wrong_aud)),
        ("wrong issuer", sign_with(SEED, &kid, &wrong_iss)),
        ("unknown kid", sign_with(SEED, "no-such-key", &good)),
        (
            "another key under the real kid",
            sign_with([9; 32], &kid, &good),
        ),
        ("alg none", alg_none),
        ("HS256 with the public key", hs256),
        ("HS256 with the public key as base64", hs256_b64),
        ("tampered payload", tampered),
        ("garbage", "not.a.token".to_string()),
    ];
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

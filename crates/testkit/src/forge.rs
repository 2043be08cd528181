//! Forged and misaddressed tokens for attack tests. With a known signing seed
//! (`AUTH_SIGNING_KEY`) tests can mint tokens that differ from a valid one in one way only.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{pkcs8::EncodePrivateKey, SigningKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::TestSystem;

/// The seed tests configure as auth's signing key.
pub const SEED: [u8; 32] = [7; 32];

pub fn seed_secret() -> kernel::config::Secret {
    kernel::config::Secret::new(URL_SAFE_NO_PAD.encode(SEED))
}

/// Valid claims for a new admin, as auth would issue them.
pub fn claims(sys: &TestSystem, sub: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "role": "admin", "iss": sys.config.common.jwt_issuer, "aud": sys.config.common.jwt_audience,
           "iat": now, "exp": now + 600, "jti": "forged"})
}

pub fn sign_with(seed: [u8; 32], kid: &str, claims: &Value) -> String {
    let der = SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .expect("encode a test key");
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(der.as_bytes()))
        .expect("sign a test token")
}

/// Every kind of bad token, named, each built from `good` claims and the real `kid`.
pub fn attacks(kid: &str, good: &Value) -> Vec<(&'static str, String)> {
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let public = SigningKey::from_bytes(&SEED).verifying_key().to_bytes();
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(kid.to_string());
    let hs = |secret: &[u8]| {
        jsonwebtoken::encode(&hs_header, good, &EncodingKey::from_secret(secret)).expect("sign")
    };
    let tampered = {
        let customer = sign_with(SEED, kid, &with("role", json!("customer")));
        let parts: Vec<&str> = customer.split('.').collect();
        format!("{}.{}.{}", parts[0], b64(good), parts[2])
    };
    vec![
        (
            "expired",
            sign_with(
                SEED,
                kid,
                &with("exp", json!(chrono::Utc::now().timestamp() - 120)),
            ),
        ),
        (
            "wrong audience",
            sign_with(SEED, kid, &with("aud", json!("another-system"))),
        ),
        (
            "wrong issuer",
            sign_with(SEED, kid, &with("iss", json!("somebody-else"))),
        ),
        ("unknown kid", sign_with(SEED, "no-such-key", good)),
        (
            "another key under the real kid",
            sign_with([9; 32], kid, good),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
                b64(good)
            ),
        ),
        ("HS256 keyed with the public key", hs(&public)),
        (
            "HS256 keyed with the public key as base64",
            hs(URL_SAFE_NO_PAD.encode(public).as_bytes()),
        ),
        ("tampered payload", tampered),
        ("garbage", "not.a.token".to_string()),
    ]
}

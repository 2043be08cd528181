//! Issuing tokens: signed access tokens and opaque refresh tokens (stored only as hashes).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, Header};
use kernel::{
    auth::{Claims, Role},
    AppError,
};
use sha2::{Digest, Sha256};

use crate::keys::Keys;

/// Signs an access token for `sub` with `role`, valid for `ttl_secs`.
pub fn access_token(
    keys: &Keys,
    config: &kernel::Config,
    sub: &str,
    role: Role,
    email: Option<&str>,
    ttl_secs: u64,
) -> Result<String, AppError> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: sub.to_string(),
        role,
        email: email.map(str::to_string),
        iss: config.jwt_issuer.clone(),
        aud: config.jwt_audience.clone(),
        iat: now,
        exp: now + ttl_secs as i64,
        jti: uuid::Uuid::now_v7().to_string(),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.kid.clone());
    jsonwebtoken::encode(&header, &claims, &keys.encoding).map_err(AppError::internal)
}

/// A new opaque refresh token (256 random bits).
pub fn refresh_token() -> String {
    use rand::Rng;
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Refresh tokens are stored as SHA-256: a leaked table cannot be replayed.
pub fn hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison for the client secret.
pub fn secrets_match(a: &str, b: &str) -> bool {
    let (ha, hb) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    ha.iter()
        .zip(hb.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

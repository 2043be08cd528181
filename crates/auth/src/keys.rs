//! Ed25519 signing keys. The current key signs; the JWKS also publishes the previous ones, so
//! tokens they signed stay valid until they expire and a rotation logs nobody out.
//!
//! The current key is `AUTH_SIGNING_KEY`, or one generated on first start and kept in the
//! auth database (so a restart keeps every issued token valid). Previous keys are
//! `AUTH_PREVIOUS_SIGNING_KEYS`, plus, from the database, the generated key a configured one
//! replaced, or the generated key retired last.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{pkcs8::EncodePrivateKey, SigningKey};
use jsonwebtoken::{
    jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse},
    Algorithm, DecodingKey, EncodingKey,
};
use kernel::{config::ConfigError, error::StartupError, AppError};

use crate::store::{AuthStore, StoredKey};

pub struct Keys {
    pub kid: String,
    pub encoding: EncodingKey,
    /// The current key first, then the previous ones.
    pub jwks: JwkSet,
}

type Seed = [u8; 32];

impl Keys {
    /// Loads the current key (creating one if this is the first start) and the previous ones.
    pub async fn load(store: &dyn AuthStore, config: &crate::Config) -> Result<Self, StartupError> {
        let (current, mut previous) = match &config.signing_key {
            Some(secret) => {
                let seed = configured_seed(secret.expose(), "AUTH_SIGNING_KEY")?;
                // Moving from a generated key to a configured one is a rotation too.
                let generated = store.active_signing_key().await?;
                (seed, generated.into_iter().collect::<Vec<_>>())
            }
            None => {
                let key = generated_key(store).await?;
                let predecessor = store.predecessor_signing_key().await?;
                (stored_seed(&key.seed)?, predecessor.into_iter().collect())
            }
        };
        let mut seeds = vec![current];
        for key in previous.drain(..) {
            seeds.push(stored_seed(&key.seed)?);
        }
        for secret in &config.previous_signing_keys {
            seeds.push(configured_seed(
                secret.expose(),
                "AUTH_PREVIOUS_SIGNING_KEYS",
            )?);
        }
        Ok(Self::from_seeds(&seeds)?)
    }

    /// Signs with the first seed; publishes all of them, each once.
    fn from_seeds(seeds: &[Seed]) -> Result<Self, AppError> {
        let first = seeds
            .first()
            .ok_or_else(|| AppError::internal("no signing key"))?;
        let signing = SigningKey::from_bytes(first);
        let der = signing.to_pkcs8_der().map_err(AppError::internal)?;
        let mut jwks = JwkSet { keys: Vec::new() };
        for seed in seeds {
            let jwk = public_jwk(seed)?;
            if !jwks
                .keys
                .iter()
                .any(|k| k.common.key_id == jwk.common.key_id)
            {
                jwks.keys.push(jwk);
            }
        }
        Ok(Self {
            kid: kid_for(first),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            jwks,
        })
    }
}

/// The generated key in the database, made now if there is none.
async fn generated_key(store: &dyn AuthStore) -> Result<StoredKey, AppError> {
    if let Some(key) = store.active_signing_key().await? {
        return Ok(key);
    }
    use rand::Rng;
    let seed: Seed = rand::rng().random();
    // Replicas starting together: the first insert wins, everyone loads it.
    store
        .insert_signing_key(&StoredKey {
            kid: kid_for(&seed),
            seed: URL_SAFE_NO_PAD.encode(seed),
        })
        .await?;
    store
        .active_signing_key()
        .await?
        .ok_or_else(|| AppError::internal("signing key vanished after insert"))
}

fn public_jwk(seed: &Seed) -> Result<Jwk, AppError> {
    let public = URL_SAFE_NO_PAD.encode(SigningKey::from_bytes(seed).verifying_key().to_bytes());
    let decoding = DecodingKey::from_ed_components(&public).map_err(AppError::internal)?;
    let mut jwk =
        Jwk::from_decoding_key(&decoding, Some(Algorithm::EdDSA)).map_err(AppError::internal)?;
    jwk.common.key_id = Some(kid_for(seed));
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(KeyAlgorithm::EdDSA);
    Ok(jwk)
}

fn decode_seed(text: &str) -> Option<Seed> {
    URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| Seed::try_from(bytes).ok())
}

fn configured_seed(text: &str, name: &'static str) -> Result<Seed, ConfigError> {
    decode_seed(text).ok_or_else(|| ConfigError {
        name,
        value: "<redacted>".into(),
        reason: "each key must be 32 bytes, base64url without padding; generate one with `openssl rand 32 | basenc --base64url | tr -d =`".into(),
    })
}

fn stored_seed(text: &str) -> Result<Seed, AppError> {
    decode_seed(text).ok_or_else(|| AppError::internal("a stored signing key is malformed"))
}

/// A key id derived from the key, so the same key always has the same id.
fn kid_for(seed: &Seed) -> String {
    use sha2::{Digest, Sha256};
    let public = SigningKey::from_bytes(seed).verifying_key().to_bytes();
    URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_seed_signs_and_every_distinct_seed_is_published_once() {
        let (a, b) = ([1u8; 32], [2u8; 32]);
        let keys = Keys::from_seeds(&[b, a, b]).unwrap();
        assert_eq!(keys.kid, kid_for(&b));
        let kids: Vec<_> = keys
            .jwks
            .keys
            .iter()
            .map(|k| k.common.key_id.clone().unwrap())
            .collect();
        assert_eq!(kids, [kid_for(&b), kid_for(&a)]);
    }

    /// The verifier remembers checked tokens; a remembered token still stops verifying once
    /// its key is no longer published, and a changed token is checked afresh.
    #[tokio::test]
    async fn a_remembered_token_is_refused_once_its_key_is_withdrawn() {
        let (old, new) = (
            Keys::from_seeds(&[[3u8; 32]]).unwrap(),
            Keys::from_seeds(&[[4u8; 32]]).unwrap(),
        );
        let config = kernel::Config::from_env(kernel::config::Mode::All).expect("defaults");
        let verifier = kernel::auth::TokenVerifier::local(&config.jwt_issuer, &config.jwt_audience);
        verifier.set_keys(&old.jwks);
        let token =
            crate::tokens::access_token(&old, &config, "u1", kernel::auth::Role::Staff, None, 60)
                .expect("a token");
        for _ in 0..2 {
            assert_eq!(verifier.verify(&token).await.expect("valid").sub, "u1");
        }
        // One signature character changed, well inside it (the last one carries padding bits).
        let at = token.len() - 10;
        let flipped = if &token[at..at + 1] == "A" { "B" } else { "A" };
        let forged = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
        assert!(
            verifier.verify(&forged).await.is_err(),
            "a changed signature is checked"
        );
        verifier.set_keys(&new.jwks);
        assert!(
            verifier.verify(&token).await.is_err(),
            "its key was withdrawn"
        );
    }

    #[test]
    fn a_malformed_configured_key_names_its_variable() {
        let err = configured_seed("not base64!", "AUTH_PREVIOUS_SIGNING_KEYS").unwrap_err();
        assert_eq!(err.name, "AUTH_PREVIOUS_SIGNING_KEYS");
        assert!(!err.to_string().contains("not base64"));
    }
}

//! The Ed25519 signing key: generated on first start and kept in the auth database (or given
//! as `AUTH_SIGNING_KEY`), so a restart keeps every issued token valid.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{pkcs8::EncodePrivateKey, SigningKey};
use jsonwebtoken::{
    jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse},
    Algorithm, DecodingKey, EncodingKey,
};
use kernel::{config::Secret, AppError};

use crate::store::Store;

pub struct Keys {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwks: JwkSet,
}

impl Keys {
    /// Loads the active key, creating one if this is the first start.
    pub async fn load(store: &Store, configured: Option<&Secret>) -> Result<Self, AppError> {
        let (kid, seed) = match configured {
            Some(secret) => {
                let seed = decode_seed(secret.expose())?;
                (kid_for(&seed), seed)
            }
            None => match store.active_signing_key().await? {
                Some((kid, seed)) => (kid, decode_seed(&seed)?),
                None => {
                    use rand::Rng;
                    let seed: [u8; 32] = rand::rng().random();
                    let kid = kid_for(&seed);
                    // Replicas starting together: the first insert wins, everyone loads it.
                    store
                        .insert_signing_key(&kid, &URL_SAFE_NO_PAD.encode(seed))
                        .await?;
                    let (kid, seed) = store
                        .active_signing_key()
                        .await?
                        .ok_or_else(|| AppError::internal("signing key vanished after insert"))?;
                    (kid, decode_seed(&seed)?)
                }
            },
        };
        Self::from_seed(kid, &seed)
    }

    fn from_seed(kid: String, seed: &[u8; 32]) -> Result<Self, AppError> {
        let signing = SigningKey::from_bytes(seed);
        let der = signing.to_pkcs8_der().map_err(AppError::internal)?;
        let encoding = EncodingKey::from_ed_der(der.as_bytes());
        let public = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
        let decoding = DecodingKey::from_ed_components(&public).map_err(AppError::internal)?;
        let mut jwk = Jwk::from_decoding_key(&decoding, Some(Algorithm::EdDSA))
            .map_err(AppError::internal)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::EdDSA);
        Ok(Self {
            kid,
            encoding,
            jwks: JwkSet { keys: vec![jwk] },
        })
    }
}

fn decode_seed(text: &str) -> Result<[u8; 32], AppError> {
    URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            AppError::internal("the signing key must be 32 bytes, base64url without padding")
        })
}

/// A key id derived from the key, so the same key always has the same id.
fn kid_for(seed: &[u8; 32]) -> String {
    use sha2::{Digest, Sha256};
    let public = SigningKey::from_bytes(seed).verifying_key().to_bytes();
    URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12])
}

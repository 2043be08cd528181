//! Access-token verification, done locally in every service with auth's public keys.
//!
//! A service's verifier fetches auth's JWKS when it starts and refreshes it in the background
//! (`JWKS_REFRESH_SECS`); the service is not ready until it knows keys. The last good JWKS is
//! kept on disk (`<data dir>/jwks-cache.json`, mode 0600) and loaded when auth cannot be
//! reached, so a service restarted while auth is down still verifies tokens. An unknown `kid`
//! triggers a refetch, at most once per [`REFETCH_INTERVAL`], so a flood of forged tokens
//! cannot hammer auth.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};
use jsonwebtoken::{jwk::JwkSet, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppError;

const REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// How soon the background refresh tries again after a failure, with and without keys.
const RETRY_WITH_KEYS: Duration = Duration::from_secs(10);
const RETRY_WITHOUT_KEYS: Duration = Duration::from_millis(500);
/// The file, in the data directory, holding the last JWKS fetched from auth.
pub const JWKS_CACHE_FILE: &str = "jwks-cache.json";

/// Who may do what. Ordered: admin ⊃ staff ⊃ customer. `service` is for `/internal/` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Staff,
    Customer,
    Service,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Customer => "customer",
            Role::Service => "service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "customer" => Some(Role::Customer),
            "service" => Some(Role::Service),
            _ => None,
        }
    }

    /// Staff rights: products, stock and every order.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }
}

/// The claims of every access token auth issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Clone, Debug)]
enum KeySource {
    /// Fetch `/.well-known/jwks.json` from this auth base URL.
    Remote(String),
    /// Keys handed over directly (auth verifying its own tokens, or a key file).
    Static,
}

#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    source: KeySource,
    keys: RwLock<HashMap<String, DecodingKey>>,
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    validation: Validation,
    http: reqwest::Client,
    /// Where the last good JWKS is kept across restarts, if anywhere.
    cache_file: Option<PathBuf>,
    /// The JWKS last written there, to skip rewriting an unchanged file.
    saved: Mutex<Option<String>>,
    /// Tokens whose signature, issuer and audience were checked, with their claims and key id.
    /// A client sends the same token with every request until it expires, and checking an
    /// Ed25519 signature was the largest cost of an order; a hit still checks `exp` and that
    /// its key is still published. Bounded: emptied when full and when the keys change.
    checked: Mutex<HashMap<String, (Claims, String)>>,
}

/// Tokens remembered as checked, at most.
const CHECKED_TOKENS: usize = 4096;

impl TokenVerifier {
    /// A verifier that fetches keys from auth at `auth_url` when a token needs them.
    pub fn remote(auth_url: &str, issuer: &str, audience: &str, http: reqwest::Client) -> Self {
        Self::build(
            KeySource::Remote(auth_url.trim_end_matches('/').to_string()),
            issuer,
            audience,
            http,
            None,
        )
    }

    /// The verifier a service uses: auth's keys, this deployment's issuer and audience, fetched
    /// now and every `jwks_refresh`, and kept in the data directory for restarts while auth is
    /// down. Pair it with [`crate::health::Check::signing_keys`].
    pub fn from_config(config: &crate::Config, http: reqwest::Client) -> Self {
        let verifier = Self::build(
            KeySource::Remote(config.auth_url.trim_end_matches('/').to_string()),
            &config.jwt_issuer,
            &config.jwt_audience,
            http,
            Some(config.data_dir.join(JWKS_CACHE_FILE)),
        );
        verifier.keep_fresh(config.jwks_refresh);
        verifier
    }

    /// A verifier whose keys are set with [`TokenVerifier::set_keys`].
    pub fn local(issuer: &str, audience: &str) -> Self {
        Self::build(
            KeySource::Static,
            issuer,
            audience,
            reqwest::Client::new(),
            None,
        )
    }

    fn build(
        source: KeySource,
        issuer: &str,
        audience: &str,
        http: reqwest::Client,
        cache_file: Option<PathBuf>,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            inner: Arc::new(Inner {
                source,
                keys: RwLock::new(HashMap::new()),
                last_fetch: tokio::sync::Mutex::new(None),
                validation,
                http,
                cache_file,
                saved: Mutex::new(None),
                checked: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Replaces the cached keys with those of `set`.
    pub fn set_keys(&self, set: &JwkSet) {
        let keys = set
            .keys
            .iter()
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
            .collect();
        if let Ok(mut guard) = self.inner.keys.write() {
            *guard = keys;
        }
        self.checked().clear();
    }

    fn checked(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Claims, String)>> {
        self.inner.checked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The claims of a token checked before, if it has not expired since and its key is
    /// still known.
    fn recheck(&self, token: &str) -> Option<Claims> {
        let (claims, kid) = self.checked().get(token).cloned()?;
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let leeway = self.inner.validation.leeway as i64;
        (claims.exp + leeway > now && self.key(&kid).is_some()).then_some(claims)
    }

    fn remember(&self, token: &str, claims: &Claims, kid: String) {
        let mut checked = self.checked();
        if checked.len() >= CHECKED_TOKENS {
            checked.clear();
        }
        checked.insert(token.to_string(), (claims.clone(), kid));
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.inner.keys.read().ok()?.get(kid).cloned()
    }

    /// True once keys are known (fetched or loaded from the disk cache): tokens can be verified.
    pub fn has_keys(&self) -> bool {
        self.inner
            .keys
            .read()
            .map(|k| !k.is_empty())
            .unwrap_or(false)
    }

    /// The auth service keys come from, for messages.
    pub fn source(&self) -> &str {
        match &self.inner.source {
            KeySource::Remote(base) => base,
            KeySource::Static => "local keys",
        }
    }

    /// Verifies signature, `alg`, `exp`, `iss` and `aud`. Every failure is 401, except auth
    /// being unreachable before any key was ever known, which is 503.
    pub async fn verify(&self, token: &str) -> Result<Claims, AppError> {
        if let Some(claims) = self.recheck(token) {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AppError::Unauthorized("the access token is malformed".into()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(AppError::Unauthorized(
                "the access token uses an algorithm that is not accepted".into(),
            ));
        }
        let kid = header
            .kid
            .ok_or_else(|| AppError::Unauthorized("the access token has no key id".into()))?;
        let key = match self.key(&kid) {
            Some(key) => key,
            None => {
                self.refetch().await?;
                self.key(&kid).ok_or_else(|| {
                    AppError::Unauthorized("the access token was signed with an unknown key".into())
                })?
            }
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &self.inner.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                AppError::Unauthorized(
                    match e.kind() {
                        ErrorKind::ExpiredSignature => "the access token has expired",
                        ErrorKind::InvalidAudience => {
                            "the access token is not meant for this service"
                        }
                        ErrorKind::InvalidIssuer => "the access token has an unknown issuer",
                        _ => "the access token is invalid",
                    }
                    .into(),
                )
            })?;
        self.remember(token, &claims, kid);
        Ok(claims)
    }

    /// Like [`TokenVerifier::verify`], keeping the token with its claims, for a layer that
    /// verifies before routing: put it in the request's extensions and [`AuthUser`] uses it
    /// instead of checking the signature again.
    pub async fn verified(&self, token: &str) -> Result<VerifiedToken, AppError> {
        let claims = self.verify(token).await?;
        Ok(VerifiedToken {
            token: token.to_string(),
            claims,
        })
    }

    /// A token with an unknown `kid`: fetch again, unless that was done a moment ago.
    async fn refetch(&self) -> Result<(), AppError> {
        if matches!(self.inner.source, KeySource::Static) {
            return Ok(());
        }
        let mut last = self.inner.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL) {
            return Ok(());
        }
        *last = Some(Instant::now());
        if !self.refresh().await && !self.has_keys() {
            // Let the next request try again rather than waiting out the interval.
            *last = None;
            return Err(AppError::Unavailable(
                "cannot verify tokens: the auth service is unreachable".into(),
            ));
        }
        Ok(())
    }

    /// Fetches the JWKS and keeps it (in memory and on disk). When auth cannot be reached and
    /// no key is known yet, falls back to the disk copy. True when fresh keys were fetched.
    async fn refresh(&self) -> bool {
        let KeySource::Remote(base) = &self.inner.source else {
            return true;
        };
        match self.fetch(base).await {
            Ok(set) if !set.keys.is_empty() => {
                self.set_keys(&set);
                self.save(&set).await;
                true
            }
            Ok(_) => {
                tracing::warn!(auth = %base, "auth published no signing keys");
                self.load_saved().await;
                false
            }
            Err(e) => {
                tracing::warn!(auth = %base, error = %e, "could not fetch signing keys from auth");
                self.load_saved().await;
                false
            }
        }
    }

    /// Refreshes now and then every `every`, retrying sooner after a failure, for as long as
    /// the verifier is in use. Outside a Tokio runtime, keys are only fetched on demand.
    fn keep_fresh(&self, every: Duration) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            while let Some(inner) = weak.upgrade() {
                let verifier = TokenVerifier { inner };
                let wait = if verifier.refresh().await {
                    every
                } else if verifier.has_keys() {
                    every.min(RETRY_WITH_KEYS)
                } else {
                    RETRY_WITHOUT_KEYS
                };
                // Not held while waiting: dropping the last verifier ends this task.
                drop(verifier);
                tokio::time::sleep(wait).await;
            }
        });
    }

    async fn fetch(&self, base: &str) -> Result<JwkSet, reqwest::Error> {
        let request = self
            .inner
            .http
            .get(format!("{base}/.well-known/jwks.json"))
            .timeout(Duration::from_secs(2));
        crate::context::apply(request)
            .send()
            .await?
            .error_for_status()?
            .json::<JwkSet>()
            .await
    }

    async fn save(&self, set: &JwkSet) {
        let Some(path) = self.inner.cache_file.clone() else {
            return;
        };
        let Ok(text) = serde_json::to_string(set) else {
            return;
        };
        let unchanged = self
            .inner
            .saved
            .lock()
            .map(|saved| saved.as_deref() == Some(text.as_str()))
            .unwrap_or(false);
        if unchanged {
            return;
        }
        let (file, bytes) = (path.clone(), text.clone().into_bytes());
        let written =
            tokio::task::spawn_blocking(move || crate::files::write_private_atomic(&file, &bytes))
                .await;
        match written {
            Ok(Ok(())) => {
                if let Ok(mut saved) = self.inner.saved.lock() {
                    *saved = Some(text);
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(path = %path.display(), error = %e, "could not keep the signing keys on disk")
            }
            Err(e) => tracing::warn!(error = %e, "keeping the signing keys on disk failed"),
        }
    }

    /// Loads the disk copy, only when no key is known: fresher keys in memory win.
    async fn load_saved(&self) {
        if self.has_keys() {
            return;
        }
        let Some(path) = &self.inner.cache_file else {
            return;
        };
        let Ok(bytes) = tokio::fs::read(path).await else {
            return;
        };
        match serde_json::from_slice::<JwkSet>(&bytes) {
            Ok(set) => {
                self.set_keys(&set);
                if self.has_keys() {
                    tracing::warn!(
                        path = %path.display(),
                        "auth is unreachable: verifying tokens with the signing keys kept on disk"
                    );
                }
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "the signing keys kept on disk are unreadable")
            }
        }
    }
}

/// A bearer token and the claims a [`TokenVerifier`] found it to carry. Only
/// [`TokenVerifier::verified`] makes one, and request extensions are set by server code only:
/// a client cannot send one.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    token: String,
    claims: Claims,
}

impl VerifiedToken {
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
}

/// The signed-in caller, extracted from `Authorization: Bearer …`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub claims: Claims,
    pub token: String,
}

impl AuthUser {
    pub fn role(&self) -> Role {
        self.claims.role
    }

    /// The user id; service tokens have none.
    pub fn user_id(&self) -> Result<uuid::Uuid, AppError> {
        uuid::Uuid::parse_str(&self.claims.sub)
            .map_err(|_| AppError::Forbidden("this endpoint is for signed-in users".into()))
    }

    pub fn require_staff(&self) -> Result<(), AppError> {
        if self.claims.role.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "this needs the staff or admin role".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.claims.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden("this needs the admin role".into()))
        }
    }

    pub fn require_service(&self) -> Result<(), AppError> {
        if self.claims.role == Role::Service {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "this endpoint is for services only".into(),
            ))
        }
    }

    /// A human user (not a service token).
    pub fn require_user(&self) -> Result<uuid::Uuid, AppError> {
        if self.claims.role == Role::Service {
            return Err(AppError::Forbidden(
                "this endpoint is for signed-in users".into(),
            ));
        }
        self.user_id()
    }
}

/// Reads the bearer token from the request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl<S> FromRequestParts<S> for AuthUser
where
    TokenVerifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .ok_or_else(|| {
                AppError::Unauthorized("sign in: this needs an Authorization: Bearer token".into())
            })?
            .to_string();
        // Verified earlier in this request (the gateway's rate limiter): once is enough.
        if let Some(verified) = parts.extensions.get::<VerifiedToken>() {
            if verified.token == token {
                let claims = verified.claims.clone();
                return Ok(AuthUser { claims, token });
            }
        }
        let claims = TokenVerifier::from_ref(state).verify(&token).await?;
        Ok(AuthUser { claims, token })
    }
}

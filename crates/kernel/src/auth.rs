//! Access-token verification, done locally in every service with auth's public keys.
//!
//! Keys come from auth's JWKS, fetched once and cached; an unknown `kid` triggers a refetch,
//! at most once per [`REFETCH_INTERVAL`], so a flood of forged tokens cannot hammer auth.
//! Once keys are cached, tokens keep verifying while auth is down.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
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
}

impl TokenVerifier {
    /// A verifier that fetches keys from auth at `auth_url`.
    pub fn remote(auth_url: &str, issuer: &str, audience: &str, http: reqwest::Client) -> Self {
        Self::build(
            KeySource::Remote(auth_url.trim_end_matches('/').to_string()),
            issuer,
            audience,
            http,
        )
    }

    /// The verifier a service uses: auth's keys, this deployment's issuer and audience.
    pub fn from_settings(settings: &crate::Settings, http: reqwest::Client) -> Self {
        Self::remote(
            &settings.auth_url,
            &settings.jwt_issuer,
            &settings.jwt_audience,
            http,
        )
    }

    /// A verifier whose keys are set with [`TokenVerifier::set_keys`].
    pub fn local(issuer: &str, audience: &str) -> Self {
        Self::build(KeySource::Static, issuer, audience, reqwest::Client::new())
    }

    fn build(source: KeySource, issuer: &str, audience: &str, http: reqwest::Client) -> Self {
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
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.inner.keys.read().ok()?.get(kid).cloned()
    }

    fn has_keys(&self) -> bool {
        self.inner
            .keys
            .read()
            .map(|k| !k.is_empty())
            .unwrap_or(false)
    }

    /// Verifies signature, `alg`, `exp`, `iss` and `aud`. Every failure is 401, except auth
    /// being unreachable before any key was ever fetched, which is 503.
    pub async fn verify(&self, token: &str) -> Result<Claims, AppError> {
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
        jsonwebtoken::decode::<Claims>(token, &key, &self.inner.validation)
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
            })
    }

    async fn refetch(&self) -> Result<(), AppError> {
        let KeySource::Remote(base) = &self.inner.source else {
            return Ok(());
        };
        let mut last = self.inner.last_fetch.lock().await;
        if last.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL) {
            return Ok(());
        }
        *last = Some(Instant::now());
        match self.fetch(base).await {
            Ok(set) => {
                self.set_keys(&set);
                Ok(())
            }
            Err(e) if !self.has_keys() => {
                // Let the next request try again rather than waiting out the interval.
                *last = None;
                tracing::warn!(error = %e, "could not fetch signing keys from auth");
                Err(AppError::Unavailable(
                    "cannot verify tokens: the auth service is unreachable".into(),
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not refresh signing keys from auth");
                Ok(())
            }
        }
    }

    async fn fetch(&self, base: &str) -> Result<JwkSet, reqwest::Error> {
        self.inner
            .http
            .get(format!("{base}/.well-known/jwks.json"))
            .timeout(Duration::from_secs(2))
            .send()
            .await?
            .error_for_status()?
            .json::<JwkSet>()
            .await
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
        let claims = TokenVerifier::from_ref(state).verify(&token).await?;
        Ok(AuthUser { claims, token })
    }
}

/// The `sub` of a token, unverified: only for bucketing (rate limits), never for access.
pub fn unverified_subject(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Sub {
        sub: String,
    }
    jsonwebtoken::dangerous::insecure_decode::<Sub>(token)
        .ok()
        .map(|d| d.claims.sub)
}

//! The auth service: users, roles, passwords, sessions (refresh tokens), service tokens and
//! the public signing keys every other service verifies tokens with.

mod bootstrap;
mod domain;
mod hashing;
mod keys;
mod limiter;
mod routes;
mod store;
mod tokens;

use std::sync::Arc;

use axum::{extract::FromRef, Router};
use kernel::{
    auth::TokenVerifier,
    error::StartupError,
    health::{self, Check},
    legacy::db::{Db, Migrations},
    Settings,
};

pub use domain::User;
pub use routes::openapi;

pub const SERVICE: &str = "auth";

// The same DDL suits both backends here, so one directory serves both.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
static MIGRATIONS: Migrations = Migrations {
    postgres: &MIGRATOR,
    sqlite: &MIGRATOR,
};

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AuthState {
    settings: Arc<Settings>,
    store: store::Store,
    keys: Arc<keys::Keys>,
    verifier: TokenVerifier,
    limits: Arc<limiter::Limits>,
    hasher: hashing::Hasher,
    /// Verified against for unknown emails, so both failures take the same time.
    dummy_hash: Arc<String>,
}

impl FromRef<AuthState> for TokenVerifier {
    fn from_ref(state: &AuthState) -> Self {
        state.verifier.clone()
    }
}

/// Connects to the database, migrates, loads the signing key and builds the router.
pub async fn build(
    settings: &Settings,
    database_url: &str,
    schema: &str,
) -> Result<Router, StartupError> {
    let db = Db::connect(
        database_url,
        schema,
        settings.db_max_connections,
        &MIGRATIONS,
    )
    .await?;
    let store = store::Store::new(db.clone());
    let keys = keys::Keys::load(&store, settings).await?;
    bootstrap::announce(&store, settings).await?;
    let verifier = TokenVerifier::local(&settings.jwt_issuer, &settings.jwt_audience);
    verifier.set_keys(&keys.jwks);
    let hasher = hashing::Hasher::new(settings.password_hash_queue);
    let dummy_hash = hasher.hash("a password nobody has".into()).await?;
    let state = AuthState {
        settings: Arc::new(settings.clone()),
        limits: Arc::new(limiter::Limits::new(store.clone(), settings)),
        store,
        keys: Arc::new(keys),
        verifier,
        hasher,
        dummy_hash: Arc::new(dummy_hash),
    };
    let app =
        routes::router(state).merge(health::routes(SERVICE, vec![Check::legacy_database(db)]));
    // The common limit, the one the gateway forwards up to: a smaller one here would answer
    // before the body is read, and the gateway would see a reset connection, not our 413.
    // Over-long fields are refused while parsing, without a copy (see `domain::Bounded`).
    Ok(kernel::server::wrap(
        SERVICE,
        app,
        kernel::server::BODY_LIMIT,
    ))
}

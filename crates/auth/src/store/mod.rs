//! Auth's storage: one trait, one implementation per backend, chosen when the service starts.
//!
//! PostgreSQL uses native `uuid`, `timestamptz` and `boolean` columns with queries checked at
//! compile time (`.sqlx/`); SQLite keeps ids and times as text (times in the fixed-width form
//! of `kernel::time::to_db`, so text order is time order) and reads them into the same types.
//! The rules both share (who becomes the first admin, who may stop being one) live here.

mod postgres;
mod sqlite;
#[cfg(test)]
mod tests;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use kernel::{auth::Role, db::Db, pagination::PageRequest, time::Timestamp, AppError, Result};
use uuid::Uuid;

use crate::domain::{Email, Name, User};

/// Everything auth keeps. Ids are `Uuid`, times `DateTime<Utc>`; token and password values
/// are already hashed when they get here.
#[async_trait]
pub trait AuthStore: Send + Sync {
    /// Creates a user, as the admin when `claim` holds; 409 when the email is taken.
    async fn register(&self, account: NewUser<'_>, claim: &AdminClaim) -> Result<User>;
    /// The user and password hash for a sign-in.
    async fn credentials(&self, email: &Email) -> Result<Option<Credentials>>;
    async fn user(&self, id: Uuid) -> Result<Option<User>>;
    /// Newest first: `page.fetch()` rows after `page.after`, of `filter`'s role and search.
    async fn users(&self, filter: &UserFilter, page: &PageRequest) -> Result<Vec<User>>;
    /// Applies an admin's changes; refuses to leave the system without an active admin.
    /// Disabling a user revokes its logins.
    async fn update_user(&self, id: Uuid, changes: UserChanges) -> Result<User>;

    /// Stores a refresh token (its hash) in the login `family`, valid for `ttl`.
    async fn insert_refresh(
        &self,
        hash: &str,
        family: Uuid,
        user: Uuid,
        ttl: Duration,
    ) -> Result<()>;
    /// Marks `old` used and stores `new` in the same login; a second use revokes the login.
    async fn rotate_refresh(&self, old: &str, new: &str, ttl: Duration) -> Result<Rotation>;
    /// Revokes the login the token belongs to; unknown tokens are ignored.
    async fn revoke_login(&self, hash: &str) -> Result<()>;

    async fn admin_exists(&self) -> Result<bool>;
    /// Keeps a new bootstrap token (its hash). Each replica's start adds its own, so the one
    /// an operator reads in any replica's log works.
    async fn insert_bootstrap_token(&self, hash: &str) -> Result<()>;
    /// Voids every bootstrap token: an admin exists, or ADMIN_EMAIL names who becomes one.
    async fn delete_bootstrap_tokens(&self) -> Result<()>;

    /// The generated key in use: the oldest that is not retired.
    async fn active_signing_key(&self) -> Result<Option<StoredKey>>;
    /// The key retired last: tokens it signed may still be out there, so it stays published.
    async fn predecessor_signing_key(&self) -> Result<Option<StoredKey>>;
    /// Keeps a generated key; a key with the same id already kept wins.
    async fn insert_signing_key(&self, key: &StoredKey) -> Result<()>;

    /// Counts one attempt under `key` and returns the new count, in one statement: two
    /// replicas or two requests counting at once each see a different number. A window that
    /// has ended starts again at 1.
    async fn count(&self, key: &str, window: Duration) -> Result<Count>;
    /// Takes back one counted attempt (it turned out not to be a failure).
    async fn uncount(&self, key: &str) -> Result<()>;
    async fn reset_count(&self, key: &str) -> Result<()>;
    /// Deletes counters whose window has ended: the table holds only live windows.
    async fn prune_counts(&self) -> Result<u64>;
}

/// The store for the backend `db` is on.
pub fn open(db: Db) -> Arc<dyn AuthStore> {
    match db {
        Db::Postgres(pool) => Arc::new(postgres::PgStore::new(pool)),
        Db::Sqlite(pool) => Arc::new(sqlite::SqliteStore::new(pool)),
    }
}

/// A registration, validated.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a Name,
    pub password_hash: &'a str,
}

/// A user and the hash their password is checked against.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// What presenting a refresh token led to.
pub enum Rotation {
    Rotated {
        user_id: Uuid,
    },
    /// The token had been used before: the whole login was revoked.
    Reused,
    Invalid,
}

/// Which users a list shows.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// Case-insensitive substring of the email or the name.
    pub q: Option<String>,
}

impl UserFilter {
    /// The `LIKE` pattern of the search text (lower case, wildcards taken literally).
    fn pattern(&self) -> Option<String> {
        self.q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| {
                let escaped = q
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            })
    }
}

/// The fields an admin may change.
#[derive(Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub name: Option<Name>,
}

/// A generated signing key: its id and its base64url seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: String,
    pub seed: String,
}

/// A key's count in its current window, the attempt just counted included.
#[derive(Debug)]
pub struct Count {
    pub hits: i64,
    pub window_ends: Timestamp,
}

/// How a registration may become the admin.
///
/// Every way goes through the one `bootstrap` row: whoever writes it first is the first
/// admin, and once it is written no claim makes another. Two concurrent claims on PostgreSQL
/// queue on that primary key (the second waits for the first to commit or roll back), and on
/// SQLite the write lock is taken by the very first statement, so neither backend can make
/// two admins.
#[derive(Debug)]
pub enum AdminClaim {
    /// `all`: the first account of an empty system is the admin.
    FirstUser,
    /// `serve` with `ADMIN_EMAIL`, and this is that email: the admin only while none exists.
    ConfiguredEmail,
    /// `serve`: the SHA-256 of a bootstrap token the registrant presented.
    Token(String),
    /// An ordinary customer.
    None,
}

/// The statements a claim needs, run inside the registration's transaction (so a claim is
/// undone when the account cannot be created). Each backend's transaction implements them.
#[async_trait]
trait ClaimSteps: Send {
    /// Writes the one `bootstrap` row naming `user`; false when it was written before.
    async fn write_bootstrap(&mut self, user: Uuid) -> Result<bool>;
    async fn any_admin(&mut self) -> Result<bool>;
    /// Deletes every bootstrap token if `hash` is one of them, and says whether it was.
    async fn take_bootstrap_tokens(&mut self, hash: &str) -> Result<bool>;
}

impl AdminClaim {
    /// The new account's role.
    async fn role(&self, steps: &mut impl ClaimSteps, user: Uuid) -> Result<Role> {
        match self {
            // After the first admin, ADMIN_EMAIL is an ordinary address: whoever registers it
            // later (the admin may have used another) must not become a second admin.
            Self::FirstUser | Self::ConfiguredEmail => Ok(if first_admin(steps, user).await? {
                Role::Admin
            } else {
                Role::Customer
            }),
            Self::Token(hash) => {
                // Every token goes with the first claim, so each works once and only one admin
                // is made. Concurrent claims queue on the rows; the later one finds none left.
                let claimed = steps.take_bootstrap_tokens(hash).await?;
                if !claimed || !first_admin(steps, user).await? {
                    return Err(AppError::Forbidden(
                        "the bootstrap token is unknown or was already used; register without it to get a customer account".into(),
                    ));
                }
                Ok(Role::Admin)
            }
            Self::None => Ok(Role::Customer),
        }
    }
}

/// Whether `user` is the first admin: it wrote the `bootstrap` row, and no admin exists
/// (deployments from before every admin claim wrote that row may have one without it).
async fn first_admin(steps: &mut impl ClaimSteps, user: Uuid) -> Result<bool> {
    Ok(steps.write_bootstrap(user).await? && !steps.any_admin().await?)
}

/// What `changes` make of `current`: its role and disabled flag, and whether it thereby stops
/// being an active admin (allowed only while another active admin exists).
struct Outcome {
    role: Role,
    disabled: bool,
    loses_admin: bool,
}

impl UserChanges {
    fn outcome(&self, current: &User) -> Outcome {
        let role = self.role.unwrap_or(current.role);
        let disabled = self.disabled.unwrap_or(current.disabled);
        Outcome {
            role,
            disabled,
            loses_admin: current.role == Role::Admin
                && !current.disabled
                && (role != Role::Admin || disabled),
        }
    }
}

fn last_admin() -> AppError {
    AppError::conflict(
        "last-admin",
        "Last admin",
        "this is the last active admin: make another user admin first",
    )
}

fn duplicate_email() -> AppError {
    AppError::conflict(
        "duplicate-email",
        "Email taken",
        "an account with this email already exists",
    )
}

fn no_user() -> AppError {
    AppError::NotFound("no user with this id".into())
}

/// A stored role; anything else is a broken row, not a client error.
fn stored_role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| AppError::internal(format!("stored role {text:?}")))
}

fn expiry(now: Timestamp, ttl: Duration) -> Result<Timestamp> {
    Ok(now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?)
}

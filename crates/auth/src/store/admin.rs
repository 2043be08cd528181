//! Who becomes the first admin: the first registrant (`all`), the configured email, or the
//! holder of a one-time bootstrap token (`serve`).

use kernel::{auth::Role, time::now_db, AppError, Result};

use super::Store;

/// How a registration may become the admin.
pub enum AdminClaim {
    /// `all`: the first account of an empty system is the admin.
    FirstUser,
    /// `serve` with `ADMIN_EMAIL`, and this is that email.
    ConfiguredEmail,
    /// `serve`: the SHA-256 of a bootstrap token the registrant presented.
    Token(String),
    /// An ordinary customer.
    None,
}

pub(super) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl AdminClaim {
    /// The new account's role, decided inside the registration's transaction so a claim is
    /// undone when the account cannot be created.
    pub(super) async fn role(&self, tx: &mut Tx<'_>, user_id: &str) -> Result<Role> {
        match self {
            Self::FirstUser => {
                let first = sqlx::query(
                    "INSERT INTO bootstrap (id, first_user_id) VALUES (1, $1)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(user_id)
                .execute(&mut **tx)
                .await?
                .rows_affected()
                    == 1;
                Ok(if first { Role::Admin } else { Role::Customer })
            }
            Self::ConfiguredEmail => Ok(Role::Admin),
            Self::Token(hash) => {
                // Every token goes with the first claim, so each works once and only one admin
                // is made. Concurrent claims queue on the rows; the later one finds none left.
                let claimed = sqlx::query(
                    "DELETE FROM admin_bootstrap_tokens
                     WHERE EXISTS (SELECT 1 FROM admin_bootstrap_tokens WHERE token_hash = $1)
                     RETURNING token_hash",
                )
                .bind(hash)
                .fetch_all(&mut **tx)
                .await?;
                if claimed.is_empty() {
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

impl Store {
    pub async fn admin_exists(&self) -> Result<bool> {
        let row = sqlx::query("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Keeps a new bootstrap token (its hash). Each replica's start adds its own, so the one
    /// an operator reads in any replica's log works.
    pub async fn insert_bootstrap_token(&self, hash: &str) -> Result<()> {
        sqlx::query("INSERT INTO admin_bootstrap_tokens (token_hash, created_at) VALUES ($1, $2)")
            .bind(hash)
            .bind(now_db())
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Voids every bootstrap token: an admin exists, or ADMIN_EMAIL names who becomes one.
    pub async fn delete_bootstrap_tokens(&self) -> Result<()> {
        sqlx::query("DELETE FROM admin_bootstrap_tokens")
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }
}

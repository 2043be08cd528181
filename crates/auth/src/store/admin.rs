//! Who becomes the first admin: the first registrant (`all`), the configured email, or the
//! holder of a one-time bootstrap token (`serve`). Every way goes through the one `bootstrap`
//! row: whoever writes it first is the first admin, and once it is written no claim makes
//! another. Two concurrent claims on PostgreSQL queue on that primary key (the second waits
//! for the first to commit or roll back), and on SQLite the write lock is taken by the very
//! first statement, so neither backend can make two admins.

use kernel::{auth::Role, time::now_db, AppError, Result};

use super::Store;

/// How a registration may become the admin.
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

pub(super) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

impl AdminClaim {
    /// The new account's role, decided inside the registration's transaction so a claim is
    /// undone when the account cannot be created.
    pub(super) async fn role(&self, tx: &mut Tx<'_>, user_id: &str) -> Result<Role> {
        match self {
            // After the first admin, ADMIN_EMAIL is an ordinary address: whoever registers it
            // later (the admin may have used another) must not become a second admin.
            Self::FirstUser | Self::ConfiguredEmail => Ok(if first_admin(tx, user_id).await? {
                Role::Admin
            } else {
                Role::Customer
            }),
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
                if claimed.is_empty() || !first_admin(tx, user_id).await? {
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

/// Whether `user_id` is the first admin: it wrote the `bootstrap` row, and no admin exists
/// (deployments from before every admin claim wrote that row may have one without it).
async fn first_admin(tx: &mut Tx<'_>, user_id: &str) -> Result<bool> {
    let won = sqlx::query(
        "INSERT INTO bootstrap (id, first_user_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !won {
        return Ok(false);
    }
    let admin = sqlx::query("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    Ok(admin.is_none())
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

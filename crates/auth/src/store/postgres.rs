//! Auth on PostgreSQL: native types, queries checked at compile time against `.sqlx/`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{error::is_unique_violation, pagination::PageRequest, Result};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::{
    duplicate_email, expiry, last_admin, no_user, stored_role, AdminClaim, AuthStore, ClaimSteps,
    Count, Credentials, NewUser, Rotation, StoredKey, UserChanges, UserFilter,
};
use crate::domain::{Email, User};
use kernel::auth::Role;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = kernel::AppError;

    fn try_from(row: UserRow) -> Result<Self> {
        Ok(User {
            id: row.id,
            email: Email::from_stored(row.email),
            name: row.name,
            role: stored_role(&row.role)?,
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

#[async_trait]
impl AuthStore for PgStore {
    async fn register(&self, account: NewUser<'_>, claim: &AdminClaim) -> Result<User> {
        let id = Uuid::now_v7();
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        let role = claim.role(&mut tx, id).await?;
        let inserted = sqlx::query_as!(
            UserRow,
            "INSERT INTO users (id, email, name, role, password_hash, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, false, $6, $6)
             RETURNING id, email, name, role, disabled, created_at",
            id,
            account.email.as_str(),
            account.name.as_str(),
            role.as_str(),
            account.password_hash,
            now,
        )
        .fetch_one(&mut *tx)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => return Err(duplicate_email()),
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        row.try_into()
    }

    async fn credentials(&self, email: &Email) -> Result<Option<Credentials>> {
        let row = sqlx::query!(
            "SELECT id, email, name, role, disabled, created_at, password_hash
             FROM users WHERE email = $1",
            email.as_str(),
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let user = UserRow {
                id: r.id,
                email: r.email,
                name: r.name,
                role: r.role,
                disabled: r.disabled,
                created_at: r.created_at,
            };
            Ok(Credentials {
                user: user.try_into()?,
                password_hash: r.password_hash,
            })
        })
        .transpose()
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        sqlx::query_as!(
            UserRow,
            "SELECT id, email, name, role, disabled, created_at FROM users WHERE id = $1",
            id,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(User::try_from)
        .transpose()
    }

    async fn users(&self, filter: &UserFilter, page: &PageRequest) -> Result<Vec<User>> {
        sqlx::query_as!(
            UserRow,
            "SELECT id, email, name, role, disabled, created_at FROM users
             WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2::uuid))
               AND ($4::text IS NULL OR role = $4)
               AND ($5::text IS NULL OR lower(email) LIKE $5 OR lower(name) LIKE $5)
             ORDER BY created_at DESC, id DESC
             LIMIT $3",
            page.after_time(),
            page.after_id(),
            page.fetch(),
            filter.role.map(Role::as_str),
            filter.pattern(),
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect()
    }

    async fn update_user(&self, id: Uuid, changes: UserChanges) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let current: User = sqlx::query_as!(
            UserRow,
            "SELECT id, email, name, role, disabled, created_at FROM users WHERE id = $1",
            id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(no_user)?
        .try_into()?;
        let outcome = changes.outcome(&current);
        if outcome.loses_admin {
            // The active admins are locked, in id order, so two admins demoting each other at
            // once queue up (no deadlock) and the second sees the first's change.
            let admins = sqlx::query_scalar!(
                "SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE"
            )
            .fetch_all(&mut *tx)
            .await?;
            if !admins.iter().any(|admin| *admin != id) {
                return Err(last_admin());
            }
        }
        let now = Utc::now();
        let name = changes.name.map_or(current.name, |n| n.as_str().to_owned());
        let row = sqlx::query_as!(
            UserRow,
            "UPDATE users SET role = $2, disabled = $3, name = $4, updated_at = $5 WHERE id = $1
             RETURNING id, email, name, role, disabled, created_at",
            id,
            outcome.role.as_str(),
            outcome.disabled,
            name,
            now,
        )
        .fetch_one(&mut *tx)
        .await?;
        if outcome.disabled {
            sqlx::query!(
                "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
                id,
                now,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        row.try_into()
    }

    async fn insert_refresh(
        &self,
        hash: &str,
        family: Uuid,
        user: Uuid,
        ttl: Duration,
    ) -> Result<()> {
        let now = Utc::now();
        sqlx::query!(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            hash,
            family,
            user,
            expiry(now, ttl)?,
            now,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn rotate_refresh(&self, old: &str, new: &str, ttl: Duration) -> Result<Rotation> {
        let now = Utc::now();
        let expires = expiry(now, ttl)?;
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query!(
            "UPDATE refresh_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
             RETURNING family_id, user_id",
            old,
            now,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(login) = claimed {
            sqlx::query!(
                "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
                new,
                login.family_id,
                login.user_id,
                expires,
                now,
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Rotation::Rotated {
                user_id: login.user_id,
            });
        }
        let known = sqlx::query!(
            "SELECT family_id, used_at FROM refresh_tokens WHERE token_hash = $1",
            old,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match known {
            Some(token) if token.used_at.is_some() => {
                revoke_family(&mut tx, token.family_id, now).await?;
                Rotation::Reused
            }
            _ => Rotation::Invalid,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn revoke_login(&self, hash: &str) -> Result<()> {
        sqlx::query!(
            "UPDATE refresh_tokens SET revoked_at = $2
             WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
               AND revoked_at IS NULL",
            hash,
            Utc::now(),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn admin_exists(&self) -> Result<bool> {
        Ok(any_admin(&self.pool).await?)
    }

    async fn insert_bootstrap_token(&self, hash: &str) -> Result<()> {
        sqlx::query!(
            "INSERT INTO admin_bootstrap_tokens (token_hash, created_at) VALUES ($1, $2)",
            hash,
            Utc::now(),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_bootstrap_tokens(&self) -> Result<()> {
        sqlx::query!("DELETE FROM admin_bootstrap_tokens")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn active_signing_key(&self) -> Result<Option<StoredKey>> {
        Ok(sqlx::query_as!(
            StoredKey,
            "SELECT kid, seed FROM signing_keys WHERE retired_at IS NULL
             ORDER BY created_at, kid LIMIT 1"
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn predecessor_signing_key(&self) -> Result<Option<StoredKey>> {
        Ok(sqlx::query_as!(
            StoredKey,
            "SELECT kid, seed FROM signing_keys WHERE retired_at IS NOT NULL
             ORDER BY retired_at DESC, kid LIMIT 1"
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn insert_signing_key(&self, key: &StoredKey) -> Result<()> {
        sqlx::query!(
            "INSERT INTO signing_keys (kid, seed, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (kid) DO NOTHING",
            key.kid,
            key.seed,
            Utc::now(),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn count(&self, key: &str, window: Duration) -> Result<Count> {
        let now = Utc::now();
        Ok(sqlx::query_as!(
            Count,
            "INSERT INTO rate_counters (key, hits, window_ends) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN rate_counters.window_ends <= $3 THEN 1
                           ELSE rate_counters.hits + 1 END,
               window_ends = CASE WHEN rate_counters.window_ends <= $3 THEN $2
                                  ELSE rate_counters.window_ends END
             RETURNING hits, window_ends",
            key,
            expiry(now, window)?,
            now,
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn uncount(&self, key: &str) -> Result<()> {
        sqlx::query!(
            "UPDATE rate_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0",
            key,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn reset_count(&self, key: &str) -> Result<()> {
        sqlx::query!("DELETE FROM rate_counters WHERE key = $1", key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn prune_counts(&self) -> Result<u64> {
        let done = sqlx::query!(
            "DELETE FROM rate_counters WHERE window_ends <= $1",
            Utc::now(),
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

async fn revoke_family(
    tx: &mut Transaction<'_, Postgres>,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        family,
        now,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn any_admin(executor: impl sqlx::PgExecutor<'_>) -> std::result::Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS "exists!""#)
        .fetch_one(executor)
        .await
}

#[async_trait]
impl ClaimSteps for Transaction<'_, Postgres> {
    async fn write_bootstrap(&mut self, user: Uuid) -> Result<bool> {
        let written = sqlx::query!(
            "INSERT INTO bootstrap (id, first_user_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            user,
        )
        .execute(&mut **self)
        .await?;
        Ok(written.rows_affected() == 1)
    }

    async fn any_admin(&mut self) -> Result<bool> {
        Ok(any_admin(&mut **self).await?)
    }

    async fn take_bootstrap_tokens(&mut self, hash: &str) -> Result<bool> {
        let taken = sqlx::query!(
            "DELETE FROM admin_bootstrap_tokens
             WHERE EXISTS (SELECT 1 FROM admin_bootstrap_tokens WHERE token_hash = $1)",
            hash,
        )
        .execute(&mut **self)
        .await?;
        Ok(taken.rows_affected() > 0)
    }
}

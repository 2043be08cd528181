//! Auth on SQLite: the typed driver with `FromRow` rows. Ids are stored as hyphenated UUID
//! text, times as `kernel::time::to_db` text (read back as `DateTime<Utc>`), the disabled
//! flag as 0/1. The pool has one connection, so every transaction is serial.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{error::is_unique_violation, pagination::PageRequest, time::to_db, Result};
use sqlx::{Sqlite, SqlitePool, Transaction};
use uuid::{fmt::Hyphenated, Uuid};

use super::{
    duplicate_email, expiry, last_admin, no_user, stored_role, AdminClaim, AuthStore, ClaimSteps,
    Count, Credentials, NewUser, Rotation, StoredKey, UserChanges, UserFilter,
};
use crate::domain::{Email, User};
use kernel::auth::Role;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub fn new(pool: SqlitePool) -> Self {
        Self { pool }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Hyphenated,
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
            id: row.id.into_uuid(),
            email: Email::from_stored(row.email),
            name: row.name,
            role: stored_role(&row.role)?,
            disabled: row.disabled,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    family_id: Hyphenated,
    user_id: Hyphenated,
}

#[derive(sqlx::FromRow)]
struct UsedRow {
    family_id: Hyphenated,
    used_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    seed: String,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    hits: i64,
    window_ends: DateTime<Utc>,
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn register(&self, account: NewUser<'_>, claim: &AdminClaim) -> Result<User> {
        let id = Uuid::now_v7();
        let now = to_db(Utc::now());
        let mut tx = self.pool.begin().await?;
        let role = claim.role(&mut tx, id).await?;
        let inserted = sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (id, email, name, role, password_hash, disabled, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)
             RETURNING id, email, name, role, disabled, created_at",
        )
        .bind(id.hyphenated())
        .bind(account.email.as_str())
        .bind(account.name.as_str())
        .bind(role.as_str())
        .bind(account.password_hash)
        .bind(&now)
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
        let row = sqlx::query_as::<_, CredentialsRow>(
            "SELECT id, email, name, role, disabled, created_at, password_hash
             FROM users WHERE email = ?1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Credentials {
                user: r.user.try_into()?,
                password_hash: r.password_hash,
            })
        })
        .transpose()
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>> {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, name, role, disabled, created_at FROM users WHERE id = ?1",
        )
        .bind(id.hyphenated())
        .fetch_optional(&self.pool)
        .await?
        .map(User::try_from)
        .transpose()
    }

    async fn users(&self, filter: &UserFilter, page: &PageRequest) -> Result<Vec<User>> {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, name, role, disabled, created_at FROM users
             WHERE (?1 IS NULL OR (created_at, id) < (?1, ?2))
               AND (?4 IS NULL OR role = ?4)
               AND (?5 IS NULL OR lower(email) LIKE ?5 ESCAPE '\\' OR lower(name) LIKE ?5 ESCAPE '\\')
             ORDER BY created_at DESC, id DESC
             LIMIT ?3",
        )
        .bind(page.after_time().map(to_db))
        .bind(page.after_id().map(Uuid::hyphenated))
        .bind(page.fetch())
        .bind(filter.role.map(Role::as_str))
        .bind(filter.pattern())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect()
    }

    async fn update_user(&self, id: Uuid, changes: UserChanges) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let current: User = sqlx::query_as::<_, UserRow>(
            "SELECT id, email, name, role, disabled, created_at FROM users WHERE id = ?1",
        )
        .bind(id.hyphenated())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(no_user)?
        .try_into()?;
        let outcome = changes.outcome(&current);
        if outcome.loses_admin {
            // One connection: nobody else changes the admins while this transaction runs.
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?1",
            )
            .bind(id.hyphenated())
            .fetch_one(&mut *tx)
            .await?;
            if others == 0 {
                return Err(last_admin());
            }
        }
        let now = to_db(Utc::now());
        let name = changes.name.map_or(current.name, |n| n.as_str().to_owned());
        let row = sqlx::query_as::<_, UserRow>(
            "UPDATE users SET role = ?2, disabled = ?3, name = ?4, updated_at = ?5 WHERE id = ?1
             RETURNING id, email, name, role, disabled, created_at",
        )
        .bind(id.hyphenated())
        .bind(outcome.role.as_str())
        .bind(outcome.disabled)
        .bind(name)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        if outcome.disabled {
            sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
            )
            .bind(id.hyphenated())
            .bind(&now)
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
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(hash)
        .bind(family.hyphenated())
        .bind(user.hyphenated())
        .bind(to_db(expiry(now, ttl)?))
        .bind(to_db(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn rotate_refresh(&self, old: &str, new: &str, ttl: Duration) -> Result<Rotation> {
        let now = Utc::now();
        let expires = to_db(expiry(now, ttl)?);
        let now = to_db(now);
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query_as::<_, LoginRow>(
            "UPDATE refresh_tokens SET used_at = ?2
             WHERE token_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2
             RETURNING family_id, user_id",
        )
        .bind(old)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(login) = claimed {
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(new)
            .bind(login.family_id)
            .bind(login.user_id)
            .bind(&expires)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Rotation::Rotated {
                user_id: login.user_id.into_uuid(),
            });
        }
        let known = sqlx::query_as::<_, UsedRow>(
            "SELECT family_id, used_at FROM refresh_tokens WHERE token_hash = ?1",
        )
        .bind(old)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match known {
            Some(token) if token.used_at.is_some() => {
                revoke_family(&mut tx, token.family_id, &now).await?;
                Rotation::Reused
            }
            _ => Rotation::Invalid,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn revoke_login(&self, hash: &str) -> Result<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ?2
             WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ?1)
               AND revoked_at IS NULL",
        )
        .bind(hash)
        .bind(to_db(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn admin_exists(&self) -> Result<bool> {
        Ok(any_admin(&self.pool).await?)
    }

    async fn insert_bootstrap_token(&self, hash: &str) -> Result<()> {
        sqlx::query("INSERT INTO admin_bootstrap_tokens (token_hash, created_at) VALUES (?1, ?2)")
            .bind(hash)
            .bind(to_db(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_bootstrap_tokens(&self) -> Result<()> {
        sqlx::query("DELETE FROM admin_bootstrap_tokens")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn active_signing_key(&self) -> Result<Option<StoredKey>> {
        let row = sqlx::query_as::<_, KeyRow>(
            "SELECT kid, seed FROM signing_keys WHERE retired_at IS NULL
             ORDER BY created_at, kid LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(KeyRow::into_key))
    }

    async fn predecessor_signing_key(&self) -> Result<Option<StoredKey>> {
        let row = sqlx::query_as::<_, KeyRow>(
            "SELECT kid, seed FROM signing_keys WHERE retired_at IS NOT NULL
             ORDER BY retired_at DESC, kid LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(KeyRow::into_key))
    }

    async fn insert_signing_key(&self, key: &StoredKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, seed, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (kid) DO NOTHING",
        )
        .bind(&key.kid)
        .bind(&key.seed)
        .bind(to_db(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn count(&self, key: &str, window: Duration) -> Result<Count> {
        let now = Utc::now();
        let row = sqlx::query_as::<_, CountRow>(
            "INSERT INTO rate_counters (key, hits, window_ends) VALUES (?1, 1, ?2)
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN rate_counters.window_ends <= ?3 THEN 1
                           ELSE rate_counters.hits + 1 END,
               window_ends = CASE WHEN rate_counters.window_ends <= ?3 THEN ?2
                                  ELSE rate_counters.window_ends END
             RETURNING hits, window_ends",
        )
        .bind(key)
        .bind(to_db(expiry(now, window)?))
        .bind(to_db(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(Count {
            hits: row.hits,
            window_ends: row.window_ends,
        })
    }

    async fn uncount(&self, key: &str) -> Result<()> {
        sqlx::query("UPDATE rate_counters SET hits = hits - 1 WHERE key = ?1 AND hits > 0")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn reset_count(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM rate_counters WHERE key = ?1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn prune_counts(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM rate_counters WHERE window_ends <= ?1")
            .bind(to_db(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

impl KeyRow {
    fn into_key(self) -> StoredKey {
        StoredKey {
            kid: self.kid,
            seed: self.seed,
        }
    }
}

async fn revoke_family(
    tx: &mut Transaction<'_, Sqlite>,
    family: Hyphenated,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL",
    )
    .bind(family)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn any_admin(
    executor: impl sqlx::SqliteExecutor<'_>,
) -> std::result::Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin')")
        .fetch_one(executor)
        .await
}

#[async_trait]
impl ClaimSteps for Transaction<'_, Sqlite> {
    async fn write_bootstrap(&mut self, user: Uuid) -> Result<bool> {
        let written = sqlx::query(
            "INSERT INTO bootstrap (id, first_user_id) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(user.hyphenated())
        .execute(&mut **self)
        .await?;
        Ok(written.rows_affected() == 1)
    }

    async fn any_admin(&mut self) -> Result<bool> {
        Ok(any_admin(&mut **self).await?)
    }

    async fn take_bootstrap_tokens(&mut self, hash: &str) -> Result<bool> {
        let taken = sqlx::query(
            "DELETE FROM admin_bootstrap_tokens
             WHERE EXISTS (SELECT 1 FROM admin_bootstrap_tokens WHERE token_hash = ?1)",
        )
        .bind(hash)
        .execute(&mut **self)
        .await?;
        Ok(taken.rows_affected() > 0)
    }
}

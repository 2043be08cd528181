//! Auth's storage. The queries are plain SQL that SQLite and PostgreSQL both accept.

mod admin;
mod counters;
mod signing_keys;

use kernel::{
    auth::Role,
    error::is_unique_violation,
    legacy::db::{Backend, Db},
    time::{from_db, now_db, to_db},
    AppError, Result,
    {legacy::pagination::PageQuery, pagination::PageRequest},
};
use sqlx::{any::AnyRow, Row};
use uuid::Uuid;

use crate::domain::User;

pub use admin::AdminClaim;

#[derive(Clone)]
pub struct Store {
    db: Db,
}

/// What presenting a refresh token led to.
pub enum Rotation {
    Rotated {
        user_id: String,
    },
    /// The token had been used before: the whole login was revoked.
    Reused,
    Invalid,
}

/// The fields an admin may change.
#[derive(Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub name: Option<String>,
}

const USER_COLUMNS: &str = "id, email, name, role, disabled, created_at";

fn user(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: Uuid::parse_str(row.try_get::<&str, _>("id")?).map_err(AppError::internal)?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: Role::parse(&role)
            .ok_or_else(|| AppError::internal(format!("stored role {role:?}")))?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}

impl Store {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Creates a user, as the admin when `claim` holds.
    pub async fn register(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        claim: AdminClaim,
    ) -> Result<User> {
        let id = Uuid::now_v7().to_string();
        let now = now_db();
        let mut tx = self.db.pool.begin().await?;
        let role = claim.role(&mut tx, &id).await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO users (id, email, name, role, password_hash, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING {USER_COLUMNS}"
        ))
        .bind(&id)
        .bind(email)
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                return Err(AppError::conflict(
                    "duplicate-email",
                    "Email taken",
                    "an account with this email already exists",
                ))
            }
            Err(e) => return Err(e.into()),
        };
        tx.commit().await?;
        user(&row)
    }

    /// The user and password hash for a login.
    pub async fn credentials(&self, email: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| Ok((user(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// Newest first.
    pub async fn users(&self, page: &PageRequest) -> Result<Vec<User>> {
        let (sql, args) =
            PageQuery::default().finish(&format!("SELECT {USER_COLUMNS} FROM users"), "", page);
        let rows = args.bind(&sql).fetch_all(&self.db.pool).await?;
        rows.iter().map(user).collect()
    }

    /// Applies an admin's changes; refuses to leave the system without an active admin.
    pub async fn update_user(&self, id: &str, changes: UserChanges) -> Result<User> {
        let mut tx = self.db.pool.begin().await?;
        let current = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(user)
            .transpose()?
            .ok_or_else(|| AppError::NotFound("no user with this id".into()))?;
        let role = changes.role.unwrap_or(current.role);
        let disabled = changes.disabled.unwrap_or(current.disabled);
        let loses_admin =
            current.role == Role::Admin && !current.disabled && (role != Role::Admin || disabled);
        if loses_admin {
            // On PostgreSQL the active admins are locked, in id order, so two admins demoting
            // each other at once queue up (no deadlock) and the second sees the first's change.
            let lock = match self.db.backend {
                Backend::Postgres => " FOR UPDATE",
                Backend::Sqlite => "",
            };
            let admins = sqlx::query(&format!(
                "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 ORDER BY id{lock}"
            ))
            .fetch_all(&mut *tx)
            .await?;
            let others = admins
                .iter()
                .filter(|r| r.try_get::<&str, _>("id").is_ok_and(|a| a != id))
                .count();
            if others == 0 {
                return Err(AppError::conflict(
                    "last-admin",
                    "Last admin",
                    "this is the last active admin: make another user admin first",
                ));
            }
        }
        let row = sqlx::query(&format!(
            "UPDATE users SET role = $2, disabled = $3, name = $4, updated_at = $5 WHERE id = $1
             RETURNING {USER_COLUMNS}"
        ))
        .bind(id)
        .bind(role.as_str())
        .bind(disabled as i64)
        .bind(changes.name.unwrap_or(current.name))
        .bind(now_db())
        .fetch_one(&mut *tx)
        .await?;
        if disabled {
            sqlx::query("UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(now_db())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        user(&row)
    }

    pub async fn insert_refresh(
        &self,
        hash: &str,
        family: &str,
        user_id: &str,
        ttl: std::time::Duration,
    ) -> Result<()> {
        let now = chrono::Utc::now();
        let expires = now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash)
        .bind(family)
        .bind(user_id)
        .bind(to_db(expires))
        .bind(to_db(now))
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// Marks `old` used and stores `new` in the same login; a second use revokes the login.
    pub async fn rotate_refresh(
        &self,
        old: &str,
        new: &str,
        ttl: std::time::Duration,
    ) -> Result<Rotation> {
        let now = chrono::Utc::now();
        let expires = to_db(now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?);
        let now = to_db(now);
        let mut tx = self.db.pool.begin().await?;
        let claimed = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
             RETURNING family_id, user_id",
        )
        .bind(old)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = claimed {
            let family: String = row.try_get("family_id")?;
            let user_id: String = row.try_get("user_id")?;
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(new)
            .bind(&family)
            .bind(&user_id)
            .bind(&expires)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Rotation::Rotated { user_id });
        }
        let known =
            sqlx::query("SELECT family_id, used_at FROM refresh_tokens WHERE token_hash = $1")
                .bind(old)
                .fetch_optional(&mut *tx)
                .await?;
        let outcome = match known {
            Some(row) if row.try_get::<Option<String>, _>("used_at")?.is_some() => {
                let family: String = row.try_get("family_id")?;
                revoke_family(&mut tx, &family, &now).await?;
                Rotation::Reused
            }
            _ => Rotation::Invalid,
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Revokes the login the token belongs to; unknown tokens are ignored.
    pub async fn revoke_login(&self, hash: &str) -> Result<()> {
        let mut tx = self.db.pool.begin().await?;
        let family = sqlx::query("SELECT family_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = family {
            revoke_family(&mut tx, row.try_get("family_id")?, &now_db()).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn revoke_family(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    family: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

//! Attempt counters over fixed windows, shared by every replica through the database.

use std::time::Duration;

use kernel::{
    time::{from_db, now_db, to_db, Timestamp},
    AppError, Result,
};
use sqlx::Row;

use super::Store;

/// A key's count in its current window, the attempt just counted included.
pub struct Count {
    pub hits: i64,
    pub window_ends: Timestamp,
}

impl Store {
    /// Counts one attempt under `key` and returns the new count, in one statement: two
    /// replicas or two requests counting at once each see a different number. A window that
    /// has ended starts again at 1.
    pub async fn count(&self, key: &str, window: Duration) -> Result<Count> {
        let now = chrono::Utc::now();
        let ends = now + chrono::Duration::from_std(window).map_err(AppError::internal)?;
        let row = sqlx::query(
            "INSERT INTO rate_counters (key, hits, window_ends) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN rate_counters.window_ends <= $3 THEN 1
                           ELSE rate_counters.hits + 1 END,
               window_ends = CASE WHEN rate_counters.window_ends <= $3 THEN $2
                                  ELSE rate_counters.window_ends END
             RETURNING hits, window_ends",
        )
        .bind(key)
        .bind(to_db(ends))
        .bind(to_db(now))
        .fetch_one(&self.db.pool)
        .await?;
        Ok(Count {
            hits: row.try_get("hits")?,
            window_ends: from_db(row.try_get("window_ends")?)?,
        })
    }

    /// Takes back one counted attempt (it turned out not to be a failure).
    pub async fn uncount(&self, key: &str) -> Result<()> {
        sqlx::query("UPDATE rate_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0")
            .bind(key)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    pub async fn reset_count(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM rate_counters WHERE key = $1")
            .bind(key)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Deletes counters whose window has ended: the table holds only live windows.
    pub async fn prune_counts(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM rate_counters WHERE window_ends <= $1")
            .bind(now_db())
            .execute(&self.db.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

//! Database pools and migrations for both backends.
//!
//! Each service has a store trait with one implementation per backend on sqlx's typed drivers
//! (native `uuid`, `timestamptz` and `boolean` on PostgreSQL, queries checked at compile time);
//! this module opens the one pool a service gets and runs its migrations. SQLite gets a single
//! connection: the embedded shape is for one machine, and one writer makes every transaction
//! serial without `SQLITE_BUSY` retries.

use std::{str::FromStr, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Executor, PgPool, SqlitePool,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A service's one pool, created at start; the service picks its store implementation from it.
#[derive(Clone, Debug)]
pub enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// The two migration sets of a service (`migrations/postgres`, `migrations/sqlite`).
pub struct Migrations {
    pub postgres: &'static Migrator,
    pub sqlite: &'static Migrator,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("invalid schema name {0:?}: use lower-case letters, digits and _")]
    BadSchema(String),
    #[error("could not create or restrict {0} to this user: {1}")]
    DataDir(String, std::io::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Connects, creates the schema (PostgreSQL) or file (SQLite) if missing, and migrates.
    pub async fn connect(
        url: &str,
        schema: &str,
        max_connections: u32,
        migrations: &Migrations,
    ) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            let pool = connect_sqlite(url).await?;
            migrations.sqlite.run(&pool).await?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = connect_postgres(url, schema, max_connections).await?;
            migrations.postgres.run(&pool).await?;
            Ok(Self::Postgres(pool))
        } else {
            Err(DbError::UnsupportedUrl(url.to_string()))
        }
    }

    /// [`Db::connect`] for a service's configured database, with the common pool size.
    pub async fn open(
        common: &crate::Config,
        database: &crate::config::Database,
        migrations: &Migrations,
    ) -> Result<Self, DbError> {
        Self::connect(
            database.url.expose(),
            &database.schema,
            common.db_max_connections,
            migrations,
        )
        .await
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// `SELECT 1`, for readiness.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self {
            Self::Postgres(pool) => pool.execute("SELECT 1").await.map(|_| ()),
            Self::Sqlite(pool) => pool.execute("SELECT 1").await.map(|_| ()),
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Postgres(pool) => pool.close().await,
            Self::Sqlite(pool) => pool.close().await,
        }
    }
}

/// The path of a `sqlite:` URL, without its query (`None` for an in-memory database).
fn sqlite_path(url: &str) -> Option<&str> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty() && !path.starts_with(':')).then_some(path)
}

async fn connect_sqlite(url: &str) -> Result<SqlitePool, DbError> {
    let on_disk = sqlite_path(url);
    if let Some(path) = on_disk {
        prepare_private_file(std::path::Path::new(path))?;
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?;
    if let Some(path) = on_disk {
        // SQLite gives `-wal` and `-shm` the database's mode; files from older versions
        // may have been created wider, so all three are tightened.
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            crate::files::restrict_file(std::path::Path::new(&file))
                .map_err(|e| DbError::DataDir(file, e))?;
        }
    }
    Ok(pool)
}

/// A pooled PostgreSQL connection idle longer than this is checked before it is used.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

async fn connect_postgres(url: &str, schema: &str, max: u32) -> Result<PgPool, DbError> {
    if schema.is_empty()
        || !schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(DbError::BadSchema(schema.to_string()));
    }
    let options = PgConnectOptions::from_str(url)?;
    ensure_schema(&options, schema).await?;
    // Set per connection in the start-up packet: no extra round trip, and the compile-time
    // checked queries name tables unqualified, as they were prepared.
    let options = options.options([("search_path", schema)]);
    Ok(PgPoolOptions::new()
        .max_connections(max.max(1))
        .acquire_timeout(Duration::from_secs(3))
        // sqlx pings every connection it hands out: a round trip before every statement. A
        // connection in steady use is known to work; one idle a while (the database may have
        // restarted meanwhile) is still checked, and replaced if dead.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_BEFORE_PING {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await?)
}

/// Makes the database file's directory owner-only (0700), new or existing, and creates the file
/// itself empty with mode 0600 before SQLite opens it: SQLite would create it with the process
/// umask (often 0644). An existing file is tightened after the pool opens.
fn prepare_private_file(path: &std::path::Path) -> Result<(), DbError> {
    let failed = |e| DbError::DataDir(path.display().to_string(), e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::files::create_private_dir(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(failed(e)),
    }
}

/// Creates the schema unless it exists. Checked first: a role that owns its schema but may
/// not create schemas in the database must still start.
async fn ensure_schema(options: &PgConnectOptions, schema: &str) -> Result<(), sqlx::Error> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = options.connect().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let created = conn
            .execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str())
            .await;
        // Two replicas starting together may race; the loser sees a duplicate and carries on.
        if let Err(e) = created {
            if !crate::error::is_unique_violation(&e) {
                return Err(e);
            }
        }
    }
    conn.close().await
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::connect_sqlite;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn sqlite_files_and_their_directory_are_readable_by_the_owner_only() {
        let dir = std::env::temp_dir()
            .join("stockroom-tests")
            .join(uuid::Uuid::new_v4().simple().to_string())
            .join("data");
        let file = dir.join("svc.db");
        let db = connect_sqlite(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        // A write makes SQLite create the -wal and -shm files.
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(mode(&dir), 0o700);
        let files = ["", "-wal", "-shm"]
            .map(|suffix| std::path::PathBuf::from(format!("{}{suffix}", file.display())));
        for path in &files {
            assert!(path.exists(), "{} exists", path.display());
            assert_eq!(mode(path), 0o600, "{}", path.display());
        }
        db.close().await;

        // A directory and files left readable by others (an older version, a copied backup)
        // are tightened when the database is opened again.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Closing removed -wal and -shm; the database file stays.
        for path in files.iter().filter(|p| p.exists()) {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let db = connect_sqlite(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        assert_eq!(mode(&dir), 0o700, "an existing directory is tightened");
        for path in files.iter().filter(|p| p.exists()) {
            assert_eq!(mode(path), 0o600, "{}", path.display());
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(dir.parent().unwrap());
    }
}

//! Database pools and migrations for both backends.
//!
//! Every service runs the same queries on SQLite and PostgreSQL through sqlx's `Any` driver;
//! the few dialect differences live in each service's store module, keyed on [`Backend`].
//! SQLite gets a single connection: the embedded shape is for one machine, and one writer
//! makes every transaction serial without `SQLITE_BUSY` retries.

use std::{str::FromStr, sync::Once, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    AnyPool, Executor,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A service's one pool, created at start.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
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

static DRIVERS: Once = Once::new();

impl Db {
    /// Connects, creates the schema (PostgreSQL) or file (SQLite) if missing, and migrates.
    pub async fn connect(
        url: &str,
        schema: &str,
        max_connections: u32,
        migrations: &Migrations,
    ) -> Result<Self, DbError> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let db = if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, schema, max_connections).await?
        } else {
            return Err(DbError::UnsupportedUrl(url.to_string()));
        };
        let migrator = match db.backend {
            Backend::Sqlite => migrations.sqlite,
            Backend::Postgres => migrations.postgres,
        };
        migrator.run(&db.pool).await?;
        Ok(db)
    }

    async fn connect_sqlite(url: &str) -> Result<Self, DbError> {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or(path);
        let on_disk = !path.is_empty() && !path.starts_with(':');
        if on_disk {
            prepare_private_file(std::path::Path::new(path))?;
        }
        let url = if url.contains('?') {
            url.to_string()
        } else {
            format!("{url}?mode=rwc")
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = NORMAL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 5000",
                    ] {
                        conn.execute(pragma).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if on_disk {
            // SQLite gives `-wal` and `-shm` the database's mode; files from older versions
            // may have been created wider, so all three are tightened.
            for suffix in ["", "-wal", "-shm"] {
                let file = format!("{path}{suffix}");
                crate::files::restrict_file(std::path::Path::new(&file))
                    .map_err(|e| DbError::DataDir(file, e))?;
            }
        }
        Ok(Self {
            pool,
            backend: Backend::Sqlite,
        })
    }

    async fn connect_postgres(url: &str, schema: &str, max: u32) -> Result<Self, DbError> {
        if schema.is_empty()
            || !schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(DbError::BadSchema(schema.to_string()));
        }
        let options = AnyConnectOptions::from_str(url)?;
        ensure_schema(&options, schema).await?;
        let set_path = format!("SET search_path TO {schema}");
        let pool = AnyPoolOptions::new()
            .max_connections(max.max(1))
            .acquire_timeout(Duration::from_secs(3))
            .after_connect(move |conn, _| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    conn.execute(set_path.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            backend: Backend::Postgres,
        })
    }

    /// `SELECT 1`, for readiness.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
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
async fn ensure_schema(options: &AnyConnectOptions, schema: &str) -> Result<(), sqlx::Error> {
    use sqlx::{ConnectOptions, Connection, Row};
    let mut conn = options.connect().await?;
    let exists = sqlx::query("SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = $1")
        .bind(schema)
        .fetch_one(&mut conn)
        .await?
        .try_get::<i64, _>("n")?
        > 0;
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

/// Numbered parameters for queries whose shape depends on the request (filters).
/// sqlx's `QueryBuilder` writes `?` for `Any`, which PostgreSQL does not accept.
#[derive(Default, Debug)]
pub struct Args {
    values: Vec<Arg>,
}

#[derive(Debug)]
enum Arg {
    Text(String),
    Int(i64),
}

impl Args {
    /// Adds a text parameter and returns its placeholder (`$n`).
    pub fn text(&mut self, value: impl Into<String>) -> String {
        self.values.push(Arg::Text(value.into()));
        format!("${}", self.values.len())
    }

    /// Adds an integer parameter and returns its placeholder (`$n`).
    pub fn int(&mut self, value: i64) -> String {
        self.values.push(Arg::Int(value));
        format!("${}", self.values.len())
    }

    /// Binds the parameters, in order, to a query built with their placeholders.
    pub fn bind(self, sql: &str) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        self.values
            .into_iter()
            .fold(sqlx::query(sql), |q, arg| match arg {
                Arg::Text(s) => q.bind(s),
                Arg::Int(i) => q.bind(i),
            })
    }
}

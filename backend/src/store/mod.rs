//! Storage: SQLite (the embedded default) or PostgreSQL (many nodes), through one sqlx `Any`
//! pool. Queries are written once in the SQL both engines accept (`$n` parameters, integers
//! for flags and times); the schema has one migration folder per engine. All SQL of the
//! server lives in this module.

pub mod activations;
pub mod admins;
pub mod app_passwords;
pub mod applications;
pub mod audit;
pub mod audit_page;
pub mod challenges;
pub mod columns;
pub mod config;
pub mod console_admins;
pub mod credentials;
pub mod devices;
pub mod directory;
pub mod hardware_tokens;
pub mod lockouts;
pub mod nodes;
pub mod notify;
pub mod one_time_codes;
pub mod portal_links;
pub mod portal_sessions;
pub mod radius_states;
pub mod rate_limits;
pub mod reports;
pub mod sent_codes;
pub mod sign_in;
pub mod state;
pub mod transaction;
pub mod user_search;
pub mod users;
pub mod web_sessions;
pub mod writer;

use std::sync::Once;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use crate::error::Error;

/// Which database the pool speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite's group-commit writer ([`writer`]); None on PostgreSQL.
    writer: Option<writer::Writer>,
}

/// (version, description, SQL) per engine, applied in order.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "push challenges",
        include_str!("../../migrations/sqlite/0002_push.sql"),
    ),
    (
        3,
        "escalating lockouts",
        include_str!("../../migrations/sqlite/0003_lockout_escalation.sql"),
    ),
    (
        4,
        "admin tokens and admin ids in the audit log",
        include_str!("../../migrations/sqlite/0004_admin_audit.sql"),
    ),
    (
        5,
        "shared rate limits",
        include_str!("../../migrations/sqlite/0005_rate_limits.sql"),
    ),
    (
        6,
        "hardware tokens",
        include_str!("../../migrations/sqlite/0006_hardware_tokens.sql"),
    ),
    (
        7,
        "app passwords and one-time codes",
        include_str!("../../migrations/sqlite/0007_app_passwords_and_codes.sql"),
    ),
    (
        8,
        "a default method per user",
        include_str!("../../migrations/sqlite/0008_default_method.sql"),
    ),
    (
        9,
        "text-message and voice codes",
        include_str!("../../migrations/sqlite/0009_sent_codes.sql"),
    ),
    (
        10,
        "users from the directory",
        include_str!("../../migrations/sqlite/0010_directory.sql"),
    ),
    (
        11,
        "RADIUS challenge states",
        include_str!("../../migrations/sqlite/0011_radius_states.sql"),
    ),
    (
        12,
        "the web console: console admins and their sessions",
        include_str!("../../migrations/sqlite/0012_web_console.sql"),
    ),
    (
        13,
        "the self-service portal: portal links and sessions",
        include_str!("../../migrations/sqlite/0013_portal.sql"),
    ),
    (
        14,
        "the cluster's nodes and their heartbeats",
        include_str!("../../migrations/sqlite/0014_nodes.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "push challenges",
        include_str!("../../migrations/postgres/0002_push.sql"),
    ),
    (
        3,
        "escalating lockouts",
        include_str!("../../migrations/postgres/0003_lockout_escalation.sql"),
    ),
    (
        4,
        "admin tokens and admin ids in the audit log",
        include_str!("../../migrations/postgres/0004_admin_audit.sql"),
    ),
    (
        5,
        "shared rate limits",
        include_str!("../../migrations/postgres/0005_rate_limits.sql"),
    ),
    (
        6,
        "hardware tokens",
        include_str!("../../migrations/postgres/0006_hardware_tokens.sql"),
    ),
    (
        7,
        "app passwords and one-time codes",
        include_str!("../../migrations/postgres/0007_app_passwords_and_codes.sql"),
    ),
    (
        8,
        "a default method per user",
        include_str!("../../migrations/postgres/0008_default_method.sql"),
    ),
    (
        9,
        "text-message and voice codes",
        include_str!("../../migrations/postgres/0009_sent_codes.sql"),
    ),
    (
        10,
        "users from the directory",
        include_str!("../../migrations/postgres/0010_directory.sql"),
    ),
    (
        11,
        "RADIUS challenge states",
        include_str!("../../migrations/postgres/0011_radius_states.sql"),
    ),
    (
        12,
        "the web console: console admins and their sessions",
        include_str!("../../migrations/postgres/0012_web_console.sql"),
    ),
    (
        13,
        "the self-service portal: portal links and sessions",
        include_str!("../../migrations/postgres/0013_portal.sql"),
    ),
    (
        14,
        "the cluster's nodes and their heartbeats",
        include_str!("../../migrations/postgres/0014_nodes.sql"),
    ),
];

/// An arbitrary constant: the advisory lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x0074_776f_666f_6c64;

impl Store {
    /// Connects and applies any migrations not yet applied.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(url, &config::StoreConfig::default()).await
    }

    /// [`Self::connect`] with the `[store]` settings.
    pub async fn connect_with(url: &str, settings: &config::StoreConfig) -> Result<Self, Error> {
        let synchronous = settings.synchronous.pragma();
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            // After a PostgreSQL restart every idle connection is dead: each is pinged before
            // it is handed out (sqlx's default, stated because availability depends on it), a
            // dead one is dropped and a new one opened, so the node recovers by itself.
            // A SQLite connection is a thread of this process on a local file: its ping is
            // one more round trip to that thread per checkout and finds nothing (issue 17).
            .test_before_acquire(backend == Backend::Postgres);
        let options = if backend == Backend::Sqlite {
            options.after_connect(move |conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers work while one writer commits; the busy timeout makes
                    // concurrent writers wait for each other instead of failing.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    // In WAL mode NORMAL is safe against a killed process (what "no
                    // acknowledged work is lost" needs); only a power cut can drop the last
                    // commits, whose codes expire within the TOTP window anyway. FULL
                    // survives that too (`[store] synchronous`, store/config.rs).
                    conn.execute(synchronous).await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(url).await?;
        let writer = (backend == Backend::Sqlite).then(|| writer::Writer::spawn(pool.clone()));
        let store = Self {
            pool,
            backend,
            writer,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), Error> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let result = self.apply_migrations(&mut conn).await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    async fn apply_migrations(&self, conn: &mut sqlx::AnyConnection) -> Result<(), Error> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL)",
        )
        .await?;
        let migrations = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        for (version, description, sql) in migrations {
            let applied: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&mut *conn)
                    .await?;
            if applied.is_some() {
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(|e| {
                Error::Migration(format!("migration {version} ({description}): {e}"))
            })?;
            sqlx::query("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)")
                .bind(*version)
                .bind(*description)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version, description, "applied database migration");
        }
        Ok(())
    }
}

/// A round trip to the database, for health checks.
pub async fn ping(store: &Store) -> Result<(), Error> {
    sqlx::query("SELECT 1").execute(store.pool()).await?;
    Ok(())
}

/// True when `err` is a unique-constraint violation (a duplicate name).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// True when `err` says the database cannot be reached or is shutting down or starting up,
/// rather than that a query was wrong: the caller answers 503 and may retry. SQLSTATE class
/// 08 is "connection exception", 57P01..57P03 are admin/crash shutdown and "cannot connect
/// now" (PostgreSQL, Appendix A).
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

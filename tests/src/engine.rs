//! The two storage engines and what a test needs from each: a fresh database, and a dump of
//! it made by the engine's own tool (`sqlite3 .dump`, `pg_dump`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::Connection;

use crate::error::Error;
use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        })
    }
}

/// The test PostgreSQL, when the test command started one (`TWOFOLD_TEST_POSTGRES_URL`).
/// An error when `TWOFOLD_REQUIRE_POSTGRES` is set without it: a suite that must cover both
/// engines fails rather than skips.
pub fn postgres_url() -> Result<Option<String>> {
    match std::env::var("TWOFOLD_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Ok(Some(url)),
        _ if std::env::var_os("TWOFOLD_REQUIRE_POSTGRES").is_some() => Err(Error::new(
            "TWOFOLD_REQUIRE_POSTGRES is set but TWOFOLD_TEST_POSTGRES_URL is not",
        )),
        _ => Ok(None),
    }
}

/// The engines to run on: SQLite always, PostgreSQL when available (see [`postgres_url`]).
pub fn engines() -> Result<Vec<Engine>> {
    let mut engines = vec![Engine::Sqlite];
    if postgres_url()?.is_some() {
        engines.push(Engine::Postgres);
    }
    Ok(engines)
}

/// Where a server keeps its data.
#[derive(Debug, Clone)]
pub enum Database {
    /// The SQLite file in the server's data directory.
    Sqlite(PathBuf),
    /// A database of its own on the test PostgreSQL.
    Postgres(String),
}

/// Creates an empty database of its own on the test PostgreSQL ([`postgres_url`]) and returns
/// its URL: every test, in process or not, starts from nothing and leaves the others alone.
/// An error when there is no test PostgreSQL.
pub async fn fresh_postgres_database() -> Result<String> {
    let base_url = postgres_url()?
        .ok_or_else(|| Error::new("no test PostgreSQL (TWOFOLD_TEST_POSTGRES_URL)"))?;
    let bytes: [u8; 8] = crate::device::random()?;
    let name = format!(
        "t_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let mut conn = sqlx::PgConnection::connect(&base_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let (prefix, _) = base_url
        .rsplit_once('/')
        .ok_or_else(|| Error::new(format!("{base_url} has no database name")))?;
    Ok(format!("{prefix}/{name}"))
}

impl Database {
    /// A text dump of everything stored, made by the engine's own client.
    pub fn dump(&self) -> Result<String> {
        let output = match self {
            Database::Sqlite(path) => Command::new("sqlite3")
                .arg(path)
                .arg(".dump")
                .output()
                .map_err(|e| {
                    Error::new(format!(
                        "cannot run sqlite3 ({e}); scripts/setup.sh test installs it"
                    ))
                })?,
            Database::Postgres(url) => Command::new(pg_dump()?)
                .args(["--no-owner", "--no-privileges", "--dbname"])
                .arg(url)
                .output()?,
        };
        if !output.status.success() {
            return Err(Error::new(format!(
                "database dump failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        let text =
            String::from_utf8(output.stdout).map_err(|e| Error::new(format!("dump: {e}")))?;
        // pg_dump (since 17.6, 16.10, 15.14, ...) brackets its output with
        // `\restrict KEY` / `\unrestrict KEY`, KEY random on every run: not data, and it would
        // make two dumps of the same database differ.
        Ok(text
            .lines()
            .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
            .map(|l| format!("{l}\n"))
            .collect())
    }
}

/// `pg_dump` from the newest PostgreSQL installed, so it matches the server the test command
/// started from the same installation.
fn pg_dump() -> Result<PathBuf> {
    let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin/pg_dump"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    bins.sort_by_key(|p| version_of(p));
    bins.pop()
        .or_else(|| Some(PathBuf::from("pg_dump")))
        .ok_or_else(|| Error::new("no pg_dump"))
}

fn version_of(pg_dump: &Path) -> u32 {
    pg_dump
        .ancestors()
        .nth(2)
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

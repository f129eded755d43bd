//! Server-wide values: the activation epoch, the sealed server signing key.

use sqlx::{Any, Executor};

use crate::error::Error;

pub const EPOCH: &str = "epoch";
pub const SIGNING_KEY: &str = "signing_key";
/// Comma-separated factors an admin disabled for everyone.
pub const DISABLED_METHODS: &str = "disabled_methods";

pub async fn get<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT value FROM server_state WHERE key = $1")
            .bind(key)
            .fetch_optional(ex)
            .await?,
    )
}

/// Inserts unless present (another node may have won the race); true when inserted.
pub async fn insert_if_absent<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "INSERT INTO server_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set<'e>(
    ex: impl Executor<'e, Database = Any>,
    key: &str,
    value: &str,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO server_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2")
        .bind(key)
        .bind(value)
        .execute(ex)
        .await?;
    Ok(())
}

/// The activation epoch; `None` before the first start created it.
pub async fn epoch<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Option<u64>, Error> {
    Ok(get(ex, EPOCH).await?.and_then(|e| e.parse::<u64>().ok()))
}

pub async fn set_epoch<'e>(ex: impl Executor<'e, Database = Any>, epoch: u64) -> Result<(), Error> {
    set(ex, EPOCH, &epoch.to_string()).await
}

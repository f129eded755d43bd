//! Relying-party applications and their API credentials (stored as keyed hashes).

use ::sqlx::{Any, Executor};

use super::columns::sqlx;
use super::columns::to_db;
use super::is_unique_violation;
use crate::error::Error;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub secret_hash: String,
    #[sqlx(try_from = "i64")]
    pub created_at: u64,
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    app: &Application,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO applications (id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&app.id)
    .bind(&app.name)
    .bind(&app.secret_hash)
    .bind(to_db(app.created_at))
    .execute(ex)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::ApplicationExists(app.name.clone())
        } else {
            e.into()
        }
    })?;
    Ok(())
}

pub async fn by_id<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<Application>, Error> {
    Ok(
        sqlx::query_as("SELECT id, name, secret_hash, created_at FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(ex)
            .await?,
    )
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Application>, Error> {
    Ok(
        sqlx::query_as("SELECT id, name, secret_hash, created_at FROM applications ORDER BY name")
            .fetch_all(ex)
            .await?,
    )
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM applications WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

//! Relying-party applications and their API credentials (stored as keyed hashes).

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::is_unique_violation;
use crate::error::Error;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Application {
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub created_at: i64,
}

fn from_row(row: &AnyRow) -> Result<Application, Error> {
    Ok(Application {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: row.try_get("created_at")?,
    })
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
    .bind(app.created_at)
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
    sqlx::query("SELECT id, name, secret_hash, created_at FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<Application>, Error> {
    sqlx::query("SELECT id, name, secret_hash, created_at FROM applications ORDER BY name")
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM applications WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() > 0)
}

//! Relying-party applications: each gets an id and a secret (shown once, stored as a keyed
//! hash); requests authenticate with HTTP Basic `id:secret`.

use crate::crypto::{random_id, random_token};
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::{self as store_apps, Application};

pub use twofold_core::proto::admin::{ApplicationCredentials, NewApplication};

pub async fn create(
    state: &AppState,
    new: NewApplication,
) -> Result<ApplicationCredentials, Error> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "must be 1 to 128 characters"));
    }
    let secret = random_token()?;
    let app = Application {
        id: random_id("app")?,
        name: name.clone(),
        secret_hash: state.master_key.lookup_hash(&secret),
        created_at: state.now(),
    };
    store_apps::insert(state.store.pool(), &app).await?;
    tracing::info!(application = %app.name, id = %app.id, "application registered");
    Ok(ApplicationCredentials {
        id: app.id,
        name,
        secret,
    })
}

/// Checks `id:secret` from a relying party.
pub async fn authenticate(state: &AppState, id: &str, secret: &str) -> Result<Application, Error> {
    if !id.starts_with("app_") || id.len() > 64 {
        return Err(Error::Unauthorized);
    }
    let app = store_apps::by_id(state.store.pool(), id)
        .await?
        .ok_or(Error::Unauthorized)?;
    if state
        .master_key
        .verify_lookup_hash(secret, &app.secret_hash)
    {
        Ok(app)
    } else {
        Err(Error::Unauthorized)
    }
}

//! Relying-party applications: each gets an id and a secret (shown once, stored as a keyed
//! hash); requests authenticate with HTTP Basic `id:secret`. Adding and deleting one are
//! audited admin changes.

use super::admin::Admin;
use super::audit::{self, Event};
use crate::channel::events::{self, Event as ClusterEvent};
use crate::crypto::{random_id, random_token};
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::{self as store_apps, Application};

pub use twofold_core::proto::admin::{ApplicationCredentials, NewApplication};

pub async fn create(
    state: &AppState,
    admin: &Admin,
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
    let detail = format!("application_id={}", app.id);
    let mut tx = state.store.begin().await?;
    store_apps::insert(&mut *tx, &app).await?;
    let target = Event {
        application: Some(&app.name),
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, admin, "application_added", target).await?;
    tx.commit().await?;
    tracing::info!(application = %app.name, id = %app.id, admin_id = %admin.id, "application registered");
    Ok(ApplicationCredentials {
        id: app.id,
        name,
        secret,
    })
}

/// Deletes application `id`: its credentials stop working at once.
pub async fn delete(state: &AppState, admin: &Admin, id: &str) -> Result<(), Error> {
    let app = store_apps::by_id(state.store.pool(), id)
        .await?
        .ok_or_else(|| Error::ApplicationNotFound(id.to_owned()))?;
    let detail = format!("application_id={}", app.id);
    let mut tx = state.store.begin().await?;
    if !store_apps::delete(&mut *tx, &app.id).await? {
        return Err(Error::ApplicationNotFound(id.to_owned()));
    }
    let target = Event {
        application: Some(&app.name),
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, admin, "application_deleted", target).await?;
    // Every node's cache forgets it: the notification goes with the commit, and this node
    // forgets it before answering (cache/mod.rs).
    let event = ClusterEvent::ApplicationDeleted { id: app.id.clone() };
    events::notify_in(state, &mut tx, &event).await?;
    tx.commit().await?;
    state.caches.apply(&event);
    tracing::info!(id = %app.id, admin_id = %admin.id, "application deleted");
    Ok(())
}

/// Checks `id:secret` from a relying party (from memory when this secret verified before:
/// [`crate::cache::applications`]).
pub async fn authenticate(state: &AppState, id: &str, secret: &str) -> Result<Application, Error> {
    crate::cache::applications::authenticate(state, id, secret).await
}

/// Checks `id:secret` against the stored row.
pub async fn authenticate_stored(
    state: &AppState,
    id: &str,
    secret: &str,
) -> Result<Application, Error> {
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

//! The methods an administrator disabled for everyone, kept in memory for PostgreSQL's
//! sign-in reads (one statement, so one round trip, fewer per sign-in). On SQLite that value
//! is one statement of the one call that reads the user's rows
//! ([`crate::store::sign_in`]), so nothing is saved by caching it and it is read fresh.

use crate::error::Error;
use crate::state::AppState;
use crate::store::sign_in::{self, SignInRows};
use crate::store::state::DISABLED_METHODS;
use crate::store::Backend;

/// [`sign_in::for_user`] with the disabled methods from the cache when it has them.
pub async fn sign_in_rows(
    state: &AppState,
    username: &str,
    epoch: u64,
) -> Result<Option<SignInRows>, Error> {
    let (caches, store, now) = (&state.caches, &state.store, state.now());
    if store.backend() == Backend::Sqlite || !caches.serving() {
        return sign_in::for_user(store, username, epoch, now).await;
    }
    let known = caches.disabled_methods.get(DISABLED_METHODS, now);
    let ticket = caches.disabled_methods.ticket();
    let read = known.is_none();
    let rows = sign_in::for_user_knowing(store, username, epoch, now, known).await?;
    if let Some(rows) = rows.as_ref().filter(|_| read && caches.serving()) {
        let value = rows.disabled_methods.clone();
        caches
            .disabled_methods
            .insert(ticket, DISABLED_METHODS, value, now);
    }
    Ok(rows)
}

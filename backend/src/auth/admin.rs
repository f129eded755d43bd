//! Admin credentials: `adm_<id>.<secret>` tokens. The first one is created at first start,
//! printed once, and kept in a 0600 file in the data directory for the local CLI.

use crate::crypto::{random_id, random_token};
use crate::error::Error;
use crate::state::AppState;
use crate::store::{admins, Store};

/// Creates an admin token; returns the full token text (shown once).
pub async fn create_token(
    store: &Store,
    master: &crate::crypto::MasterKey,
    now: u64,
) -> Result<String, Error> {
    let id = random_id("adm")?;
    let secret = random_token()?;
    admins::insert(store.pool(), &id, &master.lookup_hash(&secret), now).await?;
    Ok(format!("{id}.{secret}"))
}

/// Checks a presented admin token.
pub async fn verify_token(state: &AppState, token: &str) -> Result<(), Error> {
    let (id, secret) = token.split_once('.').ok_or(Error::Unauthorized)?;
    if !id.starts_with("adm_") || id.len() > 64 {
        return Err(Error::Unauthorized);
    }
    let stored = admins::secret_hash(state.store.pool(), id)
        .await?
        .ok_or(Error::Unauthorized)?;
    if state.master_key.verify_lookup_hash(secret, &stored) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

//! Admin credentials: `adm_<id>.<secret>` tokens. The first one is created at first start,
//! printed once, and kept in a 0600 file in the data directory for the local CLI.

use crate::crypto::{random_id, random_token};
use crate::error::Error;
use crate::state::AppState;
use crate::store::{admins, Store};

/// Creates the first admin token, unless there is an admin already (another node starting at
/// the same moment may have created it): the token text only when this call created it.
pub async fn create_first_token(
    store: &Store,
    master: &crate::crypto::MasterKey,
    now: u64,
) -> Result<Option<String>, Error> {
    if admins::count(store.pool()).await? > 0 {
        return Ok(None);
    }
    let id = random_id("adm")?;
    let secret = random_token()?;
    let created = admins::insert_first(store, &id, &master.lookup_hash(&secret), now).await?;
    Ok(created.then(|| format!("{id}.{secret}")))
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

//! Admin credentials: `adm_<id>.<secret>` tokens. The first one is created at first start
//! and kept in a 0600 file in the data directory for the local CLI; more are created, listed
//! and revoked through the admin API (`admin token create/list/revoke`), so that first token
//! can be rotated away. Every admin change is audited with the id of the token that made it.

use twofold_core::proto::admin::{AdminToken, IssuedAdminToken, NewAdminToken};

use super::audit::{self, Event};
use crate::crypto::{random_id, random_token};
use crate::error::Error;
use crate::state::AppState;
use crate::store::admins::{self, Revocation};
use crate::store::Store;

/// Longest token name.
const MAX_NAME: usize = 64;

/// The administrator behind a request: the id of the token presented (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    pub id: String,
}

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

/// Checks a presented admin token; the admin it belongs to. A revoked token is refused like
/// an unknown one.
pub async fn verify_token(state: &AppState, token: &str) -> Result<Admin, Error> {
    let (id, secret) = token.split_once('.').ok_or(Error::Unauthorized)?;
    if !id.starts_with("adm_") || id.len() > 64 {
        return Err(Error::Unauthorized);
    }
    let stored = admins::secret_hash(state.store.pool(), id)
        .await?
        .ok_or(Error::Unauthorized)?;
    if !state.master_key.verify_lookup_hash(secret, &stored) {
        return Err(Error::Unauthorized);
    }
    // Stored before the HKDF key split: replace it with the current scheme's hash.
    if state.master_key.is_legacy_hash(secret, &stored) {
        let fresh = state.master_key.lookup_hash(secret);
        admins::set_secret_hash(state.store.pool(), id, &fresh).await?;
    }
    Ok(Admin { id: id.to_owned() })
}

/// A new admin token (shown once in the answer), audited as `admin_token_created`.
pub async fn create_token(
    state: &AppState,
    admin: &Admin,
    new: NewAdminToken,
) -> Result<IssuedAdminToken, Error> {
    let name = match new.name.as_deref().map(str::trim) {
        None => None,
        Some(name)
            if name.is_empty()
                || name.chars().count() > MAX_NAME
                || name.chars().any(char::is_control) =>
        {
            let refused = Error::invalid(
                "name",
                format!("must be 1 to {MAX_NAME} characters without control characters"),
            );
            let why = refused.to_string();
            audit::admin_refusal(state, admin, "admin_token_created", &why, Event::target())
                .await?;
            return Err(refused);
        }
        Some(name) => Some(name.to_owned()),
    };
    let id = random_id("adm")?;
    let secret = random_token()?;
    let detail = format!("token={id}");
    let mut tx = state.store.begin().await?;
    admins::insert(
        &mut *tx,
        &id,
        name.as_deref(),
        &state.master_key.lookup_hash(&secret),
        state.now(),
    )
    .await?;
    let target = Event {
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, admin, "admin_token_created", target).await?;
    tx.commit().await?;
    tracing::info!(admin_id = %admin.id, token_id = %id, "admin token created");
    Ok(IssuedAdminToken {
        token: format!("{id}.{secret}"),
        id,
        name,
    })
}

pub async fn list_tokens(state: &AppState) -> Result<Vec<AdminToken>, Error> {
    admins::list(state.store.pool()).await
}

/// Revokes token `id`: it stops working at once. Refused (and audited) when it is unknown,
/// already revoked, or the last token that works.
pub async fn revoke_token(state: &AppState, admin: &Admin, id: &str) -> Result<(), Error> {
    let detail = format!("token={id}");
    let target = || Event {
        detail: Some(&detail),
        ..Event::target()
    };
    let record = audit::admin_record(state, admin, "admin_token_revoked", target())?;
    let problem = match admins::revoke(&state.store, id, state.now(), &record).await? {
        Revocation::Revoked => {
            tracing::warn!(admin_id = %admin.id, token_id = %id, "admin token revoked");
            return Ok(());
        }
        Revocation::NotFound => Error::AdminTokenNotFound(id.to_owned()),
        Revocation::AlreadyRevoked => Error::invalid("id", format!("{id} is already revoked")),
        Revocation::LastActive => Error::LastAdminToken(id.to_owned()),
    };
    let why = problem.to_string();
    audit::admin_refusal(state, admin, "admin_token_revoked", &why, target()).await?;
    Err(problem)
}

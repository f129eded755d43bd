//! The `State` of an Access-Challenge (RFC 2865 §5.24, `password_then_challenge`): 16
//! random octets, issued once the primary password was accepted and returned by the client
//! unchanged in the second Access-Request. Kept in the shared store (only its SHA-256), so
//! the second request may reach any node; single use and expiring.

use crate::crypto::{encode_hex, random_bytes};
use crate::error::Error;
use crate::state::AppState;
use crate::store::radius_states;

/// Octets of a State value (128 bits: not guessable within its lifetime).
pub const STATE_LEN: usize = 16;

fn id(value: &[u8]) -> String {
    encode_hex(ring::digest::digest(&ring::digest::SHA256, value).as_ref())
}

/// Issues a State for `username` at `client`, valid for `ttl` seconds.
pub async fn issue(
    state: &AppState,
    client: &str,
    username: &str,
    ttl: u64,
) -> Result<Vec<u8>, Error> {
    let value = random_bytes(STATE_LEN)?;
    let now = state.now();
    radius_states::insert(
        state.store.pool(),
        &id(&value),
        client,
        username,
        now,
        now.saturating_add(ttl),
    )
    .await?;
    Ok(value)
}

/// Takes the State `value` sent by `client`: the username it was issued for, or None when
/// it is unknown, used, expired, or another client's. Gone afterwards either way.
pub async fn take(state: &AppState, client: &str, value: &[u8]) -> Result<Option<String>, Error> {
    if value.len() != STATE_LEN {
        return Ok(None);
    }
    radius_states::take(state.store.pool(), &id(value), client, state.now()).await
}

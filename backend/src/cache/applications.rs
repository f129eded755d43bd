//! Relying-party credentials checked from memory when the same secret verified before.
//!
//! An application's secret is stored as a keyed hash (HMAC-SHA256 under the master key's
//! lookup key). The first request with `id:secret` reads the row and checks the secret
//! ([`crate::auth::applications::authenticate_stored`], which also accepts the hash scheme
//! of before the key split); once it verified, the application is kept with the current
//! scheme's keyed hash of that secret. A later request is answered from memory only when its
//! own secret's keyed hash matches it (constant-time comparison), one HMAC and no database
//! round trip. Anything else takes the stored path, so the cache can only say yes to what
//! the database said yes to, and a deletion makes it forget ([`super`]).

use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::auth::applications::authenticate_stored;
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::Application;

/// An application whose secret verified, and the keyed hash of that secret.
pub struct Verified {
    app: Application,
    presented: String,
}

/// Checks `id:secret` from a relying party: from the cache when this secret verified
/// before, otherwise against the store (and cached when it verifies).
pub async fn authenticate(state: &AppState, id: &str, secret: &str) -> Result<Application, Error> {
    let caches = &state.caches;
    if !caches.serving() {
        return authenticate_stored(state, id, secret).await;
    }
    let now = state.now();
    let presented = state.master_key.lookup_hash(secret);
    if let Some(hit) = caches.applications.get(id, now) {
        if bool::from(hit.presented.as_bytes().ct_eq(presented.as_bytes())) {
            return Ok(hit.app.clone());
        }
    }
    let ticket = caches.applications.ticket();
    let app = authenticate_stored(state, id, secret).await?;
    let verified = Arc::new(Verified {
        app: app.clone(),
        presented,
    });
    if caches.serving() {
        caches.applications.insert(ticket, id, verified, now);
    }
    Ok(app)
}

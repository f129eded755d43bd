//! The directory password check: search the user's DN with the service account, then bind
//! as that DN with the password on a fresh connection (RFC 4513 §5.1.3), so a user's bind
//! never changes what the service connection may do. Failures count towards a lockout of
//! their own (`directory_password` rows of `rate_limits`, per username and fixed window),
//! and every attempt is an audit record (event `directory_password`).

use zeroize::Zeroizing;

use super::search::{RC_INVALID_CREDENTIALS, RC_SUCCESS};
use super::{Directory, DirectoryError};
use crate::auth::audit::{self, Event};
use crate::auth::users;
use crate::state::AppState;
use crate::store::{directory as store, rate_limits};

/// The rate-limit scope of directory password failures.
pub const SCOPE: &str = "directory_password";
/// The audit event (and factor) of a password check.
const EVENT: &str = "directory_password";

/// What a password check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordVerdict {
    Valid,
    /// Wrong password, or an empty one (refused before any bind).
    Invalid,
    /// No such user in the directory (or not in the group).
    UnknownUser,
    /// Too many wrong passwords for this username: refused without a bind for
    /// `retry_after` more seconds.
    LockedOut {
        retry_after: u64,
    },
}

impl Directory {
    /// RFC 4513 §5.1.2: an empty password is an unauthenticated bind, which many servers
    /// answer with success -> refused before any bind.
    pub async fn verify_password(
        &self,
        state: &AppState,
        username: &str,
        password: &[u8],
    ) -> Result<PasswordVerdict, DirectoryError> {
        let result = self.check_password(state, username, password).await;
        let (verdict_result, reason) = match &result {
            Ok(PasswordVerdict::Valid) => ("success", "password_valid"),
            Ok(PasswordVerdict::Invalid) if password.is_empty() => ("failure", "empty_password"),
            Ok(PasswordVerdict::Invalid) => ("failure", "invalid_password"),
            Ok(PasswordVerdict::UnknownUser) => ("failure", "unknown_user"),
            Ok(PasswordVerdict::LockedOut { .. }) => ("failure", "locked_out"),
            Err(e) => ("error", e.code()),
        };
        let user = match users::normalize_username(username) {
            Ok(name) => crate::store::users::by_name(state.store.pool(), &name).await?,
            Err(_) => None,
        };
        let record = audit::record(
            state,
            &Event {
                user: user.as_ref(),
                username: Some(username),
                factor: Some(EVENT),
                reason: Some(reason),
                detail: result.as_ref().err().map(ToString::to_string).as_deref(),
                ..Event::new(EVENT, verdict_result)
            },
        )?;
        crate::store::audit::insert(state.store.pool(), &record).await?;
        result
    }

    async fn check_password(
        &self,
        state: &AppState,
        username: &str,
        password: &[u8],
    ) -> Result<PasswordVerdict, DirectoryError> {
        if password.is_empty() {
            return Ok(PasswordVerdict::Invalid);
        }
        let now = state.now();
        let window = self.config.lockout_window_seconds;
        let window_start = now - now % window;
        // Counted per name as typed, folded: directories compare names without case.
        let source = username.to_lowercase();
        // The attempt is counted before the bind (one atomic upsert), so concurrent guesses
        // on any node cannot slip past the threshold; a success forgets the count.
        let attempts = self.reserve(state, &source, window_start).await?;
        if attempts > u64::from(self.config.lockout_threshold) {
            return Ok(PasswordVerdict::LockedOut {
                retry_after: window_start + window - now,
            });
        }
        let outcome = self.bind_as(username, password).await;
        match &outcome {
            Ok(PasswordVerdict::Valid) => store::forget(state.store.pool(), SCOPE, &source).await?,
            // The directory failing is no guess: the attempt is not held against the user.
            Err(_) => store::give_back(state.store.pool(), SCOPE, &source, window_start).await?,
            Ok(_) => {}
        }
        outcome
    }

    /// Finds the user's DN and binds as it.
    async fn bind_as(
        &self,
        username: &str,
        password: &[u8],
    ) -> Result<PasswordVerdict, DirectoryError> {
        // LDAP simple bind passwords are UTF-8 text in practice (AD, OpenLDAP); other
        // bytes cannot be anyone's password there.
        let Ok(password) = std::str::from_utf8(password) else {
            return Ok(PasswordVerdict::Invalid);
        };
        let password = Zeroizing::new(password.to_owned());
        let mut service = self.service_connection().await?;
        let found = self.find_user(&mut service, username).await;
        // The service connection is done with; it never carries a user's bind.
        let _ = self.connector.timed(service.unbind()).await;
        let Some(user) = found? else {
            // Constant work where practical: an unknown user costs a bind as well, to a
            // DN that cannot exist, so timing does not tell names apart.
            let dummy = format!("cn=twofold-no-such-user,{}", self.config.base_dn);
            let _ = self.bind(&dummy, &password).await;
            return Ok(PasswordVerdict::UnknownUser);
        };
        let (rc, text) = self.bind(&user.dn, &password).await?;
        match rc {
            RC_SUCCESS => Ok(PasswordVerdict::Valid),
            RC_INVALID_CREDENTIALS => Ok(PasswordVerdict::Invalid),
            code => Err(DirectoryError::BindFailed {
                rc: code,
                message: text,
            }),
        }
    }

    /// A simple bind on a fresh connection; its result code and text.
    async fn bind(&self, dn: &str, password: &str) -> Result<(u32, String), DirectoryError> {
        let mut ldap = self.connector.open().await?;
        let result = self.connector.timed(ldap.simple_bind(dn, password)).await?;
        let _ = self.connector.timed(ldap.unbind()).await;
        Ok((result.rc, result.text))
    }

    /// Counts an attempt; how many this window has seen, this one included.
    async fn reserve(
        &self,
        state: &AppState,
        source: &str,
        window_start: u64,
    ) -> Result<u64, DirectoryError> {
        let mut conn = super::connection(state).await?;
        let keep_from = window_start.saturating_sub(self.config.lockout_window_seconds);
        let counts = rate_limits::increment(
            &mut conn,
            SCOPE,
            source,
            window_start,
            rate_limits::Counter::Hits,
            keep_from,
        )
        .await?;
        Ok(counts.hits)
    }
}

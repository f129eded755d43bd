//! Portal sessions: the console's session machinery ([`crate::web::session`]) with the
//! portal's own cookie (`twofold_portal`, HttpOnly, SameSite=Strict, `__Host-` and `Secure`
//! over HTTPS), its own hash labels and table, and the same `[web]` idle and absolute
//! timeouts checked on the server's clock at every request.
//!
//! A session starts *unverified* when the user has a second factor: only the verification
//! page serves it until the user passed that factor ([`super::verify`]).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use serde::de::DeserializeOwned;

use super::error::PortalError;
use crate::auth::audit::{self, Event};
use crate::crypto::random_token;
use crate::error::Error;
use crate::state::AppState;
use crate::store::users::{self as store_users, User};
use crate::store::{audit as store_audit, portal_sessions};
use crate::web::error::WebError;
use crate::web::session::{checked_form, cookie_value, set_cookie_of, Kind};

const KIND: Kind = Kind::Portal;

/// Starts a session for `user_id`; the `Set-Cookie` header that carries it.
pub async fn start(state: &AppState, user_id: &str, verified: bool) -> Result<HeaderValue, Error> {
    let value = random_token()?;
    let web = &state.config.web;
    let now = state.now();
    let pool = state.store.pool();
    portal_sessions::delete_expired(
        pool,
        now,
        web.idle_timeout_seconds,
        web.absolute_timeout_seconds,
    )
    .await?;
    let hash = KIND.id_hash(state, &value);
    portal_sessions::insert(pool, &hash, user_id, verified, now).await?;
    set_cookie_of(state, KIND, Some(&value))
}

/// A portal session, verified or not: the user, the CSRF token of its forms.
pub struct AnySession {
    pub user: User,
    pub verified: bool,
    pub csrf: String,
    id_hash: String,
}

impl AnySession {
    /// Records that the user passed their second factor.
    pub async fn verify(&self, state: &AppState) -> Result<(), Error> {
        portal_sessions::set_verified(state.store.pool(), &self.id_hash).await
    }

    /// Ends the session; the header that clears the cookie.
    pub async fn end(self, state: &AppState) -> Result<HeaderValue, Error> {
        portal_sessions::delete(state.store.pool(), &self.id_hash).await?;
        set_cookie_of(state, KIND, None)
    }
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PortalError> {
        let value =
            cookie_value(&parts.headers, KIND.cookie_name(state)).ok_or(PortalError::SignedOut)?;
        let hash = KIND.id_hash(state, value);
        let web = &state.config.web;
        let live = portal_sessions::touch(
            state.store.pool(),
            &hash,
            state.now(),
            web.idle_timeout_seconds,
            web.absolute_timeout_seconds,
        )
        .await?
        .ok_or(PortalError::SignedOut)?;
        let user = store_users::by_id(state.store.pool(), &live.user_id)
            .await?
            .ok_or(PortalError::SignedOut)?;
        Ok(AnySession {
            user,
            verified: live.verified,
            csrf: KIND.csrf_token(state, value),
            id_hash: hash,
        })
    }
}

/// A signed-in user who passed their second factor (every page but verification needs one).
pub struct Session(pub AnySession);

impl FromRequestParts<AppState> for Session {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PortalError> {
        let any = AnySession::from_request_parts(parts, state).await?;
        if !any.verified {
            return Err(PortalError::Unverified);
        }
        Ok(Session(any))
    }
}

/// A form posted from a portal page: its fields, checked for the session's CSRF token and
/// this origin before the handler runs. A refusal answers 403 and is audited (event `portal`,
/// reason `csrf_refused`, the user).
pub struct Posted<S, T> {
    pub session: S,
    pub form: T,
}

impl<S, T> FromRequest<AppState> for Posted<S, T>
where
    S: FromRequestParts<AppState, Rejection = PortalError> + AsRef<AnySession> + Send,
    T: DeserializeOwned + Send,
{
    type Rejection = PortalError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, PortalError> {
        let (mut parts, body) = request.into_parts();
        let session = S::from_request_parts(&mut parts, state).await?;
        let csrf = session.as_ref().csrf.clone();
        match checked_form(parts, body, state, &csrf).await? {
            Ok(form) => Ok(Posted { session, form }),
            Err((client, why)) => {
                let client = client.map(|ip| ip.to_string());
                let record = audit::record(
                    state,
                    &Event {
                        user: Some(&session.as_ref().user),
                        reason: Some("csrf_refused"),
                        client_ip: client.as_deref(),
                        detail: Some(why),
                        ..Event::new("portal", "failure")
                    },
                )?;
                store_audit::insert(state.store.pool(), &record).await?;
                tracing::warn!(user_id = %session.as_ref().user.id, why, "portal form refused");
                Err(WebError::Forbidden.into())
            }
        }
    }
}

impl AsRef<AnySession> for AnySession {
    fn as_ref(&self) -> &AnySession {
        self
    }
}

impl AsRef<AnySession> for Session {
    fn as_ref(&self) -> &AnySession {
        &self.0
    }
}

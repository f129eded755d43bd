//! Console sessions: an HttpOnly, SameSite=Strict cookie holding 256 random bits; the store
//! keeps only its keyed hash. Both timeouts are checked on the server's clock at every request
//! ([`crate::store::web_sessions::touch`]), whatever the cookie's own lifetime.
//!
//! Forms carry a synchronizer token (OWASP CSRF cheat sheet): an HMAC of the session value
//! under the server's key, so it is bound to the session, differs from the stored hash, and
//! needs no storage. It is compared in constant time. Browsers that send `Sec-Fetch-Site` or
//! `Origin` must also say the form came from this origin (defence in depth; SameSite=Strict
//! already keeps the cookie off cross-site requests).
//!
//! The cookie is `__Host-twofold_admin` with `Secure` when the console is reached over HTTPS
//! (`public_url` starts with `https://`: TLS here, or a TLS proxy in front). A server whose
//! public URL is plain `http://` (loopback, or a test) cannot set a `Secure` cookie a browser
//! would send back, so the cookie is then `twofold_admin` without `Secure` (RFC 6265bis
//! §4.1.3.2: the `__Host-` prefix requires `Secure`).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::Form;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::error::WebError;
use crate::api::client_addr::ClientAddr;
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::crypto::random_token;
use crate::error::Error;
use crate::state::AppState;
use crate::store::console_admins::{self, ConsoleAdmin};
use crate::store::{audit as store_audit, web_sessions};

/// Whether the console's cookie can be `Secure` (see the module documentation).
fn secure(state: &AppState) -> bool {
    state.public_url.starts_with("https://")
}

/// Which kind of session a cookie carries: a console admin's, or a portal user's. Each has
/// its own cookie name and its own hash labels, so a value of one kind is never found (nor
/// its CSRF token accepted) as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Console,
    Portal,
}

impl Kind {
    pub fn cookie_name(self, state: &AppState) -> &'static str {
        match (self, secure(state)) {
            (Kind::Console, true) => "__Host-twofold_admin",
            (Kind::Console, false) => "twofold_admin",
            (Kind::Portal, true) => "__Host-twofold_portal",
            (Kind::Portal, false) => "twofold_portal",
        }
    }

    /// The keyed hash the store finds the session by.
    pub fn id_hash(self, state: &AppState, value: &str) -> String {
        let label = match self {
            Kind::Console => "web_session",
            Kind::Portal => "portal_session",
        };
        state.master_key.lookup_hash(&format!("{label}:{value}"))
    }

    /// The synchronizer token of the session's forms.
    pub fn csrf_token(self, state: &AppState, value: &str) -> String {
        let label = match self {
            Kind::Console => "web_csrf",
            Kind::Portal => "portal_csrf",
        };
        state.master_key.lookup_hash(&format!("{label}:{value}"))
    }
}

pub fn cookie_name(state: &AppState) -> &'static str {
    Kind::Console.cookie_name(state)
}

fn id_hash(state: &AppState, value: &str) -> String {
    Kind::Console.id_hash(state, value)
}

fn csrf_token(state: &AppState, value: &str) -> String {
    Kind::Console.csrf_token(state, value)
}

/// The `Set-Cookie` value for `value`, or for clearing the cookie when `None`. No `Max-Age`:
/// a session cookie, gone when the browser closes; the server ends it sooner.
fn set_cookie(state: &AppState, value: Option<&str>) -> Result<HeaderValue, Error> {
    set_cookie_of(state, Kind::Console, value)
}

/// [`set_cookie`] for the cookie of `kind`.
pub fn set_cookie_of(
    state: &AppState,
    kind: Kind,
    value: Option<&str>,
) -> Result<HeaderValue, Error> {
    let secure = if secure(state) { "; Secure" } else { "" };
    let name = kind.cookie_name(state);
    let text = match value {
        Some(v) => format!("{name}={v}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).map_err(|e| Error::Internal(format!("cookie header: {e}")))
}

/// Starts a session for `admin_id`; the `Set-Cookie` header that carries it.
pub async fn start(state: &AppState, admin_id: &str) -> Result<HeaderValue, Error> {
    let value = random_token()?;
    let web = &state.config.web;
    let now = state.now();
    web_sessions::delete_expired(
        state.store.pool(),
        now,
        web.idle_timeout_seconds,
        web.absolute_timeout_seconds,
    )
    .await?;
    web_sessions::insert(state.store.pool(), &id_hash(state, &value), admin_id, now).await?;
    set_cookie(state, Some(&value))
}

/// The session cookie's value, if the request has one.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// A signed-in console admin: who, the CSRF token for the page's forms, and the session's
/// hash (to end it).
pub struct Session {
    pub admin: ConsoleAdmin,
    pub csrf: String,
    id_hash: String,
}

impl Session {
    /// The admin as the audit log and the shared admin functions name it.
    pub fn as_admin(&self) -> Admin {
        Admin {
            id: self.admin.id.clone(),
        }
    }

    /// Ends the session; the header that clears the cookie.
    pub async fn end(self, state: &AppState) -> Result<HeaderValue, Error> {
        web_sessions::delete(state.store.pool(), &self.id_hash).await?;
        set_cookie(state, None)
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let value = cookie_value(&parts.headers, cookie_name(state)).ok_or(WebError::SignedOut)?;
        let hash = id_hash(state, value);
        let web = &state.config.web;
        let admin_id = web_sessions::touch(
            state.store.pool(),
            &hash,
            state.now(),
            web.idle_timeout_seconds,
            web.absolute_timeout_seconds,
        )
        .await?
        .ok_or(WebError::SignedOut)?;
        let admin = console_admins::by_id(state.store.pool(), &admin_id)
            .await?
            .ok_or(WebError::SignedOut)?;
        Ok(Session {
            admin,
            csrf: csrf_token(state, value),
            id_hash: hash,
        })
    }
}

/// True when the browser says the request came from this origin, or says nothing (a client
/// that sends neither header is not a browser a forged page could drive).
pub(super) fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        if site != "same-origin" {
            return false;
        }
    }
    match (text("origin"), text("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
    }
}

/// A form posted from a signed-in page: its fields plus the CSRF token, checked before the
/// handler runs. A refusal answers 403 and is audited with the admin's id.
pub struct Posted<T> {
    pub session: Session,
    pub form: T,
}

#[derive(Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        match checked_form(parts, body, state, &session.csrf).await? {
            Ok(form) => Ok(Posted { session, form }),
            Err((client, why)) => {
                refuse(state, &session, client, why).await?;
                Err(WebError::Forbidden)
            }
        }
    }
}

/// A refused form: the client's address and why it was refused.
pub type Refusal = (Option<std::net::IpAddr>, &'static str);

/// The fields of a posted form whose CSRF token must be `csrf` and whose origin this one;
/// otherwise why not (for the caller to audit, with its own session's subject).
pub async fn checked_form<T: DeserializeOwned + Send>(
    mut parts: Parts,
    body: axum::body::Body,
    state: &AppState,
    csrf: &str,
) -> Result<Result<T, Refusal>, WebError> {
    let ClientAddr(client) = ClientAddr::from_request_parts(&mut parts, state)
        .await
        .map_err(|_| WebError::Forbidden)?;
    let origin_ok = same_origin(&parts.headers);
    let request = Request::from_parts(parts, body);
    let parsed = Form::<WithCsrf<T>>::from_request(request, state).await;
    let (token_ok, form) = match parsed {
        Ok(Form(with)) => {
            let ok: bool = with.csrf.as_bytes().ct_eq(csrf.as_bytes()).into();
            (ok, Some(with.form))
        }
        Err(_) => (false, None),
    };
    Ok(match form {
        Some(form) if token_ok && origin_ok => Ok(form),
        parsed => {
            let why = if parsed.is_none() {
                "the form could not be read"
            } else if !origin_ok {
                "the form came from another site (Origin / Sec-Fetch-Site)"
            } else {
                "the form's CSRF token is missing or wrong"
            };
            Err((client, why))
        }
    })
}

/// The audit record of a refused form: event `console`, result `failure`, reason
/// `csrf_refused`, the admin's id (also for the token upload, a multipart form).
pub(super) async fn refuse(
    state: &AppState,
    session: &Session,
    client: Option<std::net::IpAddr>,
    why: &str,
) -> Result<(), Error> {
    let client = client.map(|ip| ip.to_string());
    let record = audit::record(
        state,
        &Event {
            reason: Some("csrf_refused"),
            admin_id: Some(&session.admin.id),
            client_ip: client.as_deref(),
            detail: Some(why),
            ..Event::new("console", "failure")
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await?;
    tracing::warn!(admin_id = %session.admin.id, why, "console form refused");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_only_by_its_exact_name() {
        let h = headers(&[("cookie", "a=1; twofold_admin=abc; b=2")]);
        assert_eq!(cookie_value(&h, "twofold_admin"), Some("abc"));
        let h = headers(&[
            ("cookie", "xtwofold_admin=abc"),
            ("cookie", "twofold_admin="),
        ]);
        assert_eq!(cookie_value(&h, "twofold_admin"), None);
    }

    #[test]
    fn forms_from_other_sites_are_not_same_origin() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert!(same_origin(&ok));
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8080")])));
        let other = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!same_origin(&other));
        let cross = headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]);
        assert!(!same_origin(&cross));
        let same_site = headers(&[("host", "a.example"), ("sec-fetch-site", "same-site")]);
        assert!(!same_origin(&same_site));
        assert!(!same_origin(&headers(&[("origin", "null")])));
    }
}

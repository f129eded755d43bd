//! Building audit records: which personal details go in is decided by configuration here,
//! once, for every caller. Admin changes carry the admin token's id ([`admin_record`],
//! [`admin_change`]); every record names the address this node was reached on.

use std::future::Future;
use std::net::IpAddr;

use sqlx::{Any, Executor};

use super::admin::Admin;
use crate::crypto::random_id;
use crate::error::Error;
use crate::state::AppState;
use crate::store::audit::{self as store_audit, AuditRecord};
use crate::store::users::User;

/// What happened; the rest of the record comes from the user and the server.
pub struct Event<'a> {
    pub event: &'static str,
    pub user: Option<&'a User>,
    /// Used when there is no user record (unknown or deleted user).
    pub username: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub factor: Option<&'a str>,
    pub result: &'a str,
    pub reason: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub application: Option<&'a str>,
    /// The admin token behind an admin change (set by [`admin_record`]).
    pub admin_id: Option<&'a str>,
    /// What a change did, or why a request was refused.
    pub detail: Option<&'a str>,
}

impl<'a> Event<'a> {
    pub fn new(event: &'static str, result: &'a str) -> Self {
        Self {
            event,
            user: None,
            username: None,
            device_id: None,
            factor: None,
            result,
            reason: None,
            client_ip: None,
            application: None,
            admin_id: None,
            detail: None,
        }
    }

    /// The target of an admin change, to fill in and pass to [`admin_record`] /
    /// [`admin_change`]: `Event { user: Some(&user), ..Event::target() }`.
    pub fn target() -> Self {
        Self::new("admin", "success")
    }
}

tokio::task_local! {
    /// The local address of the connection being served (set by the accept loop). A
    /// connection to a node bound to `0.0.0.0` arrives on one real address; that address,
    /// not the bind address, is what an audit record must name.
    static LOCAL_IP: Option<IpAddr>;
}

/// Runs `f` (one request of a connection accepted on `local`) so that the audit records it
/// writes name `local` as the server address (`None`: unknown, the configured one is used).
pub fn on_local_address<F: Future>(local: Option<IpAddr>, f: F) -> impl Future<Output = F::Output> {
    LOCAL_IP.scope(local, f)
}

tokio::task_local! {
    /// Where a request came from when it was not HTTP (the RADIUS front end: client, NAS,
    /// Calling-Station-Id), for the `detail` of the records it writes.
    static SOURCE: Option<std::sync::Arc<str>>;
}

/// Runs `f` so that the audit records it writes without a detail of their own carry
/// `source` as their detail.
pub fn from_source<F: Future>(source: String, f: F) -> impl Future<Output = F::Output> {
    SOURCE.scope(Some(source.into()), f)
}

/// The request's task-locals (its local address, a RADIUS source), taken along to work that
/// runs on another task: SQLite's group-commit writer writes the records of many requests,
/// and each must still name its own.
#[derive(Debug, Clone)]
pub struct Origin {
    local_ip: Option<IpAddr>,
    source: Option<std::sync::Arc<str>>,
}

impl Origin {
    /// The origin of the request being served on this task.
    pub fn capture() -> Self {
        Self {
            local_ip: LOCAL_IP.try_with(|ip| *ip).ok().flatten(),
            source: SOURCE.try_with(|s| s.clone()).ok().flatten(),
        }
    }

    /// Runs `f` with this origin, wherever it runs.
    pub fn scope<F: Future>(self, f: F) -> impl Future<Output = F::Output> {
        LOCAL_IP.scope(self.local_ip, SOURCE.scope(self.source, f))
    }
}

pub fn record(state: &AppState, e: &Event<'_>) -> Result<AuditRecord, Error> {
    let audit = &state.config.audit;
    let user = e.user;
    let pick = |enabled: bool, value: Option<&String>| if enabled { value.cloned() } else { None };
    // Outside a request (the sweeper, a device socket's own task) this node's configured
    // address is the best there is.
    let server_ip = LOCAL_IP
        .try_with(|ip| *ip)
        .ok()
        .flatten()
        .map(|ip| ip.to_string())
        .or_else(|| state.server_ip.as_ref().map(|s| s.to_string()));
    Ok(AuditRecord {
        id: random_id("aud")?,
        at: crate::store::columns::to_db(state.now()),
        event: e.event.to_owned(),
        username: user
            .map(|u| u.username.clone())
            .or_else(|| e.username.map(str::to_owned)),
        first_name: pick(audit.record_names, user.and_then(|u| u.first_name.as_ref())),
        last_name: pick(audit.record_names, user.and_then(|u| u.last_name.as_ref())),
        email: pick(audit.record_email, user.and_then(|u| u.email.as_ref())),
        phone: pick(audit.record_phone, user.and_then(|u| u.phone.as_ref())),
        device_id: e.device_id.map(str::to_owned),
        factor: e.factor.map(str::to_owned),
        result: e.result.to_owned(),
        reason: e.reason.map(str::to_owned),
        server_name: state.server_name.to_string(),
        server_ip,
        client_ip: e.client_ip.map(str::to_owned),
        application: e.application.map(str::to_owned),
        admin_id: e.admin_id.map(str::to_owned),
        detail: e.detail.map(str::to_owned).or_else(|| {
            SOURCE
                .try_with(|s| s.as_deref().map(str::to_owned))
                .ok()
                .flatten()
        }),
    })
}

/// The record of an admin change: event `admin`, result `success`, reason `action` (a
/// stable code such as `user_added`), the admin token's id, and what `target` names. For a
/// change made in a transaction: insert it there, so both commit or neither.
pub fn admin_record(
    state: &AppState,
    admin: &Admin,
    action: &'static str,
    target: Event<'_>,
) -> Result<AuditRecord, Error> {
    record(
        state,
        &Event {
            reason: Some(action),
            admin_id: Some(&admin.id),
            ..target
        },
    )
}

/// [`admin_record`] inserted at once, through `ex` (the change's transaction, or the pool).
pub async fn admin_change<'e>(
    state: &AppState,
    ex: impl Executor<'e, Database = Any>,
    admin: &Admin,
    action: &'static str,
    target: Event<'_>,
) -> Result<(), Error> {
    let record = admin_record(state, admin, action, target)?;
    store_audit::insert(ex, &record).await
}

/// A refused admin request (result `failure`, reason `action`, `detail` says why).
pub async fn admin_refusal(
    state: &AppState,
    admin: &Admin,
    action: &'static str,
    detail: &str,
    target: Event<'_>,
) -> Result<(), Error> {
    let record = record(
        state,
        &Event {
            reason: Some(action),
            admin_id: Some(&admin.id),
            detail: Some(detail),
            result: "failure",
            ..target
        },
    )?;
    store_audit::insert(state.store.pool(), &record).await
}

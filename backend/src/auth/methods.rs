//! Methods an administrator disabled for everyone. Users for whom a disabled method was the
//! way in are told to register another (`enroll`, reason `method_disabled`).

use twofold_core::proto::Factor;

use super::admin::Admin;
use super::audit::{self, Event};
use crate::error::Error;
use crate::state::AppState;
use crate::store::state as server_state;

/// The methods that can be disabled: every method `/v1/auth` checks (issue 14), in the
/// order preauth offers them when the user has no default.
pub const METHODS: &[Factor] = &[
    Factor::Push,
    Factor::Passcode,
    Factor::AppPassword,
    Factor::Bypass,
    Factor::Recovery,
    Factor::Sms,
    Factor::Voice,
];

/// The methods this server offers: [`METHODS`] without sms and voice when their gateway
/// is not configured (there is nothing to switch on or off).
fn offered(state: &AppState) -> Vec<Factor> {
    METHODS
        .iter()
        .copied()
        .filter(|m| match m {
            Factor::Sms => state.gateways.sms.is_some(),
            Factor::Voice => state.gateways.voice.is_some(),
            _ => true,
        })
        .collect()
}

/// "push, passcode, ... or recovery", for messages: the methods this server offers.
fn names(state: &AppState) -> String {
    let names: Vec<&str> = offered(state).iter().map(|m| m.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

pub use twofold_core::proto::admin::MethodState;

pub async fn disabled(state: &AppState) -> Result<Vec<Factor>, Error> {
    let stored = server_state::get(state.store.pool(), server_state::DISABLED_METHODS).await?;
    Ok(parse_disabled(stored.as_deref()))
}

/// The methods in a stored [`server_state::DISABLED_METHODS`] value, in [`METHODS`] order.
pub fn parse_disabled(stored: Option<&str>) -> Vec<Factor> {
    let stored = stored.unwrap_or_default();
    METHODS
        .iter()
        .copied()
        .filter(|m| stored.split(',').any(|s| s == m.as_str()))
        .collect()
}

pub async fn list(state: &AppState) -> Result<Vec<MethodState>, Error> {
    let off = disabled(state).await?;
    Ok(offered(state)
        .iter()
        .map(|m| MethodState {
            method: *m,
            enabled: !off.contains(m),
        })
        .collect())
}

/// Enables or disables the method named `name` for everyone; audited as
/// `method_enabled`/`method_disabled` in the same transaction, a name that is no method
/// audited as refused.
pub async fn set(
    state: &AppState,
    admin: &Admin,
    name: &str,
    enabled: bool,
) -> Result<Vec<MethodState>, Error> {
    let action = if enabled {
        "method_enabled"
    } else {
        "method_disabled"
    };
    let Some(method) = offered(state).into_iter().find(|m| m.as_str() == name) else {
        let why = Error::invalid("method", format!("{name:?} is not {}", names(state)));
        audit::admin_refusal(state, admin, action, &why.to_string(), Event::target()).await?;
        return Err(why);
    };
    let mut off = disabled(state).await?;
    off.retain(|m| *m != method);
    if !enabled {
        off.push(method);
    }
    let text = off.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",");
    let mut tx = state.store.begin().await?;
    server_state::set(&mut *tx, server_state::DISABLED_METHODS, &text).await?;
    let target = Event {
        factor: Some(method.as_str()),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, admin, action, target).await?;
    // Every node's cache forgets the old value (cache/mod.rs).
    let event = crate::channel::events::Event::MethodsChanged;
    crate::channel::events::notify_in(state, &mut tx, &event).await?;
    tx.commit().await?;
    state.caches.apply(&event);
    tracing::warn!(
        method = method.as_str(),
        enabled,
        admin_id = %admin.id,
        "authentication method changed for everyone"
    );
    list(state).await
}

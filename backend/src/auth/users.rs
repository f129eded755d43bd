//! Adding, changing and removing users, one at a time or from CSV. Every change is audited
//! (event `admin`, the admin token's id) in the transaction that makes it.

use super::admin::Admin;
use super::audit::{self, Event};
use crate::crypto::random_id;
use crate::error::Error;
use crate::state::AppState;
use crate::store::users::{self as store_users, DefaultMethod, MfaState, User};

pub use twofold_core::proto::admin::{ImportReport, ImportRow, NewUser, UserPatch};

pub fn normalize_username(raw: &str) -> Result<String, Error> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err(Error::invalid("username", "must not be empty"));
    }
    if name.chars().count() > 256 {
        return Err(Error::invalid("username", "must be at most 256 characters"));
    }
    if name
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '/')
    {
        return Err(Error::invalid(
            "username",
            "must not contain spaces, control characters or '/'",
        ));
    }
    Ok(name)
}

fn detail(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>, Error> {
    let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters, without control characters"),
        ));
    }
    Ok(Some(value))
}

fn email(value: Option<String>) -> Result<Option<String>, Error> {
    let email = detail("email", value, 320)?;
    if let Some(e) = &email {
        let valid = e
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid || e.contains(char::is_whitespace) {
            return Err(Error::invalid(
                "email",
                format!("{e:?} is not an email address"),
            ));
        }
    }
    Ok(email)
}

/// A phone number as given (trimmed), when it is a number in E.164 form
/// ([`crate::gateway::phone`]): codes are sent to it. Empty clears it. The wire code of a
/// refusal is `user.invalid_phone`.
pub fn phone(value: Option<String>) -> Result<Option<String>, Error> {
    let phone = detail("phone", value, 32)?;
    if let Some(p) = &phone {
        if crate::gateway::phone::e164(p).is_none() {
            return Err(Error::invalid(
                "phone",
                format!(
                    "{p:?} is not a phone number: {}",
                    crate::gateway::phone::RULE
                ),
            ));
        }
    }
    Ok(phone)
}

/// Checks a new user's fields and builds the record (nothing is stored).
pub fn build(new: NewUser, now: u64) -> Result<User, Error> {
    Ok(User {
        id: random_id("usr")?,
        username: normalize_username(&new.username)?,
        first_name: detail("first_name", new.first_name, 128)?,
        last_name: detail("last_name", new.last_name, 128)?,
        email: email(new.email)?,
        phone: phone(new.phone)?,
        mfa_state: new.mfa_state.unwrap_or(MfaState::Enabled),
        needs_registration: false,
        blocked: false,
        created_at: now,
        updated_at: now,
        default_method: None,
    })
}

pub async fn create(state: &AppState, admin: &Admin, new: NewUser) -> Result<User, Error> {
    let user = build(new, state.now())?;
    let detail = format!("mfa_state={}", user.mfa_state.as_str());
    let mut tx = state.store.begin().await?;
    store_users::insert(&mut *tx, &user).await?;
    let target = Event {
        user: Some(&user),
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, admin, "user_added", target).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, admin_id = %admin.id, "user added");
    Ok(user)
}

pub async fn find(state: &AppState, username: &str) -> Result<User, Error> {
    let name = normalize_username(username)?;
    store_users::by_name(state.store.pool(), &name)
        .await?
        .ok_or(Error::UserNotFound(name))
}

pub async fn update(
    state: &AppState,
    admin: &Admin,
    username: &str,
    patch: UserPatch,
) -> Result<User, Error> {
    let found = find(state, username).await?;
    let changes = change_detail(&patch);
    // Audited before the transaction (on SQLite it holds the one write lock).
    if let Some(method) = patch.default_method {
        if let Err(why) = default_method(state, method) {
            let target = Event {
                user: Some(&found),
                ..Event::target()
            };
            audit::admin_refusal(state, admin, "user_updated", &why.to_string(), target).await?;
            return Err(why);
        }
    }
    let mut tx = state.store.begin().await?;
    let user = update_in(state, &mut tx, admin, &found, &patch).await?;
    tx.commit().await?;
    if patch.unlock {
        crate::signin::passcode::unlock(state, admin, &user).await?;
    }
    tracing::info!(username = %user.username, admin_id = %admin.id, %changes, "user updated");
    Ok(user)
}

/// [`update`]'s checks and write of `found`, with its audit record, in the caller's
/// transaction `tx` (so a change that depends on another write, such as a phone number
/// saved with the code that verified it, commits with it or not at all). `patch.unlock` is
/// not applied here, and a refusal is the caller's to audit.
pub async fn update_in(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    admin: &Admin,
    found: &User,
    patch: &UserPatch,
) -> Result<User, Error> {
    let changes = change_detail(patch);
    // [`update`] audits this refusal before its transaction.
    if let Some(method) = patch.default_method {
        default_method(state, method)?;
    }
    // Every value checked before the write; an empty string clears a detail (`detail`
    // turns it into None).
    let first_name = patch
        .first_name
        .clone()
        .map(|v| detail("first_name", Some(v), 128))
        .transpose()?;
    let last_name = patch
        .last_name
        .clone()
        .map(|v| detail("last_name", Some(v), 128))
        .transpose()?;
    let email_value = patch.email.clone().map(|v| email(Some(v))).transpose()?;
    let phone_value = patch.phone.clone().map(|v| phone(Some(v))).transpose()?;
    // The row is read again inside the transaction and held, so a patch of other fields
    // committed meanwhile is kept, not overwritten with what `found` held.
    let mut user = store_users::by_id_for_update(tx, state.store.backend(), &found.id)
        .await?
        .ok_or_else(|| Error::UserNotFound(found.username.clone()))?;
    if patch.clear_default_method {
        user.default_method = None;
    }
    if let Some(method) = patch.default_method {
        user.default_method = Some(method);
    }
    if let Some(value) = first_name {
        user.first_name = value;
    }
    if let Some(value) = last_name {
        user.last_name = value;
    }
    if let Some(value) = email_value {
        user.email = value;
    }
    if let Some(value) = phone_value {
        user.phone = value;
    }
    if let Some(state_value) = patch.mfa_state {
        user.mfa_state = state_value;
    }
    if let Some(blocked) = patch.blocked {
        user.blocked = blocked;
    }
    user.updated_at = state.now();
    store_users::update(&mut **tx, &user).await?;
    let target = Event {
        user: Some(&user),
        detail: Some(&changes),
        ..Event::target()
    };
    audit::admin_change(state, &mut **tx, admin, "user_updated", target).await?;
    Ok(user)
}

/// A default method the server can use: `sms` and `voice` only when their gateway is
/// configured, rather than stored and silently never used.
fn default_method(state: &AppState, method: DefaultMethod) -> Result<(), Error> {
    let (configured, section) = match method {
        DefaultMethod::Sms => (state.gateways.sms.is_some(), "sms"),
        DefaultMethod::Voice => (state.gateways.voice.is_some(), "voice"),
        DefaultMethod::Push | DefaultMethod::Passcode | DefaultMethod::Token => return Ok(()),
    };
    if configured {
        return Ok(());
    }
    Err(Error::invalid(
        "default_method",
        format!(
            "{} codes are not supported by this server: [{section}] gateway_url is not set; \
             choose push, passcode or token, or configure the gateway",
            method.as_str()
        ),
    ))
}

/// What a patch changes, for the audit record: new values of the states that decide who can
/// sign in, only the names of changed personal details (the audit configuration decides
/// whether those go into records at all).
fn change_detail(patch: &UserPatch) -> String {
    let mut parts = Vec::new();
    if let Some(mfa_state) = patch.mfa_state {
        parts.push(format!("mfa_state={}", mfa_state.as_str()));
    }
    if let Some(blocked) = patch.blocked {
        parts.push(format!("blocked={blocked}"));
    }
    if let Some(method) = patch.default_method {
        parts.push(format!("default_method={}", method.as_str()));
    }
    if patch.clear_default_method {
        parts.push("default_method=none".to_owned());
    }
    if patch.unlock {
        parts.push("unlock".to_owned());
    }
    for (name, changed) in [
        ("first_name", patch.first_name.is_some()),
        ("last_name", patch.last_name.is_some()),
        ("email", patch.email.is_some()),
        ("phone", patch.phone.is_some()),
    ] {
        if changed {
            parts.push(name.to_owned());
        }
    }
    parts.join(" ")
}

pub async fn delete(state: &AppState, admin: &Admin, username: &str) -> Result<(), Error> {
    let user = find(state, username).await?;
    let mut tx = state.store.begin().await?;
    if !store_users::delete(&mut *tx, &user.id).await? {
        return Err(Error::UserNotFound(user.username));
    }
    let target = Event {
        user: Some(&user),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, admin, "user_deleted", target).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, admin_id = %admin.id, "user deleted");
    Ok(())
}

/// Imports users from CSV text with a header line ([`super::users_csv`] reads it). Each row
/// is added or refused on its own; a refused row never stops the others. `first_line` is the
/// line of the header in the whole file (1 unless the text is a chunk of a larger file).
pub async fn import_csv(
    state: &AppState,
    admin: &Admin,
    text: &str,
    first_line: u64,
) -> Result<ImportReport, Error> {
    let rows = super::users_csv::parse(text, first_line)?;
    let mut report = ImportReport {
        added: 0,
        refused: 0,
        rows: Vec::new(),
    };
    for row in rows {
        let outcome = match row.user {
            Ok(new) => create(state, admin, new).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(user) => {
                report.added += 1;
                report.rows.push(ImportRow {
                    line: row.line,
                    username: user.username,
                    status: "added".into(),
                    reason: None,
                });
            }
            Err(
                e @ (Error::Store(_) | Error::Internal(_) | Error::Crypto(_) | Error::Migration(_)),
            ) => return Err(e),
            Err(e) => {
                report.refused += 1;
                report.rows.push(ImportRow {
                    line: row.line,
                    username: row.username,
                    status: "refused".into(),
                    reason: Some(e.to_string()),
                });
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            normalize_username("  Alice@Corp.example ").unwrap(),
            "alice@corp.example"
        );
        assert!(normalize_username("").is_err());
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username("a/b").is_err());
        assert!(normalize_username(&"x".repeat(257)).is_err());
    }

    #[test]
    fn details_are_validated() {
        let ok = build(
            NewUser {
                username: "bob".into(),
                email: Some("bob@example.com".into()),
                phone: Some("+1 (555) 010-9999".into()),
                ..NewUser::default()
            },
            0,
        )
        .unwrap();
        assert_eq!(ok.mfa_state, MfaState::Enabled);
        for bad in [
            NewUser {
                username: "b".into(),
                email: Some("nope".into()),
                ..NewUser::default()
            },
            NewUser {
                username: "b".into(),
                phone: Some("call me".into()),
                ..NewUser::default()
            },
            NewUser {
                username: "b".into(),
                first_name: Some("x".repeat(200)),
                ..NewUser::default()
            },
        ] {
            assert!(matches!(build(bad, 0), Err(Error::InvalidField { .. })));
        }
    }
}

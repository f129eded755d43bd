//! App passwords: for clients that cannot do MFA (old mail clients, VPN and RDP clients
//! through RADIUS). A user may have several, one per client, each with a name; each is a
//! random secret shown once and stored as a keyed hash ([`super::secret`]). They work only
//! while `[app_passwords] enabled = true`: an app password is a way in without a second
//! factor.

use sqlx::AnyConnection;
use twofold_core::proto::admin::IssuedAppPassword;
use twofold_core::proto::Factor;

use super::secret::{self, Check};
use crate::auth::admin::Admin;
use crate::crypto::random_id;
use crate::error::Error;
use crate::state::AppState;
use crate::store::app_passwords::{self, AppPassword};
use crate::store::users::User;

/// The lockout counter app passwords count on.
pub const LOCKOUT_FACTOR: &str = "app_password";

/// Longest name accepted.
pub const MAX_NAME: usize = 64;

fn valid_name(raw: &str) -> Result<String, Error> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            format!("must be 1 to {MAX_NAME} characters, without control characters"),
        ));
    }
    Ok(name.to_owned())
}

/// A new app password named `name` for `user`: its value is in the answer only.
pub async fn create(
    state: &AppState,
    admin: &Admin,
    user: &User,
    name: &str,
) -> Result<IssuedAppPassword, Error> {
    if !state.config.app_passwords.enabled {
        return Err(secret::refused(
            state,
            admin,
            user,
            Factor::AppPassword,
            "app_passwords_disabled",
            None,
            Error::AppPasswordsDisabled,
        )
        .await);
    }
    let name = match valid_name(name) {
        Ok(name) => name,
        Err(e) => {
            return Err(secret::refused(
                state,
                admin,
                user,
                Factor::AppPassword,
                "invalid_name",
                None,
                e,
            )
            .await)
        }
    };
    let password = secret::generate(4, secret::APP_PASSWORD_LETTERS / 4)?;
    let canonical = secret::canonical(&password)
        .ok_or_else(|| Error::Internal("a generated app password is malformed".into()))?;
    let now = state.now();
    let row = AppPassword {
        id: random_id("apw")?,
        user_id: user.id.clone(),
        name: name.clone(),
        secret_hash: secret::hash(&state.master_key, Factor::AppPassword, &canonical),
        created_at: now,
        last_used_at: None,
    };
    let mut tx = state.store.begin().await?;
    if let Err(e) = app_passwords::insert(&mut *tx, &row, &user.username).await {
        drop(tx);
        return Err(secret::refused(
            state,
            admin,
            user,
            Factor::AppPassword,
            "app_password_exists",
            Some(&name),
            e,
        )
        .await);
    }
    secret::commit_admin_change(
        state,
        admin,
        tx,
        user,
        Factor::AppPassword,
        "app_password_created",
        Some(&name),
    )
    .await?;
    tracing::info!(username = %user.username, name = %name, "app password created");
    Ok(IssuedAppPassword {
        username: user.username.clone(),
        name,
        password: password.to_string(),
        created_at: crate::store::columns::to_db(now),
    })
}

/// Deletes the user's app password `name`.
pub async fn delete(state: &AppState, admin: &Admin, user: &User, name: &str) -> Result<(), Error> {
    let mut tx = state.store.begin().await?;
    if !app_passwords::delete_named(&mut *tx, &user.id, name).await? {
        drop(tx);
        let err = Error::AppPasswordNotFound {
            username: user.username.clone(),
            name: name.to_owned(),
        };
        return Err(secret::refused(
            state,
            admin,
            user,
            Factor::AppPassword,
            "app_password_not_found",
            Some(name),
            err,
        )
        .await);
    }
    secret::commit_admin_change(
        state,
        admin,
        tx,
        user,
        Factor::AppPassword,
        "app_password_deleted",
        Some(name),
    )
    .await?;
    tracing::info!(username = %user.username, name = %name, "app password deleted");
    Ok(())
}

/// Deletes every app password of the user (the lost-phone step, and part of a user reset);
/// how many there were.
pub async fn delete_all(state: &AppState, admin: &Admin, user: &User) -> Result<u64, Error> {
    let mut tx = state.store.begin().await?;
    let deleted = app_passwords::delete_all(&mut *tx, &user.id).await?;
    secret::commit_admin_change(
        state,
        admin,
        tx,
        user,
        Factor::AppPassword,
        "app_passwords_deleted",
        None,
    )
    .await?;
    tracing::info!(username = %user.username, deleted, "app passwords deleted");
    Ok(deleted)
}

/// Looks for `canonical` among the user's app passwords (every hash compared, in constant
/// time each) and records its use.
pub async fn check(
    state: &AppState,
    tx: &mut AnyConnection,
    user: &User,
    canonical: &str,
    now: u64,
) -> Result<Check, Error> {
    let rows = app_passwords::for_user(&mut *tx, &user.id).await?;
    let mut found: Option<&AppPassword> = None;
    for row in &rows {
        if secret::matches(
            &state.master_key,
            Factor::AppPassword,
            canonical,
            &row.secret_hash,
        ) {
            found = Some(row);
        }
    }
    let Some(row) = found else {
        return Ok(Check::Invalid);
    };
    app_passwords::touch(&mut *tx, &row.id, now).await?;
    Ok(Check::Accepted(Some(row.name.clone())))
}

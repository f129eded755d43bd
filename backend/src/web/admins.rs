//! Console administrators: created, listed, removed and re-enrolled through the admin API
//! (`twofold-server admin add|list|remove|reset-totp`), each change audited with the admin
//! token that made it; and the check of a console sign-in (password, then TOTP).

use twofold_core::otp::{Totp, Window};
use twofold_core::proto::admin::{
    ConsoleAdmin as WireAdmin, ConsoleAdminEnrolment, NewConsoleAdmin,
};
use twofold_core::{Algorithm, OtpAccount, SecretBytes};
use zeroize::Zeroizing;

use super::password;
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::crypto::{random_bytes, random_id};
use crate::error::Error;
use crate::state::AppState;
use crate::store::console_admins::{self as store, ConsoleAdmin};
use crate::store::web_sessions;

/// What the TOTP secret is sealed for (AES-GCM associated data): a sealed secret of another
/// table cannot be swapped in.
const SEAL_CONTEXT: &str = "console_admin_totp";
/// The issuer authenticator apps show.
const ISSUER: &str = "Twofold console";
/// RFC 4226 §4 R6 asks at least 128 bits and recommends 160: 20 bytes, as SHA-1 HMAC's size.
const SECRET_LEN: usize = 20;
const MAX_NAME: usize = 64;

/// A console admin name: 1 to 64 of `a-z 0-9 . _ -` (what the error says otherwise).
pub fn check_name(raw: &str) -> Result<String, Error> {
    let name = raw.trim();
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(Error::invalid(
            "name",
            format!("must be 1 to {MAX_NAME} characters of a-z, 0-9, '.', '_' and '-'"),
        ))
    }
}

/// A fresh TOTP secret: sealed for the store, and its enrolment URI.
fn new_secret(state: &AppState, name: &str) -> Result<(Vec<u8>, String), Error> {
    let secret = Zeroizing::new(random_bytes(SECRET_LEN)?);
    let sealed = state.master_key.seal(&secret, SEAL_CONTEXT)?;
    let account = OtpAccount::new_totp(
        Some(ISSUER.to_owned()),
        name,
        SecretBytes::from(secret.to_vec()),
    );
    Ok((sealed, account.to_uri()))
}

async fn refuse(
    state: &AppState,
    by: &Admin,
    action: &'static str,
    name: &str,
    why: Error,
) -> Error {
    let detail = format!("console_admin={name}: {why}");
    if let Err(e) = audit::admin_refusal(state, by, action, &detail, Event::target()).await {
        return e;
    }
    why
}

pub async fn add(
    state: &AppState,
    by: &Admin,
    new: NewConsoleAdmin,
) -> Result<ConsoleAdminEnrolment, Error> {
    const ACTION: &str = "console_admin_added";
    let name = match check_name(&new.name) {
        Ok(name) => name,
        Err(why) => return Err(refuse(state, by, ACTION, &new.name, why).await),
    };
    if let Err(why) = password::check_new(&new.password) {
        return Err(refuse(state, by, ACTION, &name, Error::invalid("password", why)).await);
    }
    let password_hash = password::hash_blocking(Zeroizing::new(new.password.clone())).await?;
    let (totp_secret, otpauth_uri) = new_secret(state, &name)?;
    let admin = ConsoleAdmin {
        id: random_id("cad")?,
        name: name.clone(),
        password_hash,
        totp_secret,
        last_totp_step: -1,
        created_at: state.now(),
    };
    let detail = format!("console_admin={name}");
    let mut tx = state.store.begin().await?;
    if !store::insert(&mut *tx, &admin).await? {
        tx.rollback().await?;
        let why = Error::invalid("name", format!("a console admin named {name} exists"));
        return Err(refuse(state, by, ACTION, &name, why).await);
    }
    let target = Event {
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, by, ACTION, target).await?;
    tx.commit().await?;
    tracing::info!(admin_id = %by.id, console_admin = %name, "console admin added");
    Ok(ConsoleAdminEnrolment {
        id: admin.id.clone(),
        name,
        otpauth_uri,
    })
}

pub async fn list(state: &AppState) -> Result<Vec<WireAdmin>, Error> {
    Ok(store::list(state.store.pool())
        .await?
        .into_iter()
        .map(|a| WireAdmin {
            id: a.id.clone(),
            name: a.name.clone(),
            created_at: crate::store::columns::to_db(a.created_at),
        })
        .collect())
}

async fn find(
    state: &AppState,
    by: &Admin,
    action: &'static str,
    name: &str,
) -> Result<ConsoleAdmin, Error> {
    let found = match check_name(name) {
        Ok(name) => store::by_name(state.store.pool(), &name).await?,
        Err(_) => None,
    };
    match found {
        Some(admin) => Ok(admin),
        None => {
            let why = Error::invalid("name", format!("no console admin named {name:?}"));
            Err(refuse(state, by, action, name, why).await)
        }
    }
}

/// Removes a console admin; its sessions end with it.
pub async fn remove(state: &AppState, by: &Admin, name: &str) -> Result<(), Error> {
    const ACTION: &str = "console_admin_removed";
    let admin = find(state, by, ACTION, name).await?;
    let detail = format!("console_admin={}", admin.name);
    let mut tx = state.store.begin().await?;
    web_sessions::delete_for_admin(&mut *tx, &admin.id).await?;
    store::delete(&mut *tx, &admin.id).await?;
    let target = Event {
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, by, ACTION, target).await?;
    tx.commit().await?;
    Ok(())
}

/// A new TOTP secret for an admin who lost theirs; the old one stops working and every
/// session of that admin ends.
pub async fn reset_totp(
    state: &AppState,
    by: &Admin,
    name: &str,
) -> Result<ConsoleAdminEnrolment, Error> {
    const ACTION: &str = "console_admin_totp_reset";
    let admin = find(state, by, ACTION, name).await?;
    let (sealed, otpauth_uri) = new_secret(state, &admin.name)?;
    let detail = format!("console_admin={}", admin.name);
    let mut tx = state.store.begin().await?;
    store::set_totp_secret(&mut *tx, &admin.id, &sealed).await?;
    web_sessions::delete_for_admin(&mut *tx, &admin.id).await?;
    let target = Event {
        detail: Some(&detail),
        ..Event::target()
    };
    audit::admin_change(state, &mut *tx, by, ACTION, target).await?;
    tx.commit().await?;
    Ok(ConsoleAdminEnrolment {
        id: admin.id.clone(),
        name: admin.name.clone(),
        otpauth_uri,
    })
}

/// Why a console sign-in was refused (the page says only "wrong name, password or code";
/// the audit record says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownAdmin,
    BadPassword,
    BadCode,
    ReplayedCode,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::UnknownAdmin => "unknown_admin",
            Refusal::BadPassword => "bad_password",
            Refusal::BadCode => "bad_code",
            Refusal::ReplayedCode => "replayed_code",
        }
    }
}

/// Checks a sign-in: the password (Argon2id; a decoy hash for unknown names, so both cost
/// the same), then the TOTP code at `now` (RFC 6238 §5.2: one step either way for clock
/// skew, and a code of a step already used is refused, recorded with a conditional update
/// so two racing requests cannot both use it). The code is checked even after a wrong
/// password, so the time does not tell which of the two was wrong.
pub async fn check_signin(
    state: &AppState,
    name: &str,
    password_text: Zeroizing<String>,
    code: &str,
) -> Result<Result<ConsoleAdmin, (Refusal, Option<ConsoleAdmin>)>, Error> {
    let admin = match check_name(name) {
        Ok(name) => store::by_name(state.store.pool(), &name).await?,
        Err(_) => None,
    };
    let password_ok = password::verify_blocking(
        password_text,
        admin.as_ref().map(|a| a.password_hash.clone()),
    )
    .await?;
    let Some(admin) = admin else {
        return Ok(Err((Refusal::UnknownAdmin, None)));
    };
    let secret = state.master_key.open(&admin.totp_secret, SEAL_CONTEXT)?;
    let totp = Totp::new(SecretBytes::from(secret.to_vec()), Algorithm::Sha1, 6, 30)
        .map_err(|e| Error::Internal(format!("console admin TOTP: {e}")))?;
    let last = u64::try_from(admin.last_totp_step).ok();
    let verdict = totp.verify(code, state.now(), Window::symmetric(1), 0, last);
    if !password_ok {
        return Ok(Err((Refusal::BadPassword, Some(admin))));
    }
    let accepted = match verdict {
        Ok(accepted) => accepted,
        Err(twofold_core::VerifyError::Replayed) => {
            return Ok(Err((Refusal::ReplayedCode, Some(admin))))
        }
        Err(_) => return Ok(Err((Refusal::BadCode, Some(admin)))),
    };
    if !store::advance_totp_step(state.store.pool(), &admin.id, accepted.step).await? {
        return Ok(Err((Refusal::ReplayedCode, Some(admin))));
    }
    Ok(Ok(admin))
}

//! What an administrator does with imported tokens: list, assign, unassign, enable,
//! disable, delete and resynchronise. Every change is audited (event `admin`, the serial as
//! `device_id`) in the transaction that makes it.

use twofold_core::otp::{Hotp, Totp};
use twofold_core::proto::admin::{HardwareToken as TokenView, TokenResync};
use twofold_core::{Algorithm, SecretBytes};

use super::resync::{self, Resynced};
use super::{TokenError, TokenKind};
use crate::auth::admin::Admin;
use crate::auth::audit::{self, Event};
use crate::auth::users;
use crate::error::Error;
use crate::state::AppState;
use crate::store::audit as store_audit;
use crate::store::hardware_tokens::{self, HardwareToken};
use crate::store::users::{self as store_users, User};

pub fn view(token: HardwareToken) -> TokenView {
    TokenView {
        serial: token.serial,
        kind: token.kind.as_str().to_owned(),
        algorithm: token.algorithm,
        digits: token.digits,
        period: token.period,
        counter: token.counter,
        drift: token.drift,
        enabled: token.enabled,
        username: token.username,
        issuer: token.issuer,
        manufacturer: token.manufacturer,
        model: token.model,
        created_at: crate::store::columns::to_db(token.created_at),
        last_used_at: token.last_used_at.map(crate::store::columns::to_db),
    }
}

pub async fn list(state: &AppState, username: Option<&str>) -> Result<Vec<TokenView>, TokenError> {
    let user = match username {
        Some(name) => Some(users::find(state, name).await?),
        None => None,
    };
    let tokens =
        hardware_tokens::list(state.store.pool(), user.as_ref().map(|u| u.id.as_str())).await?;
    Ok(tokens.into_iter().map(view).collect())
}

pub async fn find(state: &AppState, serial: &str) -> Result<HardwareToken, TokenError> {
    hardware_tokens::by_serial(state.store.pool(), serial.trim())
        .await?
        .ok_or_else(|| TokenError::NotFound(serial.trim().to_owned()))
}

async fn owner(state: &AppState, token: &HardwareToken) -> Result<Option<User>, TokenError> {
    Ok(match &token.user_id {
        Some(id) => store_users::by_id(state.store.pool(), id).await?,
        None => None,
    })
}

/// Makes one change and its audit record in one transaction.
async fn change<F>(
    state: &AppState,
    admin: &Admin,
    token: &HardwareToken,
    user: Option<&User>,
    reason: &'static str,
    apply: F,
) -> Result<(), TokenError>
where
    F: for<'c> FnOnce(
        &'c mut sqlx::AnyConnection,
    ) -> futures_util::future::BoxFuture<'c, Result<bool, Error>>,
{
    let mut tx = state.store.begin().await?;
    if !apply(&mut tx).await? {
        return Err(TokenError::NotFound(token.serial.clone()));
    }
    let record = audit::record(
        state,
        &Event {
            user,
            device_id: Some(&token.serial),
            reason: Some(reason),
            admin_id: Some(&admin.id),
            ..Event::new("admin", "success")
        },
    )?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await.map_err(Error::from)?;
    tracing::info!(serial = %token.serial, reason, "hardware token changed");
    Ok(())
}

/// Assigns a token to a user. A token belongs to one user at a time: assigning one that is
/// someone else's is refused (unassign first), so a typo cannot take a token away.
pub async fn assign(
    state: &AppState,
    admin: &Admin,
    serial: &str,
    username: &str,
) -> Result<TokenView, TokenError> {
    let token = find(state, serial).await?;
    let user = users::find(state, username).await?;
    if let (Some(current), Some(name)) = (&token.user_id, &token.username) {
        if *current != user.id {
            return Err(TokenError::AlreadyAssigned {
                serial: token.serial,
                username: name.clone(),
            });
        }
    }
    let (id, user_id) = (token.id.clone(), user.id.clone());
    change(
        state,
        admin,
        &token,
        Some(&user),
        "token_assigned",
        move |tx| Box::pin(async move { hardware_tokens::set_user(tx, &id, Some(&user_id)).await }),
    )
    .await?;
    Ok(view(find(state, serial).await?))
}

pub async fn unassign(
    state: &AppState,
    admin: &Admin,
    serial: &str,
) -> Result<TokenView, TokenError> {
    let token = find(state, serial).await?;
    let user = owner(state, &token).await?;
    let id = token.id.clone();
    change(
        state,
        admin,
        &token,
        user.as_ref(),
        "token_unassigned",
        move |tx| Box::pin(async move { hardware_tokens::set_user(tx, &id, None).await }),
    )
    .await?;
    Ok(view(find(state, serial).await?))
}

pub async fn set_enabled(
    state: &AppState,
    admin: &Admin,
    serial: &str,
    enabled: bool,
) -> Result<TokenView, TokenError> {
    let token = find(state, serial).await?;
    let user = owner(state, &token).await?;
    let id = token.id.clone();
    let reason = if enabled {
        "token_enabled"
    } else {
        "token_disabled"
    };
    change(state, admin, &token, user.as_ref(), reason, move |tx| {
        Box::pin(async move { hardware_tokens::set_enabled(tx, &id, enabled).await })
    })
    .await?;
    Ok(view(find(state, serial).await?))
}

pub async fn delete(state: &AppState, admin: &Admin, serial: &str) -> Result<(), TokenError> {
    let token = find(state, serial).await?;
    let user = owner(state, &token).await?;
    let id = token.id.clone();
    change(
        state,
        admin,
        &token,
        user.as_ref(),
        "token_deleted",
        move |tx| Box::pin(async move { hardware_tokens::delete(tx, &id).await }),
    )
    .await
}

/// Finds two consecutive codes (HOTP: up to 1,000 ahead; TOTP: within
/// `policy.max_drift_steps`) and moves the token's state past them. A failure is audited.
pub async fn resync_token(
    state: &AppState,
    admin: &Admin,
    serial: &str,
    codes: &TokenResync,
) -> Result<TokenView, TokenError> {
    let token = find(state, serial).await?;
    let user = owner(state, &token).await?;
    let found = search(state, &token, codes)?;
    let Some(found) = found else {
        let record = audit::record(
            state,
            &Event {
                user: user.as_ref(),
                device_id: Some(&token.serial),
                reason: Some("token_resync_failed"),
                admin_id: Some(&admin.id),
                ..Event::new("admin", "failure")
            },
        )?;
        store_audit::insert(state.store.pool(), &record).await?;
        return Err(TokenError::ResyncFailed(token.serial));
    };
    let (counter, last_step, drift) = match found {
        Resynced::Counter { next } => (
            i64::try_from(next).unwrap_or(i64::MAX),
            token.last_step,
            token.drift,
        ),
        Resynced::Step { last_step, drift } => (
            token.counter,
            i64::try_from(last_step).unwrap_or(i64::MAX),
            drift,
        ),
    };
    let id = token.id.clone();
    change(
        state,
        admin,
        &token,
        user.as_ref(),
        "token_resynced",
        move |tx| {
            Box::pin(
                async move { hardware_tokens::resync(tx, &id, counter, last_step, drift).await },
            )
        },
    )
    .await?;
    Ok(view(find(state, serial).await?))
}

fn search(
    state: &AppState,
    token: &HardwareToken,
    codes: &TokenResync,
) -> Result<Option<Resynced>, TokenError> {
    let secret = SecretBytes::new(
        state
            .master_key
            .open(&token.sealed_secret, &token.id)
            .map_err(Error::from)?
            .to_vec(),
    );
    let internal = |what: &str| Error::Internal(format!("token {}: bad {what}", token.serial));
    let algorithm = Algorithm::parse(&token.algorithm).ok_or_else(|| internal("algorithm"))?;
    let digits = u8::try_from(token.digits).map_err(|_| internal("digits"))?;
    Ok(match token.kind {
        TokenKind::Hotp => {
            let hotp = Hotp::new(secret, algorithm, digits).map_err(|_| internal("parameters"))?;
            let next = u64::try_from(token.counter).unwrap_or(0);
            resync::hotp(&hotp, next, &codes.code1, &codes.code2)
        }
        TokenKind::Totp => {
            let period = u64::try_from(token.period).map_err(|_| internal("period"))?;
            let totp =
                Totp::new(secret, algorithm, digits, period).map_err(|_| internal("parameters"))?;
            resync::totp(
                &totp,
                state.now(),
                state.config.policy.max_drift_steps,
                &codes.code1,
                &codes.code2,
            )
        }
    })
}

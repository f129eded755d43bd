//! A user proving a new phone number is theirs before text and voice codes go to it (the
//! portal's phone section, issue 16). The number is checked as the admin API checks it
//! ([`users::phone`], the same E.164 message), a code is sent to it through the sign-in
//! code path ([`sms::send`]: the per-user cap, the `sent_codes` row with its expiry, three
//! tries and single use), and only the code typed back saves the number, through the admin
//! API's own update ([`users::update_in`], audited `user_updated`), in the transaction that
//! uses the code.
//!
//! The number is not stored until then: the code's keyed hash is bound to it
//! ([`sms::Dispatch::binding`]), so the number the confirmation names must be the one the
//! code went to. Codes are issued for [`APPLICATION_ID`], which no relying party has, so a
//! verification code never signs anyone in and a sign-in code never verifies a number.
//! Every request, verification and refusal is audited (event [`EVENT`]); the number is
//! never logged (audit records carry it only as `[audit] record_phone` says, for the saved
//! number).

use twofold_core::proto::Reason;

use super::admin::Admin;
use super::audit::{self, Event};
use super::users::{self, UserPatch};
use crate::error::Error;
use crate::gateway::phone::e164;
use crate::signin::sms::{self, Channel, Dispatch, Sending, Verdict};
use crate::state::AppState;
use crate::store::audit as store_audit;
use crate::store::sent_codes;
use crate::store::users::User;

/// The `sent_codes.application_id` of verification codes: no application has it.
pub const APPLICATION_ID: &str = "portal-phone";
/// The audit event of every step.
pub const EVENT: &str = "phone_verification";

/// Why a number was not sent a code, or not saved. The message is for the user.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Not E.164: the admin API's message for the same input.
    #[error("{0}")]
    InvalidPhone(String),
    #[error("{} codes are not set up on this server", .0.factor().as_str())]
    NotConfigured(Channel),
    #[error("Too many codes were sent to you recently. Wait a while, then ask again.")]
    CodeLimit,
    #[error("The code could not be sent. Try again later.")]
    GatewayUnavailable,
    /// No code of this user's for verification under that id.
    #[error("That code is not valid any more. Ask for a new one.")]
    UnknownCode,
    #[error("That code is not right. Check the message and try again.")]
    InvalidCode,
    #[error("That code has expired. Ask for a new one.")]
    Expired,
    #[error("Too many wrong codes. Ask for a new one.")]
    TooManyAttempts,
    #[error("That code was already used. Ask for a new one.")]
    Used,
}

impl Refused {
    /// The audit record's reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Refused::InvalidPhone(_) => "invalid_phone",
            Refused::NotConfigured(_) => Reason::MethodNotConfigured.as_str(),
            Refused::CodeLimit => Reason::CodeLimit.as_str(),
            Refused::GatewayUnavailable => Reason::GatewayUnavailable.as_str(),
            Refused::UnknownCode => "unknown_code",
            Refused::InvalidCode => Reason::InvalidCode.as_str(),
            Refused::Expired => Reason::CodeExpired.as_str(),
            Refused::TooManyAttempts => Reason::TooManyAttempts.as_str(),
            Refused::Used => Reason::CodeReplayed.as_str(),
        }
    }

    fn of(reason: Reason) -> Self {
        match reason {
            Reason::InvalidCode => Refused::InvalidCode,
            Reason::TooManyAttempts => Refused::TooManyAttempts,
            Reason::CodeReplayed => Refused::Used,
            _ => Refused::Expired,
        }
    }
}

/// A code on its way: what the confirmation must name.
#[derive(Debug, Clone)]
pub struct Requested {
    pub txid: String,
    /// The number in E.164 form.
    pub number: String,
    pub channel: Channel,
}

/// Whether `channel`'s gateway is configured.
pub fn configured(state: &AppState, channel: Channel) -> bool {
    match channel {
        Channel::Text => state.gateways.sms.is_some(),
        Channel::Voice => state.gateways.voice.is_some(),
    }
}

fn event<'a>(user: &'a User, channel: Channel, result: &'a str, reason: &'a str) -> Event<'a> {
    Event {
        user: Some(user),
        factor: Some(channel.factor().as_str()),
        reason: Some(reason),
        application: Some(APPLICATION_ID),
        ..Event::new(EVENT, result)
    }
}

/// Audits `why` and hands it back, for the caller to answer.
async fn refuse<T>(
    state: &AppState,
    user: &User,
    channel: Channel,
    why: Refused,
) -> Result<Result<T, Refused>, Error> {
    let record = audit::record(state, &event(user, channel, "failure", why.reason()))?;
    store_audit::insert(state.store.pool(), &record).await?;
    tracing::info!(username = %user.username, reason = why.reason(), "phone verification refused");
    Ok(Err(why))
}

/// Sends a code for `typed` (the number as the user typed it) on `channel`: the code's id
/// and the number, or why not (audited either way).
pub async fn request(
    state: &AppState,
    user: &User,
    typed: &str,
    channel: Channel,
) -> Result<Result<Requested, Refused>, Error> {
    if !configured(state, channel) {
        return refuse(state, user, channel, Refused::NotConfigured(channel)).await;
    }
    let number = match users::phone(Some(typed.to_owned())) {
        Ok(Some(given)) => e164(&given),
        Ok(None) => None,
        Err(e) => return refuse(state, user, channel, Refused::InvalidPhone(message(e))).await,
    };
    let Some(number) = number else {
        let why = Error::invalid("phone", "type your phone number");
        return refuse(state, user, channel, Refused::InvalidPhone(message(why))).await;
    };
    let dispatch = Dispatch {
        user,
        channel,
        application_id: APPLICATION_ID,
        number: &number,
        binding: &number,
    };
    let sent = |_: &str| audit::record(state, &event(user, channel, "success", "code_sent"));
    match sms::send(state, &dispatch, sent).await? {
        Sending::Sent(txid) => Ok(Ok(Requested {
            txid,
            number,
            channel,
        })),
        Sending::CapReached => refuse(state, user, channel, Refused::CodeLimit).await,
        Sending::GatewayFailed => refuse(state, user, channel, Refused::GatewayUnavailable).await,
    }
}

/// The message the admin API answers for `e`.
fn message(e: Error) -> String {
    crate::error::ApiError::from(e).message
}

/// Checks `code` against the code `txid` sent to `number`; when right, saves `number` as
/// the user's phone (audited `user_updated` by `admin`) with the code used, in one
/// transaction. The saved user, or why not (audited either way).
pub async fn confirm(
    state: &AppState,
    admin: &Admin,
    user: &User,
    txid: &str,
    number: &str,
    code: &str,
) -> Result<Result<User, Refused>, Error> {
    let row = sent_codes::by_id(state.store.pool(), txid)
        .await?
        .filter(|r| r.application_id == APPLICATION_ID && r.user_id == user.id);
    let Some(row) = row else {
        return refuse(state, user, Channel::Text, Refused::UnknownCode).await;
    };
    let channel = row.channel;
    let number = e164(number).unwrap_or_default();
    let mut tx = state.store.begin().await?;
    let verdict = sms::judge(state, &mut tx, &row, code, &number, state.now()).await?;
    let why = match verdict {
        Verdict::Accepted => {
            let patch = UserPatch {
                phone: Some(number),
                ..UserPatch::default()
            };
            let saved = users::update_in(state, &mut tx, admin, user, &patch).await?;
            let record =
                audit::record(state, &event(&saved, channel, "success", "phone_verified"))?;
            store_audit::insert(&mut *tx, &record).await?;
            tx.commit().await?;
            tracing::info!(username = %user.username, "phone number verified and saved");
            return Ok(Ok(saved));
        }
        Verdict::Wrong(reason) | Verdict::Unusable(reason) => Refused::of(reason),
    };
    // The wrong try counted in `tx` commits with its record.
    let record = audit::record(state, &event(user, channel, "failure", why.reason()))?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    Ok(Err(why))
}

/// Removes the user's phone number (audited `user_updated` by `admin`).
pub async fn remove(state: &AppState, admin: &Admin, user: &User) -> Result<User, Error> {
    let patch = UserPatch {
        phone: Some(String::new()),
        ..UserPatch::default()
    };
    users::update(state, admin, &user.username, patch).await
}

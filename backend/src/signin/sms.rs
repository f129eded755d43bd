//! Sign-in with a code sent by text message or read out in a phone call (`factor: sms` or
//! `voice`; one code path, the [`Channel`] a parameter). `/v1/auth` sends a fresh code to
//! the user's phone through the channel's gateway (`crate::gateway`) and answers `waiting`
//! with a txid; the relying party then submits what the user typed at
//! `POST /v1/auth/{txid}/code` ([`submit`]), on any node.
//!
//! - The code comes from the CSPRNG (`ring`), `code_digits` digits, uniformly. Only a keyed
//!   hash is stored (HMAC-SHA256 under the master key's lookup key, bound to the channel
//!   and txid), compared in constant time.
//! - At most `max_per_window` codes per user and channel in any `window_seconds` (a sliding
//!   window): the new row is inserted and then the rows are counted under a per-user lock in
//!   one transaction, so of concurrent sends on any number of nodes at most the cap commit.
//! - A code is usable once (a conditional UPDATE only one request wins), until
//!   `code_ttl_seconds` pass, and dies after [`MAX_ATTEMPTS`] wrong tries. Wrong codes also
//!   count towards the user's passcode lockout (they are typed in the same box).
//! - A code is usable only once the gateway accepted it; a failed send leaves it `failed`.
//! - The phone number never goes to the log; into audit records only as `[audit]
//!   record_phone` says (`auth/audit.rs`).

use twofold_core::proto::{AuthContext, AuthResponse, AuthResult, Factor, Reason};
use zeroize::Zeroizing;

use super::{outcome, passcode};
use crate::crypto::{random_digits, random_id};
use crate::error::Error;
use crate::gateway::config::GatewayConfig;
use crate::gateway::{phone, Gateway, Outgoing};
use crate::state::AppState;
use crate::store::applications::Application;
use crate::store::audit as store_audit;
use crate::store::lockouts;
use crate::store::sent_codes::{self, SentCode, SentState};
use crate::store::users::{self as store_users, User};

pub use crate::store::sent_codes::Channel;

/// Wrong codes a sent code survives: the third kills it.
pub const MAX_ATTEMPTS: i64 = 3;

impl Channel {
    /// The `/v1/auth` factor, the audit's method.
    pub fn factor(self) -> Factor {
        match self {
            Channel::Text => Factor::Sms,
            Channel::Voice => Factor::Voice,
        }
    }

    pub fn of(factor: Factor) -> Option<Self> {
        match factor {
            Factor::Sms => Some(Channel::Text),
            Factor::Voice => Some(Channel::Voice),
            _ => None,
        }
    }

    fn config(self, state: &AppState) -> &GatewayConfig {
        match self {
            Channel::Text => &state.config.sms,
            Channel::Voice => &state.config.voice,
        }
    }

    fn gateway(self, state: &AppState) -> Option<&Gateway> {
        match self {
            Channel::Text => state.gateways.sms.as_ref(),
            Channel::Voice => state.gateways.voice.as_ref(),
        }
    }
}

/// Whether the user can be sent codes: a valid number, and which gateways are configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneMethods {
    /// The user's phone is a valid E.164 number.
    pub phone: bool,
    /// `[sms] gateway_url` is set.
    pub sms: bool,
    /// `[voice] gateway_url` is set.
    pub voice: bool,
}

impl PhoneMethods {
    pub fn gather(state: &AppState, user: &User) -> Self {
        Self {
            phone: user.phone.as_deref().and_then(phone::e164).is_some(),
            sms: state.gateways.sms.is_some(),
            voice: state.gateways.voice.is_some(),
        }
    }

    /// The methods the user has, text before voice.
    pub fn registered(&self) -> Vec<Factor> {
        [(Factor::Sms, self.sms), (Factor::Voice, self.voice)]
            .into_iter()
            .filter_map(|(factor, on)| (on && self.phone).then_some(factor))
            .collect()
    }

    /// Pure: why `requested` (sms or voice) cannot be sent to this user; None when it can,
    /// or for other methods.
    pub fn refusal(&self, requested: Factor) -> Option<Reason> {
        let configured = match requested {
            Factor::Sms => self.sms,
            Factor::Voice => self.voice,
            _ => return None,
        };
        if !configured {
            Some(Reason::MethodNotConfigured)
        } else if !self.phone {
            Some(Reason::NoPhone)
        } else {
            None
        }
    }
}

/// The keyed hash stored for `code` sent on `channel` as `txid`, bound to `binding` too
/// when it is not empty (the number a portal verification code was sent to).
fn code_hash(state: &AppState, channel: Channel, txid: &str, binding: &str, code: &str) -> String {
    state
        .master_key
        .lookup_hash(&hash_input(channel, txid, binding, code))
}

fn hash_input(channel: Channel, txid: &str, binding: &str, code: &str) -> Zeroizing<String> {
    if binding.is_empty() {
        return Zeroizing::new(format!("{}:{txid}:{code}", channel.as_str()));
    }
    Zeroizing::new(format!("{}:{txid}:{binding}:{code}", channel.as_str()))
}

/// A fresh code to send: to whom and which number (E.164), on which channel, for which
/// application id (only submissions for it may use the code), and what else its hash is
/// bound to (empty for sign-in; the number for a portal phone verification).
pub struct Dispatch<'a> {
    pub user: &'a User,
    pub channel: Channel,
    pub application_id: &'a str,
    pub number: &'a str,
    pub binding: &'a str,
}

/// What became of a code [`send`] was asked to send.
pub enum Sending {
    /// The gateway accepted it: the txid to submit it with.
    Sent(String),
    /// The user's `max_per_window` codes of this channel were sent already.
    CapReached,
    /// The gateway refused or failed: the code is never usable.
    GatewayFailed,
}

/// Sends a fresh code: the row inserted and counted under the user's lock (the cap), the
/// gateway asked with no transaction held, the row marked sent together with the audit
/// record `sent_record(txid)` makes. Refusals are the caller's to audit.
pub async fn send(
    state: &AppState,
    dispatch: &Dispatch<'_>,
    sent_record: impl FnOnce(&str) -> Result<store_audit::AuditRecord, Error>,
) -> Result<Sending, Error> {
    let (user, channel) = (dispatch.user, dispatch.channel);
    let Some(gateway) = channel.gateway(state) else {
        return Ok(Sending::GatewayFailed);
    };
    let config = channel.config(state);
    let now = state.now();
    let digits = usize::try_from(config.code_digits).unwrap_or(6);
    let code = Zeroizing::new(random_digits(digits)?);
    let txid = random_id("txn")?;
    let row = SentCode {
        id: txid.clone(),
        user_id: user.id.clone(),
        application_id: dispatch.application_id.to_owned(),
        channel,
        code_hash: code_hash(state, channel, &txid, dispatch.binding, &code),
        state: SentState::Sending,
        attempts: 0,
        created_at: now,
        expires_at: now.saturating_add(config.code_ttl_seconds),
    };
    // Inserted first, then counted with its own row, under the user's lock.
    let mut tx = state.store.begin().await?;
    sent_codes::lock_user(&mut tx, state.store.backend(), &user.id).await?;
    let keep = config.window_seconds.max(config.code_ttl_seconds);
    sent_codes::delete_old(&mut *tx, &user.id, now.saturating_sub(keep), now).await?;
    sent_codes::insert(&mut *tx, &row).await?;
    let since = now.saturating_sub(config.window_seconds);
    let sent = sent_codes::sent_since(&mut *tx, &user.id, channel, since).await?;
    if sent > u64::from(config.max_per_window) {
        tx.rollback().await?;
        tracing::warn!(username = %user.username, channel = channel.as_str(),
            max_per_window = config.max_per_window, "code not sent: the user's cap is reached");
        return Ok(Sending::CapReached);
    }
    tx.commit().await?;

    let out = Outgoing {
        phone: dispatch.number,
        code: &code,
        username: &user.username,
        server_name: &state.server_name,
    };
    // No transaction is held while the gateway is asked (it may take `timeout_seconds`).
    match gateway.send(&out).await {
        Ok(()) => {
            let mut tx = state.store.begin().await?;
            if !sent_codes::change_state(&mut *tx, &txid, SentState::Sending, SentState::Sent)
                .await?
            {
                return Err(Error::Internal(format!(
                    "sent code {txid} changed while sending"
                )));
            }
            store_audit::insert(&mut *tx, &sent_record(&txid)?).await?;
            tx.commit().await?;
            tracing::info!(txid = %txid, username = %user.username, channel = channel.as_str(), "code sent");
            Ok(Sending::Sent(txid))
        }
        Err(why) => {
            sent_codes::change_state(
                state.store.pool(),
                &txid,
                SentState::Sending,
                SentState::Failed,
            )
            .await?;
            tracing::warn!(txid = %txid, username = %user.username, channel = channel.as_str(),
                error = %why, "code not sent: the gateway failed");
            Ok(Sending::GatewayFailed)
        }
    }
}

/// Sends `user` a fresh code on `channel` for `app`: `waiting` with the txid, or a refusal
/// (`code_limit`, `gateway_unavailable`), audited.
pub async fn start(
    state: &AppState,
    app: &Application,
    user: &User,
    context: &AuthContext,
    channel: Channel,
) -> Result<AuthResponse, Error> {
    let factor = channel.factor();
    let finish = |reason| outcome::finish(state, user, context, factor, AuthResult::Deny, reason);
    let (Some(_), Some(number)) = (
        channel.gateway(state),
        user.phone.as_deref().and_then(phone::e164),
    ) else {
        // `decide` refuses these first; kept for a gateway or number gone since.
        return finish(Reason::NoPhone).await;
    };
    let dispatch = Dispatch {
        user,
        channel,
        application_id: &app.id,
        number: &number,
        binding: "",
    };
    let (result, reason) = (AuthResult::Waiting, Reason::CodeSent);
    let record =
        |_: &str| outcome::audit_record(state, user, context, result, reason, factor, None);
    match send(state, &dispatch, record).await? {
        Sending::Sent(txid) => {
            outcome::count(state, factor, result, reason);
            let mut response = AuthResponse::new(result, reason);
            response.txid = Some(txid);
            Ok(response)
        }
        Sending::CapReached => finish(Reason::CodeLimit).await,
        Sending::GatewayFailed => finish(Reason::GatewayUnavailable).await,
    }
}

/// What a submitted code found.
pub enum Verdict {
    Accepted,
    /// Not a guess (the code's state decides): the lockout reservation is given back.
    Unusable(Reason),
    Wrong(Reason),
}

/// `POST /v1/auth/{txid}/code`: checks `passcode` against the code sent as `txid` (by any
/// node) for `app`, and records the outcome. An unknown txid, or another application's, is
/// [`Error::ChallengeNotFound`].
pub async fn submit(
    state: &AppState,
    app: &Application,
    txid: &str,
    passcode: &str,
) -> Result<AuthResponse, Error> {
    if passcode.len() > passcode::MAX_LEN {
        return Err(Error::invalid("passcode", "must be at most 64 characters"));
    }
    let pool = state.store.pool();
    let row = sent_codes::by_id(pool, txid)
        .await?
        .filter(|row| row.application_id == app.id)
        .ok_or(Error::ChallengeNotFound)?;
    let user = store_users::by_id(pool, &row.user_id)
        .await?
        .ok_or(Error::ChallengeNotFound)?;
    let factor = row.channel.factor();
    let context = AuthContext {
        application: Some(app.name.clone()),
        ..AuthContext::default()
    };
    if user.blocked {
        return outcome::finish(
            state,
            &user,
            &context,
            factor,
            AuthResult::Deny,
            Reason::UserBlocked,
        )
        .await;
    }
    let now = state.now();
    let escalation = super::secret::escalation(&state.config.policy);
    let mut tx = state.store.begin().await?;
    let counter = passcode::LOCKOUT_FACTOR;
    let (result, reason) =
        match lockouts::reserve(&mut tx, &user.id, counter, now, &escalation).await? {
            None => (AuthResult::Deny, Reason::LockedOut),
            Some(reserved) => match judge(state, &mut tx, &row, passcode, "", now).await? {
                Verdict::Accepted => {
                    lockouts::reset(&mut *tx, &user.id, counter).await?;
                    (AuthResult::Allow, Reason::Verified)
                }
                Verdict::Unusable(reason) => {
                    lockouts::give_back(&mut *tx, &user.id, counter, reserved).await?;
                    (AuthResult::Deny, reason)
                }
                Verdict::Wrong(reason) => (AuthResult::Deny, reason),
            },
        };
    let record = outcome::audit_record(state, &user, &context, result, reason, factor, None)?;
    store_audit::insert(&mut *tx, &record).await?;
    tx.commit().await?;
    outcome::count(state, factor, result, reason);
    Ok(AuthResponse::new(result, reason))
}

/// Pure: why a row cannot take a code at `now`, if it cannot.
fn unusable(row: &SentCode, now: u64) -> Option<Reason> {
    match row.state {
        SentState::Used => Some(Reason::CodeReplayed),
        SentState::Sending | SentState::Failed => Some(Reason::CodeExpired),
        SentState::Sent if row.attempts >= MAX_ATTEMPTS => Some(Reason::TooManyAttempts),
        SentState::Sent if now >= row.expires_at => Some(Reason::CodeExpired),
        SentState::Sent => None,
    }
}

/// Checks `passcode` against `row` (its hash bound to `binding`, as [`Dispatch`] said) at
/// `now`, in the caller's transaction: used once when right, a wrong try counted when not.
pub async fn judge(
    state: &AppState,
    tx: &mut sqlx::AnyConnection,
    row: &SentCode,
    passcode: &str,
    binding: &str,
    now: u64,
) -> Result<Verdict, Error> {
    if let Some(reason) = unusable(row, now) {
        return Ok(Verdict::Unusable(reason));
    }
    // People type codes with spaces ("123 456").
    let typed: Zeroizing<String> =
        Zeroizing::new(passcode.chars().filter(|c| !c.is_whitespace()).collect());
    let right = state.master_key.verify_lookup_hash(
        &hash_input(row.channel, &row.id, binding, &typed),
        &row.code_hash,
    );
    if right {
        if sent_codes::consume(&mut *tx, &row.id, now, MAX_ATTEMPTS).await? {
            return Ok(Verdict::Accepted);
        }
        // Another request used it (or killed it) first.
        return Ok(Verdict::Unusable(Reason::CodeReplayed));
    }
    Ok(
        match sent_codes::count_wrong(&mut *tx, &row.id, MAX_ATTEMPTS).await? {
            Some(attempts) if attempts >= MAX_ATTEMPTS => Verdict::Wrong(Reason::TooManyAttempts),
            Some(_) => Verdict::Wrong(Reason::InvalidCode),
            // Used or killed meanwhile: this guess checked nothing that still counts.
            None => Verdict::Unusable(Reason::TooManyAttempts),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: SentState, attempts: i64) -> SentCode {
        SentCode {
            id: "txn_1".into(),
            user_id: "usr_1".into(),
            application_id: "app_1".into(),
            channel: Channel::Text,
            code_hash: String::new(),
            state,
            attempts,
            created_at: 100,
            expires_at: 400,
        }
    }

    #[test]
    fn only_a_sent_live_code_with_tries_left_is_usable() {
        assert_eq!(unusable(&row(SentState::Sent, 0), 399), None);
        assert_eq!(unusable(&row(SentState::Sent, 2), 100), None);
        assert_eq!(
            unusable(&row(SentState::Sent, 0), 400),
            Some(Reason::CodeExpired)
        );
        assert_eq!(
            unusable(&row(SentState::Sent, 3), 100),
            Some(Reason::TooManyAttempts)
        );
        assert_eq!(
            unusable(&row(SentState::Used, 0), 100),
            Some(Reason::CodeReplayed)
        );
        for never in [SentState::Sending, SentState::Failed] {
            assert_eq!(unusable(&row(never, 0), 100), Some(Reason::CodeExpired));
        }
    }

    #[test]
    fn sms_and_voice_are_offered_only_with_a_number_and_a_gateway() {
        let all = PhoneMethods {
            phone: true,
            sms: true,
            voice: true,
        };
        assert_eq!(all.registered(), vec![Factor::Sms, Factor::Voice]);
        assert_eq!(all.refusal(Factor::Voice), None);
        let no_phone = PhoneMethods {
            phone: false,
            ..all
        };
        assert!(no_phone.registered().is_empty());
        assert_eq!(no_phone.refusal(Factor::Sms), Some(Reason::NoPhone));
        let text_only = PhoneMethods {
            voice: false,
            ..all
        };
        assert_eq!(text_only.registered(), vec![Factor::Sms]);
        assert_eq!(
            text_only.refusal(Factor::Voice),
            Some(Reason::MethodNotConfigured)
        );
        assert_eq!(text_only.refusal(Factor::Push), None);
    }
}

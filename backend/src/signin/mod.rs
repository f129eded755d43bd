//! Sign-in: what a user can do ([`options`]), the decision taken before any factor is checked
//! ([`decide`], pure), one file per method ([`passcode`], [`push`]) and how an attempt is
//! finished ([`outcome`]). `/v1/preauth` and `/v1/auth` both go through [`begin`], so they
//! cannot disagree about a user.
//!
//! Adding a method: a new file here, its arm in [`Options::registered`] and in [`auth`].

pub mod app_password;
pub mod bypass;
pub mod decide;
pub mod options;
pub mod outcome;
pub mod passcode;
pub mod push;
pub mod recovery;
pub mod secret;
pub mod sms;
pub mod token;

use twofold_core::proto::{
    AuthRequest, AuthResponse, AuthResult, DeviceSummary, Factor, PreauthResponse, PreauthResult,
    Reason,
};

use self::decide::{Decision, Requested};
use self::options::Options;
use crate::error::Error;
use crate::state::AppState;
use crate::store::applications::Application;

/// Gathers what `username` can do and decides on `requested`: the one path both relying-party
/// questions take.
/// `requested` is worked out from what the user has (`factor: auto` depends on it).
pub async fn begin(
    state: &AppState,
    username: &str,
    requested: impl FnOnce(&Options) -> Requested,
) -> Result<(Options, Decision), Error> {
    let options = Options::gather(state, username).await?;
    let decision = decide::decide(&options, requested(&options), state.config.policy.no_method);
    Ok((options, decision))
}

/// `/v1/preauth`: what can this user do?
pub async fn preauth(state: &AppState, username: &str) -> Result<PreauthResponse, Error> {
    let (options, decision) = begin(state, username, |_| Requested::Any).await?;
    let default_method = match decision {
        Decision::Proceed(_) => {
            Some(options.auto_factor()).filter(|m| options.available().contains(m))
        }
        _ => None,
    };
    let default_method_disabled = matches!(
        decision,
        Decision::Proceed(_) | Decision::Enroll(Reason::MethodDisabled)
    ) && options.default_disabled();
    let (result, reason, methods) = match decision {
        Decision::Proceed(_) => (
            PreauthResult::Auth,
            Reason::MethodsAvailable,
            options.available(),
        ),
        Decision::Allow(r) => (PreauthResult::Allow, r, Vec::new()),
        Decision::Deny(r) => (PreauthResult::Deny, r, Vec::new()),
        Decision::Enroll(r) => (PreauthResult::Enroll, r, Vec::new()),
    };
    Ok(PreauthResponse {
        result,
        reason,
        message: reason.message().to_owned(),
        methods,
        devices: options
            .devices
            .into_iter()
            .map(|d| DeviceSummary {
                id: d.id,
                name: d.name,
                platform: d.platform,
            })
            .collect(),
        default_method,
        default_method_disabled,
    })
}

/// `/v1/auth`: is this really the user? `app` is the relying party asking.
pub async fn auth(
    state: &AppState,
    app: &Application,
    mut req: AuthRequest,
) -> Result<AuthResponse, Error> {
    if req.context.application.as_deref().is_none_or(str::is_empty) {
        req.context.application = Some(app.name.clone());
    }
    let passcode = req
        .passcode
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    // `auto`: a passcode when one was given (a bypass or recovery code recognised by its
    // shape), otherwise the user's default method or the first available one.
    let asked = secret::recognise(req.factor, passcode);
    let mut factor = asked;
    let (options, decision) = begin(state, &req.username, |options| {
        factor = match (asked, passcode) {
            (Factor::Auto, Some(_)) => Factor::Passcode,
            (Factor::Auto, None) => options.auto_factor(),
            (asked, _) => asked,
        };
        Requested::Method(factor)
    })
    .await?;
    // Checked after the user lookup, as before: an unknown user is reported first.
    if passcode.is_some_and(|p| p.len() > passcode::MAX_LEN) {
        return Err(Error::invalid("passcode", "must be at most 64 characters"));
    }
    let (user, context) = (&options.user, &req.context);
    let finish = |result, reason| outcome::finish(state, user, context, factor, result, reason);
    match decision {
        Decision::Allow(r) => finish(AuthResult::Allow, r).await,
        Decision::Deny(r) => finish(AuthResult::Deny, r).await,
        Decision::Enroll(r) => finish(AuthResult::Enroll, r).await,
        Decision::Proceed(Factor::Passcode) => {
            let passcode = passcode.ok_or_else(|| match req.factor {
                Factor::Auto => Error::invalid(
                    "passcode",
                    "required: this user's default method is a passcode (factor \"auto\")",
                ),
                _ => Error::invalid("passcode", "required with factor \"passcode\""),
            })?;
            passcode::verify(state, user, &options.credentials, passcode, context).await
        }
        Decision::Proceed(f @ (Factor::AppPassword | Factor::Bypass | Factor::Recovery)) => {
            let text = passcode.ok_or_else(|| {
                Error::invalid("passcode", format!("required with factor {:?}", f.as_str()))
            })?;
            secret::verify(state, user, f, text, context).await
        }
        Decision::Proceed(f @ (Factor::Sms | Factor::Voice)) => {
            if passcode.is_some() {
                return Err(Error::invalid(
                    "passcode",
                    format!(
                        "not taken with factor {:?}: this request sends a code; submit it at POST /v1/auth/{{txid}}/code",
                        f.as_str()
                    ),
                ));
            }
            let channel = sms::Channel::of(f).unwrap_or(sms::Channel::Text);
            sms::start(state, app, user, context, channel).await
        }
        Decision::Proceed(Factor::Push | Factor::Auto) => {
            push::start(state, app, user, context, req.asynchronous).await
        }
    }
}

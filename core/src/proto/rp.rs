//! The relying-party API: "what can this user do?" (`/v1/preauth`) and "is this really the
//! user?" (`/v1/auth`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// `POST /v1/preauth`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreauthRequest {
    pub username: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PreauthResult {
    /// Ask for a second factor: one of `methods`.
    Auth,
    /// Let the user in without a second factor (MFA disabled, or server policy).
    Allow,
    /// Refuse the sign-in.
    Deny,
    /// The user has no usable method: send them to register one.
    Enroll,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreauthResponse {
    pub result: PreauthResult,
    pub reason: Reason,
    pub message: String,
    /// The factors `/v1/auth` will accept for this user now, the user's default method
    /// first: the rest are what a sign-in page offers as "use a different method".
    pub methods: Vec<Factor>,
    pub devices: Vec<DeviceSummary>,
    /// What `factor: auto` without a passcode checks for this user now (`push`,
    /// `passcode`, `sms` or `voice`): their default method when available, else the first
    /// available of those. `null` unless `result` is `auth` and one of them is available.
    #[serde(default)]
    pub default_method: Option<Factor>,
    /// The user has their default method but an administrator disabled it for everyone:
    /// the page should ask them to register another method. With other methods available
    /// `result` stays `auth` and `methods` lists them; without, `result` is `enroll` with
    /// reason `method_disabled`.
    #[serde(default)]
    pub default_method_disabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceSummary {
    pub id: String,
    pub name: String,
    pub platform: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// With a passcode: `passcode` (or `bypass`/`recovery` by the code's shape). Without:
    /// the user's default method when available, else the first available of push,
    /// passcode, sms and voice, else push (answered as asking for push would be).
    Auto,
    /// A one-time code: from the app's offline account or a hardware token.
    Passcode,
    /// A sign-in request to the user's devices.
    Push,
    /// An app password (in `passcode`), for clients that cannot do MFA; only when the
    /// server's `[app_passwords] enabled = true`.
    AppPassword,
    /// A one-time bypass code an administrator gave the user (in `passcode`).
    Bypass,
    /// One of the user's single-use recovery codes (in `passcode`).
    Recovery,
    /// A one-time code sent by text message to the user's phone: answered `waiting` with a
    /// `txid`; the code is then submitted at `POST /v1/auth/{txid}/code`.
    Sms,
    /// As `sms`, read out in a phone call.
    Voice,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Auto => "auto",
            Factor::Passcode => "passcode",
            Factor::Push => "push",
            Factor::AppPassword => "app_password",
            Factor::Bypass => "bypass",
            Factor::Recovery => "recovery",
            Factor::Sms => "sms",
            Factor::Voice => "voice",
        }
    }
}

/// Where the sign-in comes from; shown to the user in push requests and kept in the audit log.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthContext {
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub client_ip: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// `POST /v1/auth`.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthRequest {
    pub username: String,
    pub factor: Factor,
    /// Required with `factor: passcode`.
    #[serde(default)]
    pub passcode: Option<String>,
    #[serde(default)]
    pub context: AuthContext,
    /// Push only: answer at once with a `txid` to poll at `GET /v1/auth/{txid}`.
    #[serde(default, rename = "async")]
    pub asynchronous: bool,
}

impl fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRequest")
            .field("username", &self.username)
            .field("factor", &self.factor)
            .field("passcode", &self.passcode.as_ref().map(|_| "***"))
            .field("context", &self.context)
            .field("async", &self.asynchronous)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthResult {
    Allow,
    Deny,
    Enroll,
    /// Push, asynchronous: not answered yet; poll again.
    Waiting,
    /// Push: nobody answered before the challenge expired.
    Timeout,
}

impl AuthResult {
    pub const ALL: &'static [AuthResult] = &[
        AuthResult::Allow,
        AuthResult::Deny,
        AuthResult::Enroll,
        AuthResult::Waiting,
        AuthResult::Timeout,
    ];

    /// The wire form (what serde writes), also used in audit records and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthResult::Allow => "allow",
            AuthResult::Deny => "deny",
            AuthResult::Enroll => "enroll",
            AuthResult::Waiting => "waiting",
            AuthResult::Timeout => "timeout",
        }
    }
}

impl std::str::FromStr for AuthResult {
    type Err = UnknownWireValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        from_wire(Self::ALL, Self::as_str, "result", text)
    }
}

/// A text that is not the wire form of any value of the named kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {kind}")]
pub struct UnknownWireValue {
    pub kind: &'static str,
    pub value: String,
}

/// The value among `all` whose wire form is `text`.
pub(super) fn from_wire<T: Copy>(
    all: &[T],
    as_str: fn(T) -> &'static str,
    kind: &'static str,
    text: &str,
) -> Result<T, UnknownWireValue> {
    all.iter()
        .copied()
        .find(|v| as_str(*v) == text)
        .ok_or_else(|| UnknownWireValue {
            kind,
            value: text.to_owned(),
        })
}

/// Why: a stable code a relying party can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Verified: the code was right, or the user approved.
    Verified,
    /// Preauth: the user can authenticate with the listed methods.
    MethodsAvailable,
    /// MFA is disabled for this user.
    MfaDisabled,
    /// The user has no registered method and server policy lets them in.
    NoMethodAllowed,
    /// The user has no registered method and server policy refuses them.
    NoMethodDenied,
    /// The user has no registered method (or was reset) and must register.
    NoMethod,
    /// The user is blocked (for instance after a fraud report).
    UserBlocked,
    InvalidCode,
    CodeReplayed,
    /// Too many consecutive failures: the factor is locked for a while.
    LockedOut,
    /// No passcode in a passcode request.
    MissingPasscode,
    /// Push: the user approved.
    Approved,
    /// Push: the user denied.
    Denied,
    /// Push: the user denied and reported the request as fraud.
    FraudReported,
    /// Push: the number typed did not match.
    WrongNumber,
    /// Push: nobody answered in time.
    Expired,
    /// Push: the relying party cancelled.
    Cancelled,
    /// Push: too many pushes for this user in the last minute.
    PushLimit,
    /// Push: waiting for the user.
    Pending,
    /// Push: the user's devices were activated before the server was reactivated.
    NotActivated,
    /// An administrator disabled this method for everyone: register another one.
    MethodDisabled,
    /// App passwords are switched off on this server (`[app_passwords] enabled = false`).
    AppPasswordsDisabled,
    /// The user has registered methods, but not the one asked for: the no-method policy
    /// (which may let users without any method in) does not apply to them.
    MethodNotRegistered,
    /// Push: too many pushes for this user in the last 24 hours (`push.max_per_day`).
    PushDailyLimit,
    /// Text or voice: a code was sent; submit it at `POST /v1/auth/{txid}/code`.
    CodeSent,
    /// Text or voice: the gateway failed, answered with an error or did not answer in time;
    /// no code is pending. Offer another method (or try again later).
    GatewayUnavailable,
    /// Text or voice: too many codes sent to this user recently (`max_per_window`).
    CodeLimit,
    /// Text or voice: the user has no valid phone number.
    NoPhone,
    /// Text or voice: this server has no gateway for the method.
    MethodNotConfigured,
    /// Text or voice: the code's time ran out (`code_ttl_seconds`); ask for a new one.
    CodeExpired,
    /// Text or voice: three wrong codes; the pending code is void, ask for a new one.
    TooManyAttempts,
}

impl Reason {
    pub const ALL: &'static [Reason] = &[
        Reason::Verified,
        Reason::MethodsAvailable,
        Reason::MfaDisabled,
        Reason::NoMethodAllowed,
        Reason::NoMethodDenied,
        Reason::NoMethod,
        Reason::UserBlocked,
        Reason::InvalidCode,
        Reason::CodeReplayed,
        Reason::LockedOut,
        Reason::MissingPasscode,
        Reason::Approved,
        Reason::Denied,
        Reason::FraudReported,
        Reason::WrongNumber,
        Reason::Expired,
        Reason::Cancelled,
        Reason::PushLimit,
        Reason::Pending,
        Reason::NotActivated,
        Reason::MethodDisabled,
        Reason::AppPasswordsDisabled,
        Reason::MethodNotRegistered,
        Reason::PushDailyLimit,
        Reason::CodeSent,
        Reason::GatewayUnavailable,
        Reason::CodeLimit,
        Reason::NoPhone,
        Reason::MethodNotConfigured,
        Reason::CodeExpired,
        Reason::TooManyAttempts,
    ];

    /// The wire form (what serde writes), also stored with finished push challenges.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Verified => "verified",
            Reason::MethodsAvailable => "methods_available",
            Reason::MfaDisabled => "mfa_disabled",
            Reason::NoMethodAllowed => "no_method_allowed",
            Reason::NoMethodDenied => "no_method_denied",
            Reason::NoMethod => "no_method",
            Reason::UserBlocked => "user_blocked",
            Reason::InvalidCode => "invalid_code",
            Reason::CodeReplayed => "code_replayed",
            Reason::LockedOut => "locked_out",
            Reason::MissingPasscode => "missing_passcode",
            Reason::Approved => "approved",
            Reason::Denied => "denied",
            Reason::FraudReported => "fraud_reported",
            Reason::WrongNumber => "wrong_number",
            Reason::Expired => "expired",
            Reason::Cancelled => "cancelled",
            Reason::PushLimit => "push_limit",
            Reason::Pending => "pending",
            Reason::NotActivated => "not_activated",
            Reason::MethodDisabled => "method_disabled",
            Reason::AppPasswordsDisabled => "app_passwords_disabled",
            Reason::MethodNotRegistered => "method_not_registered",
            Reason::PushDailyLimit => "push_daily_limit",
            Reason::CodeSent => "code_sent",
            Reason::GatewayUnavailable => "gateway_unavailable",
            Reason::CodeLimit => "code_limit",
            Reason::NoPhone => "no_phone",
            Reason::MethodNotConfigured => "method_not_configured",
            Reason::CodeExpired => "code_expired",
            Reason::TooManyAttempts => "too_many_attempts",
        }
    }

    /// A sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            Reason::Verified => "The second factor was verified.",
            Reason::MethodsAvailable => "The user can authenticate with the listed methods.",
            Reason::MfaDisabled => "Multi-factor authentication is disabled for this user.",
            Reason::NoMethodAllowed => "The user has no registered method; policy allows sign-in.",
            Reason::NoMethodDenied => "The user has no registered method; policy denies sign-in.",
            Reason::NoMethod => "The user must register an authentication method.",
            Reason::UserBlocked => "The user is blocked; an administrator must unblock them.",
            Reason::InvalidCode => "The code is not valid.",
            Reason::CodeReplayed => "The code was already used; wait for the next one.",
            Reason::LockedOut => "Too many failed attempts; try again later.",
            Reason::MissingPasscode => "A passcode is required for this factor.",
            Reason::Approved => "The user approved the sign-in.",
            Reason::Denied => "The user denied the sign-in.",
            Reason::FraudReported => "The user denied the sign-in and reported it as fraud.",
            Reason::WrongNumber => "The number entered did not match.",
            Reason::Expired => "Nobody answered the sign-in request in time.",
            Reason::Cancelled => "The sign-in request was cancelled.",
            Reason::PushLimit => "Too many sign-in requests; wait a minute.",
            Reason::Pending => "Waiting for the user to answer.",
            Reason::NotActivated => "Authentication request is not for an activated account",
            Reason::MethodDisabled => {
                "This method was disabled by the administrator; register another method."
            }
            Reason::AppPasswordsDisabled => "App passwords are disabled on this server.",
            Reason::MethodNotRegistered => {
                "The user has not registered this method: use one of the methods preauth lists."
            }
            Reason::PushDailyLimit => {
                "Too many sign-in requests in the last 24 hours; try again later."
            }
            Reason::CodeSent => "A code was sent to the user's phone; submit it to finish.",
            Reason::GatewayUnavailable => {
                "The code could not be sent (the gateway is unavailable); use another method."
            }
            Reason::CodeLimit => "Too many codes were sent recently; wait a few minutes.",
            Reason::NoPhone => "The user has no phone number; an administrator must add one.",
            Reason::MethodNotConfigured => "This server has no gateway for this method.",
            Reason::CodeExpired => "The code has expired; ask for a new one.",
            Reason::TooManyAttempts => "Too many wrong codes; ask for a new one.",
        }
    }
}

impl std::str::FromStr for Reason {
    type Err = UnknownWireValue;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        from_wire(Self::ALL, Self::as_str, "reason", text)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthResponse {
    pub result: AuthResult,
    pub reason: Reason,
    pub message: String,
    /// Push: the transaction to poll or cancel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txid: Option<String>,
    /// Push with number matching: show this number on the sign-in page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// `POST /v1/auth/{txid}/code`: the code a text message or call (`factor: sms`/`voice`)
/// gave the user.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeSubmission {
    pub passcode: String,
}

impl fmt::Debug for CodeSubmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeSubmission(***)")
    }
}

impl AuthResponse {
    pub fn new(result: AuthResult, reason: Reason) -> Self {
        Self {
            result,
            reason,
            message: reason.message().to_owned(),
            txid: None,
            number: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_serialise_as_their_stable_names() {
        for reason in [
            Reason::CodeReplayed,
            Reason::LockedOut,
            Reason::NoMethodAllowed,
            Reason::FraudReported,
        ] {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
    }

    #[test]
    fn reasons_and_results_parse_from_their_wire_form_and_print_it() {
        for reason in Reason::ALL {
            let json = serde_json::to_string(reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
            assert_eq!(reason.as_str().parse::<Reason>(), Ok(*reason));
        }
        for result in AuthResult::ALL {
            let json = serde_json::to_string(result).unwrap();
            assert_eq!(json, format!("\"{}\"", result.as_str()));
            assert_eq!(result.as_str().parse::<AuthResult>(), Ok(*result));
        }
        assert!("Approved".parse::<Reason>().is_err());
        assert!("maybe".parse::<AuthResult>().is_err());
    }

    #[test]
    fn auth_requests_refuse_unknown_fields_and_hide_the_passcode() {
        let err = serde_json::from_str::<AuthRequest>(
            r#"{"username":"a","factor":"passcode","pascode":"1"}"#,
        );
        assert!(err.is_err());
        let req: AuthRequest = serde_json::from_str(
            r#"{"username":"a","factor":"passcode","passcode":"123456","async":false}"#,
        )
        .unwrap();
        assert!(!format!("{req:?}").contains("123456"));
    }
}

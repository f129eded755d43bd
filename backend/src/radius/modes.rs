//! What an Access-Request means in each client mode, and the answer. The second factor
//! always goes through the one sign-in decision ([`crate::signin::auth`]), as `/v1/auth`
//! does, so lockout, replay protection, push caps, audit and metrics are the same; the
//! relying party is the RADIUS client (its name is the application on the phone and in the
//! audit log). Every refusal decided here is audited.
//!
//! - `second_factor`: User-Password is a code, app password, bypass or recovery code, or
//!   `push` / nothing.
//! - `password_then_challenge`: the primary password, then an Access-Challenge (RFC 2865
//!   §4.4) with a State; the next request with that State carries the code or `push`.
//! - `password_and_code`: the password with the code appended, no separator (the
//!   privacyIDEA way: the last `digits` characters), or `,push` appended for a push (Duo's
//!   way).

use std::net::IpAddr;

use twofold_core::proto::{AuthContext, AuthRequest, AuthResult, Factor};
use zeroize::Zeroizing;

use super::clients::Client;
use super::config::RadiusMode;
use super::packet::Code;
use super::primary::{Primary, PrimaryVerdict};
use crate::auth::audit::{self, Event};
use crate::config::NumberMatching;
use crate::error::Error;
use crate::signin::decide::{Decision, Requested};
use crate::state::AppState;
use crate::store::applications::Application;

/// What the Reply-Message of an Access-Challenge asks for.
pub const CHALLENGE_PROMPT: &str = "Enter a code, or type push";

/// One decoded Access-Request.
pub struct Request {
    pub username: String,
    pub password: Zeroizing<Vec<u8>>,
    pub state: Option<Vec<u8>>,
    pub nas: Option<IpAddr>,
    pub calling_station: Option<String>,
}

/// The answer: Accept, Reject or Challenge, a Reply-Message, and a State for a Challenge.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    pub code: Code,
    pub message: Option<String>,
    pub state: Option<Vec<u8>>,
}

impl Reply {
    fn accept() -> Self {
        Self {
            code: Code::AccessAccept,
            message: None,
            state: None,
        }
    }

    fn reject(message: &str) -> Self {
        Self {
            code: Code::AccessReject,
            message: Some(message.to_owned()),
            state: None,
        }
    }
}

/// Everything an answer needs besides the request.
pub struct Front<'a> {
    pub state: &'a AppState,
    pub client: &'a Client,
    pub primary: Option<&'a Primary>,
    pub state_ttl: u64,
}

impl Front<'_> {
    /// The relying party a RADIUS client is: its name, an id no HTTP application can have
    /// (so no relying party can poll or cancel its pushes).
    fn application(&self) -> Application {
        Application {
            id: format!(
                "{}{}",
                crate::signin::push::RADIUS_APPLICATION_PREFIX,
                self.client.name
            ),
            name: self.client.name.clone(),
            secret_hash: String::new(),
            created_at: 0,
        }
    }
}

/// The audit detail of every record written for `request`: where it came from.
pub fn source_detail(client: &Client, request: &Request) -> String {
    let mut detail = format!("mode=radius client={}", client.name);
    if let Some(nas) = request.nas {
        detail.push_str(&format!(" nas={nas}"));
    }
    if let Some(station) = &request.calling_station {
        let clean: String = station
            .chars()
            .filter(|c| !twofold_core::proto::context::is_forging_char(*c))
            .take(64)
            .collect();
        detail.push_str(&format!(" calling_station={clean}"));
    }
    detail
}

/// Calling-Station-Id as the client IP when it is one (VPNs send the user's address;
/// Wi-Fi sends a MAC address, which stays in the detail only).
fn client_ip(request: &Request) -> Option<String> {
    let station = request.calling_station.as_deref()?.trim();
    station.parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

/// Answers one Access-Request of `front.client`.
pub async fn answer(front: &Front<'_>, request: &Request) -> Result<Reply, Error> {
    let detail = source_detail(front.client, request);
    audit::from_source(detail, async {
        let Ok(text) = std::str::from_utf8(&request.password) else {
            return refuse(
                front,
                request,
                "malformed_request",
                "The password is not valid text.",
            )
            .await;
        };
        match front.client.mode {
            RadiusMode::SecondFactor => second_factor(front, request, text).await,
            RadiusMode::PasswordThenChallenge => {
                password_then_challenge(front, request, text).await
            }
            RadiusMode::PasswordAndCode => password_and_code(front, request, text).await,
        }
    })
    .await
}

async fn password_then_challenge(
    front: &Front<'_>,
    request: &Request,
    text: &str,
) -> Result<Reply, Error> {
    if let Some(value) = &request.state {
        let taken = super::state::take(front.state, &front.client.name, value).await?;
        if taken.as_deref() != Some(request.username.as_str()) {
            return refuse(
                front,
                request,
                "radius_state_invalid",
                "This sign-in expired or was already finished: start again.",
            )
            .await;
        }
        return second_factor(front, request, text).await;
    }
    if let Some(refused) = check_primary(front, request, text.as_bytes()).await? {
        return Ok(refused);
    }
    let begun = crate::signin::begin(front.state, &request.username, |_| Requested::Any).await;
    let app = front.application();
    let begun = crate::api::rp::audit_unknown_user(
        front.state,
        &app,
        "auto",
        &request.username,
        client_ip(request).as_deref(),
        begun,
    )
    .await;
    match begun {
        Ok((_, Decision::Proceed(_))) => {
            let state = super::state::issue(
                front.state,
                &front.client.name,
                &request.username,
                front.state_ttl,
            )
            .await?;
            Ok(Reply {
                code: Code::AccessChallenge,
                message: Some(CHALLENGE_PROMPT.to_owned()),
                state: Some(state),
            })
        }
        // Allowed, denied or to enroll without a factor: the sign-in decision says so (and
        // audits it) when asked without a passcode.
        Ok(_) => sign_in(front, request, Factor::Auto, None).await,
        Err(Error::UserNotFound(_)) => Ok(Reply::reject(REFUSED)),
        Err(Error::InvalidField { .. }) => refuse(front, request, "invalid_request", REFUSED).await,
        Err(e) => Err(e),
    }
}

async fn password_and_code(
    front: &Front<'_>,
    request: &Request,
    text: &str,
) -> Result<Reply, Error> {
    let Some((password, second)) = split_appended(text, front.client.digits) else {
        return refuse(
            front,
            request,
            "code_missing",
            "Type your password followed by the code from the app (or by ,push).",
        )
        .await;
    };
    if let Some(refused) = check_primary(front, request, password.as_bytes()).await? {
        return Ok(refused);
    }
    second_factor(front, request, second).await
}

/// `password_and_code`: (password, code or "push"). A trailing `,push` asks for a push;
/// otherwise the last `digits` characters must be digits.
pub fn split_appended(text: &str, digits: usize) -> Option<(&str, &str)> {
    let lower_end = text.len().checked_sub(5).and_then(|i| text.get(i..));
    if lower_end.is_some_and(|end| end.eq_ignore_ascii_case(",push")) {
        let password = &text[..text.len() - 5];
        return (!password.is_empty()).then_some((password, "push"));
    }
    let split = text.len().checked_sub(digits)?;
    let (password, code) = (text.get(..split)?, text.get(split..)?);
    (!password.is_empty() && code.bytes().all(|b| b.is_ascii_digit())).then_some((password, code))
}

/// Checks the primary password; Some(reject) when it is not accepted (audited).
async fn check_primary(
    front: &Front<'_>,
    request: &Request,
    password: &[u8],
) -> Result<Option<Reply>, Error> {
    let Some(primary) = front.primary else {
        return refuse(front, request, "primary_unavailable", UNAVAILABLE)
            .await
            .map(Some);
    };
    let verdict = primary
        .verify(front.state, &request.username, password)
        .await;
    let message = match &verdict {
        PrimaryVerdict::Valid => return Ok(None),
        PrimaryVerdict::Invalid => "Wrong user name or password.",
        PrimaryVerdict::Unavailable(why) => {
            tracing::warn!(client = %front.client.name, error = %why, "the primary password check failed");
            UNAVAILABLE
        }
    };
    front
        .state
        .metrics
        .authentication("primary", "deny", verdict.reason());
    audit_refusal(front, request, "authentication", verdict.reason()).await?;
    Ok(Some(Reply::reject(message)))
}

const UNAVAILABLE: &str = "The password could not be checked: try again later.";
const REFUSED: &str = "Sign-in refused.";

/// The second factor in `text`: a code or secret, or `push` / nothing for a push.
async fn second_factor(front: &Front<'_>, request: &Request, text: &str) -> Result<Reply, Error> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("push") {
        if front.state.config.push.number_matching == NumberMatching::Always {
            return refuse(
                front,
                request,
                "push_needs_number_matching",
                "Push needs number matching, which this sign-in cannot show: enter a code from the app.",
            )
            .await;
        }
        return sign_in(front, request, Factor::Push, None).await;
    }
    sign_in(front, request, Factor::Auto, Some(text)).await
}

/// One call of the sign-in decision, and its answer as a Reply.
async fn sign_in(
    front: &Front<'_>,
    request: &Request,
    factor: Factor,
    passcode: Option<&str>,
) -> Result<Reply, Error> {
    let app = front.application();
    let client_ip = client_ip(request);
    let auth = AuthRequest {
        username: request.username.clone(),
        factor,
        passcode: passcode.map(str::to_owned),
        context: AuthContext {
            application: Some(app.name.clone()),
            client_ip: client_ip.clone(),
            location: None,
            user_agent: None,
        },
        asynchronous: false,
    };
    let answer = crate::signin::auth(front.state, &app, auth).await;
    let answer = crate::api::rp::audit_unknown_user(
        front.state,
        &app,
        factor.as_str(),
        &request.username,
        client_ip.as_deref(),
        answer,
    )
    .await;
    match answer {
        Ok(response) if response.result == AuthResult::Allow => Ok(Reply::accept()),
        Ok(response) => Ok(Reply::reject(response.reason.message())),
        Err(Error::UserNotFound(_)) => Ok(Reply::reject(REFUSED)),
        Err(Error::InvalidField { field, message }) => {
            tracing::info!(client = %front.client.name, %field, %message, "RADIUS request refused");
            let message = if field == "username" {
                REFUSED
            } else {
                "The code is not valid."
            };
            refuse(front, request, "invalid_request", message).await
        }
        Err(e) => Err(e),
    }
}

/// A request that cannot be answered as asked (no user name or password, EAP or CHAP):
/// audited and rejected with `problem`.
pub async fn refuse_malformed(
    front: &Front<'_>,
    request: &Request,
    problem: &str,
) -> Result<Reply, Error> {
    let detail = source_detail(front.client, request);
    audit::from_source(detail, refuse(front, request, "malformed_request", problem)).await
}

/// Audits a refusal decided here (event `request`) and answers Reject with `message`.
async fn refuse(
    front: &Front<'_>,
    request: &Request,
    reason: &'static str,
    message: &str,
) -> Result<Reply, Error> {
    front.state.metrics.authentication("radius", "deny", reason);
    audit_refusal(front, request, "request", reason).await?;
    Ok(Reply::reject(message))
}

async fn audit_refusal(
    front: &Front<'_>,
    request: &Request,
    event: &'static str,
    reason: &str,
) -> Result<(), Error> {
    let state = front.state;
    let user = match crate::auth::users::find(state, &request.username).await {
        Ok(user) => Some(user),
        // Unknown, or a name no user can have (empty, spaces, too long).
        Err(Error::UserNotFound(_) | Error::InvalidField { .. }) => None,
        Err(e) => return Err(e),
    };
    let client_ip = client_ip(request);
    let record = audit::record(
        state,
        &Event {
            user: user.as_ref(),
            username: Some(capped(&request.username)),
            reason: Some(reason),
            client_ip: client_ip.as_deref(),
            application: Some(&front.client.name),
            ..Event::new(event, "deny")
        },
    )?;
    crate::store::audit::insert(state.store.pool(), &record).await
}

/// A username as given, cut to 256 characters, for an audit record.
fn capped(username: &str) -> &str {
    username
        .char_indices()
        .nth(256)
        .map_or(username, |(end, _)| &username[..end])
}

#[cfg(test)]
mod tests {
    use super::split_appended;

    #[test]
    fn appended_codes_and_push_are_split_off() {
        assert_eq!(
            split_appended("hunter2123456", 6),
            Some(("hunter2", "123456"))
        );
        assert_eq!(split_appended("hunter2,push", 6), Some(("hunter2", "push")));
        assert_eq!(split_appended("hunter2,PUSH", 6), Some(("hunter2", "push")));
        assert_eq!(
            split_appended("pass,word12345678", 8),
            Some(("pass,word", "12345678"))
        );
        // No code, only a code, or a non-digit tail: nothing to split.
        assert_eq!(split_appended("hunter2", 6), None);
        assert_eq!(split_appended("123456", 6), None);
        assert_eq!(split_appended(",push", 6), None);
        assert_eq!(split_appended("hunter2abcdef", 6), None);
        // A multi-byte character where the code would start is not split inside.
        assert_eq!(split_appended("pässw€rd12345", 6), None);
    }
}

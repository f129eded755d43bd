//! `/portal/settings`: the user's default sign-in method and phone number (issue 16).
//!
//! The choice is among the methods the user really has now, as sign-in judges them
//! ([`Options::has`]: a device for push, an app's account for passcode, a token, a number and
//! a gateway for text and voice codes), plus *automatic* (no default). It is saved by the
//! admin API's own function ([`users::update`], audited as `user_updated` with admin id
//! [`super::devices::ACTOR`]), so the same gateway checks and audit apply; a choice the
//! user does not have is refused and audited the same way.
//!
//! The phone number for text and voice codes is saved only after the user typed back a
//! code sent to it ([`crate::auth::phone`]); without a gateway configured the section says
//! so and has no form.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::devices::actor;
use super::error::PortalResult;
use super::layout::{self, SignedIn};
use super::session::{AnySession, Posted, Session};
use crate::auth::audit::{self, Event};
use crate::auth::phone::{self, Refused, Requested};
use crate::auth::users::{self, UserPatch};
use crate::error::{ApiError, Error};
use crate::signin::options::Options;
use crate::signin::sms::Channel;
use crate::state::AppState;
use crate::store::users::{DefaultMethod, User};
use crate::web::layout::{csrf_field, notice};

pub const PATH: &str = "/portal/settings";
pub const DEFAULT_METHOD_PATH: &str = "/portal/settings/default-method";
pub const PHONE_PATH: &str = "/portal/settings/phone";
pub const PHONE_CONFIRM_PATH: &str = "/portal/settings/phone/confirm";
pub const PHONE_REMOVE_PATH: &str = "/portal/settings/phone/remove";

/// The form's value for "no default".
const AUTO: &str = "auto";

/// What the user sees for a default method.
pub fn label(method: Option<DefaultMethod>) -> &'static str {
    match method {
        None => "Automatic: a push to your app when you have one, otherwise a code",
        Some(DefaultMethod::Push) => "Push notification to the Twofold app",
        Some(DefaultMethod::Passcode) => "Code from the Twofold app",
        Some(DefaultMethod::Token) => "Code from your hardware token",
        Some(DefaultMethod::Sms) => "Code by text message",
        Some(DefaultMethod::Voice) => "Code by voice call",
    }
}

/// The methods the user can choose as their default now (automatic always).
pub fn choosable(options: &Options) -> Vec<DefaultMethod> {
    DefaultMethod::ALL
        .iter()
        .copied()
        .filter(|m| options.has(*m))
        .collect()
}

#[derive(Deserialize)]
pub struct MethodForm {
    #[serde(default)]
    method: String,
}

/// The default method's section: what is chosen now and the form to change it.
fn default_method_section(options: &Options, csrf: &str) -> Markup {
    let current = options.user.default_method;
    // A default the user no longer has (device removed) works as automatic.
    let effective = current.filter(|m| options.has(*m));
    let choices = choosable(options);
    html! {
        h2 { "Default method" }
        p id="current-method" { "When you sign in, you are asked for: " strong { (label(effective)) } }
        @if current.is_some() && effective.is_none() {
            p class="muted" { "You chose " (label(current)) " before, but you do not have it now, so sign-in chooses automatically." }
        }
        form method="post" action=(DEFAULT_METHOD_PATH) class="stack" {
            (csrf_field(csrf))
            fieldset {
                legend { "Ask me for" }
                div {
                    input type="radio" name="method" id="method-auto" value=(AUTO) checked[effective.is_none()];
                    label for="method-auto" { (label(None)) }
                }
                @for m in &choices {
                    div {
                        input type="radio" name="method" id={"method-" (m.as_str())} value=(m.as_str()) checked[effective == Some(*m)];
                        label for={"method-" (m.as_str())} { (label(Some(*m))) }
                    }
                }
            }
            button type="submit" id="save-default-method" { "Save default method" }
        }
    }
}

/// The page, with `top` (a notice or an error) above the sections.
async fn page(
    state: &AppState,
    session: &AnySession,
    status: StatusCode,
    top: Markup,
) -> PortalResult<Response> {
    let options = Options::gather(state, &session.user.username).await?;
    let csrf = &session.csrf;
    let body = html! {
        (top)
        (default_method_section(&options, csrf))
        (phone_section(state, &options.user, csrf))
        p { a href=(super::HOME) { "Back to Security verification" } }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf,
    };
    Ok((status, layout::page("Sign-in settings", Some(who), body)).into_response())
}

/// `GET /portal/settings`.
pub async fn show(
    State(state): State<AppState>,
    Session(session): Session,
) -> PortalResult<Response> {
    page(&state, &session, StatusCode::OK, html! {}).await
}

/// The patch for the chosen value, or why it cannot be chosen (audited by the caller).
fn patch_for(options: &Options, value: &str) -> Result<UserPatch, Error> {
    if value == AUTO {
        return Ok(UserPatch {
            clear_default_method: true,
            ..UserPatch::default()
        });
    }
    let method: DefaultMethod = value.parse().map_err(|_| {
        Error::invalid(
            "default_method",
            format!("{value:?} is not a sign-in method"),
        )
    })?;
    if !options.has(method) {
        return Err(Error::invalid(
            "default_method",
            format!(
                "you do not have {} now, so it cannot be your default",
                label(Some(method)).to_lowercase()
            ),
        ));
    }
    Ok(UserPatch {
        default_method: Some(method),
        ..UserPatch::default()
    })
}

/// `POST /portal/settings/default-method`.
pub async fn save_default_method(
    State(state): State<AppState>,
    posted: Posted<Session, MethodForm>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let options = Options::gather(&state, &session.user.username).await?;
    let value = posted.form.method.trim();
    let saved = match patch_for(&options, value) {
        Ok(patch) => users::update(&state, &actor(), &session.user.username, patch).await,
        Err(why) => {
            let target = Event {
                user: Some(&session.user),
                ..Event::target()
            };
            audit::admin_refusal(&state, &actor(), "user_updated", &why.to_string(), target)
                .await?;
            Err(why)
        }
    };
    match saved {
        Ok(user) => {
            let text = format!("Default method saved: {}.", label(user.default_method));
            page(&state, session, StatusCode::OK, notice(&text)).await
        }
        Err(e @ Error::InvalidField { .. }) => {
            let api = ApiError::from(e);
            let top = html! { p class="error" role="alert" id="settings-error" { (api.message) } };
            page(&state, session, api.status, top).await
        }
        Err(e) => Err(e.into()),
    }
}

/// How a channel's code reaches the user, in words.
fn by(channel: Channel) -> &'static str {
    match channel {
        Channel::Text => "text message",
        Channel::Voice => "voice call",
    }
}

/// The phone section: the number, Remove, and the form for a new one (none without a
/// gateway).
fn phone_section(state: &AppState, user: &User, csrf: &str) -> Markup {
    let channels: Vec<Channel> = [Channel::Text, Channel::Voice]
        .into_iter()
        .filter(|c| phone::configured(state, *c))
        .collect();
    html! {
        h2 { "Phone number for text and voice codes" }
        @if channels.is_empty() {
            p id="phone-not-set-up" { "Text and voice codes are not set up by your administrator, so there is no phone number to enter." }
        } @else {
            @if let Some(number) = &user.phone {
                p id="current-phone" { "Codes go to " strong { (number) } }
                form method="post" action=(PHONE_REMOVE_PATH) {
                    (csrf_field(csrf))
                    button type="submit" id="remove-phone" { "Remove number" }
                }
            } @else {
                p id="no-phone" { "You have no phone number for codes yet." }
            }
            form method="post" action=(PHONE_PATH) class="stack" {
                (csrf_field(csrf))
                label for="phone" { "New phone number, with the country code (for example +4915123456789)" }
                input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="32" required;
                @if channels.len() > 1 {
                    fieldset {
                        legend { "Send the code by" }
                        @for (i, c) in channels.iter().enumerate() {
                            div {
                                input type="radio" name="channel" id={"channel-" (c.as_str())} value=(c.as_str()) checked[i == 0];
                                label for={"channel-" (c.as_str())} { (by(*c)) }
                            }
                        }
                    }
                } @else {
                    @for c in &channels { input type="hidden" name="channel" value=(c.as_str()); }
                }
                button type="submit" id="send-phone-code" { "Send code" }
                p class="muted" { "Your number is saved only after you type back the code we send to it." }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    channel: String,
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    txid: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

/// The status a refusal answers with.
fn status_of(why: &Refused) -> StatusCode {
    match why {
        Refused::InvalidPhone(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refused::NotConfigured(_) => StatusCode::CONFLICT,
        Refused::CodeLimit => StatusCode::TOO_MANY_REQUESTS,
        Refused::GatewayUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        Refused::InvalidCode | Refused::TooManyAttempts => StatusCode::UNAUTHORIZED,
        Refused::UnknownCode | Refused::Expired | Refused::Used => StatusCode::GONE,
    }
}

fn refused_top(why: &Refused) -> Markup {
    html! { p class="error" role="alert" id="settings-error" { (why.to_string()) } }
}

/// The page where the user types the code back (only in the answer to a POST).
fn confirm_page(
    session: &AnySession,
    sent: &Requested,
    status: StatusCode,
    error: Option<&Refused>,
) -> Response {
    let body = html! {
        @if let Some(why) = error { (refused_top(why)) }
        p id="phone-code-sent" role="status" { "We sent a code by " (by(sent.channel)) " to " strong { (sent.number) } ". Type it below." }
        form method="post" action=(PHONE_CONFIRM_PATH) class="stack" {
            (csrf_field(&session.csrf))
            input type="hidden" name="txid" value=(sent.txid);
            input type="hidden" name="number" value=(sent.number);
            label for="phone-code" { "Code" }
            input id="phone-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required;
            button type="submit" id="verify-phone" { "Verify number" }
        }
        p { a href=(PATH) { "Cancel" } }
    };
    let who = SignedIn {
        username: &session.user.username,
        csrf: &session.csrf,
    };
    (
        status,
        layout::page("Verify your phone number", Some(who), body),
    )
        .into_response()
}

/// `POST /portal/settings/phone`: a code to the typed number, then the page to type it.
pub async fn request_phone(
    State(state): State<AppState>,
    posted: Posted<Session, PhoneForm>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let channel = posted.form.channel.parse().unwrap_or(Channel::Text);
    match phone::request(&state, &session.user, &posted.form.phone, channel).await? {
        Ok(sent) => Ok(confirm_page(session, &sent, StatusCode::OK, None)),
        Err(why) => page(&state, session, status_of(&why), refused_top(&why)).await,
    }
}

/// `POST /portal/settings/phone/confirm`: the code typed back; the number saved when right.
pub async fn confirm_phone(
    State(state): State<AppState>,
    posted: Posted<Session, ConfirmForm>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    let form = &posted.form;
    let code = zeroize::Zeroizing::new(form.code.split_whitespace().collect::<String>());
    match phone::confirm(
        &state,
        &actor(),
        &session.user,
        &form.txid,
        &form.number,
        &code,
    )
    .await?
    {
        Ok(saved) => {
            let text = format!(
                "Phone number {} verified and saved.",
                saved.phone.as_deref().unwrap_or_default()
            );
            page(&state, session, StatusCode::OK, notice(&text)).await
        }
        // A typo: the same code can be typed again (it has tries left).
        Err(why @ Refused::InvalidCode) => {
            let row = crate::store::sent_codes::by_id(state.store.pool(), &form.txid).await?;
            let sent = Requested {
                txid: form.txid.clone(),
                number: form.number.clone(),
                channel: row.map_or(Channel::Text, |r| r.channel),
            };
            Ok(confirm_page(session, &sent, status_of(&why), Some(&why)))
        }
        Err(why) => page(&state, session, status_of(&why), refused_top(&why)).await,
    }
}

/// `POST /portal/settings/phone/remove`.
pub async fn remove_phone(
    State(state): State<AppState>,
    posted: Posted<Session, super::home::Nothing>,
) -> PortalResult<Response> {
    let session = &posted.session.0;
    phone::remove(&state, &actor(), &session.user).await?;
    page(
        &state,
        session,
        StatusCode::OK,
        notice("Phone number removed."),
    )
    .await
}

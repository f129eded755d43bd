//! One test per rule of [`decide`], then every combination checked for the promise that
//! preauth and auth agree.

use twofold_core::proto::{Factor, Reason};

use super::{decide, Decision, Requested};
use crate::config::NoMethodPolicy;
use crate::signin::options::Options;
use crate::signin::secret::CodeMethods;
use crate::store::credentials::{Credential, CredentialKind};
use crate::store::devices::{Device, DeviceState};
use crate::store::users::{DefaultMethod, MfaState, User};

const POLICIES: [NoMethodPolicy; 3] = [
    NoMethodPolicy::Allow,
    NoMethodPolicy::Deny,
    NoMethodPolicy::Enroll,
];
const STATES: [MfaState; 3] = [MfaState::Disabled, MfaState::Enabled, MfaState::Enforced];
const PUSH: Requested = Requested::Method(Factor::Push);
const PASSCODE: Requested = Requested::Method(Factor::Passcode);

fn user(state: MfaState) -> User {
    User {
        id: "usr_1".into(),
        username: "alice".into(),
        first_name: None,
        last_name: None,
        email: None,
        phone: None,
        mfa_state: state,
        needs_registration: false,
        blocked: false,
        created_at: 0,
        updated_at: 0,
        default_method: None,
    }
}

fn device() -> Device {
    Device {
        id: "dev_1".into(),
        user_id: "usr_1".into(),
        name: "Phone".into(),
        platform: "android".into(),
        public_key: Vec::new(),
        epoch: 1,
        status: DeviceState::Active,
        created_at: 0,
        last_seen_at: None,
        revoked_at: None,
    }
}

fn credential() -> Credential {
    Credential {
        id: "crd_1".into(),
        user_id: "usr_1".into(),
        device_id: None,
        source: "token".into(),
        kind: CredentialKind::Totp,
        serial: None,
        sealed_secret: Vec::new(),
        algorithm: "SHA1".into(),
        digits: 6,
        period: 30,
        counter: 0,
        last_step: -1,
        drift: 0,
        created_at: 0,
    }
}

/// A user with the given methods registered and disabled.
fn options(state: MfaState, push: bool, passcode: bool, disabled: &[Factor]) -> Options {
    Options {
        user: user(state),
        epoch: 1,
        credentials: if passcode { vec![credential()] } else { vec![] },
        devices: if push { vec![device()] } else { vec![] },
        disabled: disabled.to_vec(),
        stale_device: false,
        codes: Default::default(),
        phone: Default::default(),
    }
}

fn enabled(push: bool, passcode: bool) -> Options {
    options(MfaState::Enabled, push, passcode, &[])
}

#[test]
fn a_user_with_mfa_disabled_is_allowed_whatever_else_holds_unless_blocked() {
    let mut o = options(MfaState::Disabled, false, false, &[Factor::Push]);
    o.user.needs_registration = true;
    for requested in [Requested::Any, PUSH, PASSCODE] {
        for policy in POLICIES {
            assert_eq!(
                decide(&o, requested, policy),
                Decision::Allow(Reason::MfaDisabled)
            );
        }
    }
}

#[test]
fn a_blocked_user_is_denied_even_with_mfa_disabled() {
    // Issue 13 item 5: blocked wins over disabled (it used to be the other way round).
    let mut o = options(MfaState::Disabled, false, false, &[]);
    o.user.blocked = true;
    for requested in [Requested::Any, PUSH, PASSCODE] {
        for policy in POLICIES {
            assert_eq!(
                decide(&o, requested, policy),
                Decision::Deny(Reason::UserBlocked)
            );
        }
    }
}

#[test]
fn a_blocked_user_is_denied_even_with_methods() {
    let mut o = enabled(true, true);
    o.user.blocked = true;
    o.user.needs_registration = true;
    for requested in [Requested::Any, PUSH, PASSCODE] {
        assert_eq!(
            decide(&o, requested, NoMethodPolicy::Allow),
            Decision::Deny(Reason::UserBlocked)
        );
    }
}

#[test]
fn a_reset_user_must_enroll_even_with_methods() {
    let mut o = enabled(true, true);
    o.user.needs_registration = true;
    for requested in [Requested::Any, PASSCODE] {
        assert_eq!(
            decide(&o, requested, NoMethodPolicy::Allow),
            Decision::Enroll(Reason::NoMethod)
        );
    }
    // The codes an admin gives a user who lost their phone still work.
    for requested in [Factor::Bypass, Factor::Recovery] {
        assert_eq!(
            decide(&o, Requested::Method(requested), NoMethodPolicy::Allow),
            Decision::Proceed(requested)
        );
    }
}

#[test]
fn policy_applies_only_to_users_without_the_method() {
    let none = enabled(false, false);
    assert_eq!(
        decide(&none, Requested::Any, NoMethodPolicy::Enroll),
        Decision::Enroll(Reason::NoMethod)
    );
    assert_eq!(
        decide(&none, Requested::Any, NoMethodPolicy::Allow),
        Decision::Allow(Reason::NoMethodAllowed)
    );
    assert_eq!(
        decide(&none, PASSCODE, NoMethodPolicy::Deny),
        Decision::Deny(Reason::NoMethodDenied)
    );
    let push_only = enabled(true, false);
    assert_eq!(
        decide(&push_only, PUSH, NoMethodPolicy::Deny),
        Decision::Proceed(Factor::Push)
    );
    // Asking for a method the user lacks never falls through to the no-method policy.
    for policy in [
        NoMethodPolicy::Allow,
        NoMethodPolicy::Enroll,
        NoMethodPolicy::Deny,
    ] {
        assert_eq!(
            decide(&push_only, PASSCODE, policy),
            Decision::Deny(Reason::MethodNotRegistered),
            "{policy:?}"
        );
    }
}

#[test]
fn enforced_users_without_a_method_enroll_even_when_policy_allows() {
    let o = options(MfaState::Enforced, false, false, &[]);
    assert_eq!(
        decide(&o, Requested::Any, NoMethodPolicy::Allow),
        Decision::Enroll(Reason::NoMethod)
    );
}

#[test]
fn preauth_proceeds_with_the_first_available_method() {
    assert_eq!(
        decide(&enabled(true, true), Requested::Any, NoMethodPolicy::Enroll),
        Decision::Proceed(Factor::Push)
    );
    assert_eq!(
        decide(
            &enabled(false, true),
            Requested::Any,
            NoMethodPolicy::Enroll
        ),
        Decision::Proceed(Factor::Passcode)
    );
    let push_off = options(MfaState::Enabled, true, true, &[Factor::Push]);
    assert_eq!(
        decide(&push_off, Requested::Any, NoMethodPolicy::Enroll),
        Decision::Proceed(Factor::Passcode)
    );
}

#[test]
fn a_disabled_method_asks_its_users_to_register_another() {
    let both_registered = options(MfaState::Enabled, true, true, &[Factor::Push]);
    assert_eq!(
        decide(&both_registered, PUSH, NoMethodPolicy::Allow),
        Decision::Enroll(Reason::MethodDisabled)
    );
    assert_eq!(
        decide(&both_registered, PASSCODE, NoMethodPolicy::Allow),
        Decision::Proceed(Factor::Passcode)
    );
    // Push was the only way in: preauth says what auth would say.
    let push_only = options(MfaState::Enabled, true, false, &[Factor::Push]);
    for policy in POLICIES {
        assert_eq!(
            decide(&push_only, Requested::Any, policy),
            Decision::Enroll(Reason::MethodDisabled)
        );
        assert_eq!(
            decide(&push_only, PUSH, policy),
            Decision::Enroll(Reason::MethodDisabled)
        );
    }
}

#[test]
fn stale_devices_turn_no_method_into_not_activated_for_push_only() {
    let mut o = enabled(false, false);
    o.stale_device = true;
    assert_eq!(
        decide(&o, PUSH, NoMethodPolicy::Enroll),
        Decision::Enroll(Reason::NotActivated)
    );
    assert_eq!(
        decide(&o, PASSCODE, NoMethodPolicy::Enroll),
        Decision::Enroll(Reason::NoMethod)
    );
    assert_eq!(
        decide(&o, Requested::Any, NoMethodPolicy::Enroll),
        Decision::Enroll(Reason::NoMethod)
    );
    // Other policies answer as they would without the stale device.
    assert_eq!(
        decide(&o, PUSH, NoMethodPolicy::Deny),
        Decision::Deny(Reason::NoMethodDenied)
    );
}

/// What preauth said (`preauth`) about each method `o` has is what auth answers for it.
fn auth_agrees_with_preauth(o: &Options, preauth: Decision, policy: NoMethodPolicy) {
    for method in o.registered() {
        let auth = decide(o, Requested::Method(method), policy);
        let expected = match preauth {
            Decision::Proceed(_) if o.available().contains(&method) => Decision::Proceed(method),
            Decision::Proceed(_) => Decision::Enroll(Reason::MethodDisabled),
            other => other,
        };
        assert_eq!(auth, expected, "{o:?} {method:?} {policy:?}");
    }
}

/// Every user, method set, switch and policy: what preauth says about a method is what
/// auth answers when asked for it.
#[test]
fn preauth_and_auth_agree_on_every_combination() {
    let switches: [&[Factor]; 4] = [
        &[],
        &[Factor::Push],
        &[Factor::Passcode],
        &[Factor::Push, Factor::Passcode],
    ];
    for state in STATES {
        for (push, passcode) in [(false, false), (true, false), (false, true), (true, true)] {
            for disabled in switches {
                for flags in 0..4u8 {
                    for policy in POLICIES {
                        let mut o = options(state, push, passcode, disabled);
                        o.user.blocked = flags & 1 != 0;
                        o.user.needs_registration = flags & 2 != 0;
                        let preauth = decide(&o, Requested::Any, policy);
                        auth_agrees_with_preauth(&o, preauth, policy);
                        if let Decision::Proceed(method) = preauth {
                            assert_eq!(o.available().first(), Some(&method), "{o:?}");
                        }
                    }
                }
            }
        }
    }
}

/// `options` with a default method and a hardware token among the credentials.
fn with_default(
    push: bool,
    passcode: bool,
    token: bool,
    default: Option<DefaultMethod>,
    disabled: &[Factor],
) -> Options {
    let mut o = options(MfaState::Enabled, push, passcode, disabled);
    if token {
        o.credentials.push(Credential {
            source: crate::signin::token::SOURCE.into(),
            ..credential()
        });
    }
    o.user.default_method = default;
    o
}

#[test]
fn the_default_method_comes_first_when_the_user_has_it() {
    let cases = [
        (None, vec![Factor::Push, Factor::Passcode]),
        (
            Some(DefaultMethod::Push),
            vec![Factor::Push, Factor::Passcode],
        ),
        (
            Some(DefaultMethod::Passcode),
            vec![Factor::Passcode, Factor::Push],
        ),
        (
            Some(DefaultMethod::Token),
            vec![Factor::Passcode, Factor::Push],
        ),
        // Not built: never a default in effect.
        (
            Some(DefaultMethod::Sms),
            vec![Factor::Push, Factor::Passcode],
        ),
    ];
    for (default, order) in cases {
        let o = with_default(true, true, true, default, &[]);
        assert_eq!(o.registered(), order, "{default:?}");
        assert_eq!(o.auto_factor(), order[0], "{default:?}");
        assert_eq!(
            decide(&o, Requested::Any, NoMethodPolicy::Enroll),
            Decision::Proceed(order[0])
        );
    }
    // `token` needs a hardware token, `passcode` an app account: without them, push first.
    let app_only = with_default(true, true, false, Some(DefaultMethod::Token), &[]);
    assert_eq!(app_only.default_factor(), None);
    assert_eq!(app_only.auto_factor(), Factor::Push);
    let token_only = with_default(true, false, true, Some(DefaultMethod::Passcode), &[]);
    assert_eq!(token_only.default_factor(), None);
    assert_eq!(token_only.registered(), [Factor::Push, Factor::Passcode]);
    let token_default = with_default(true, false, true, Some(DefaultMethod::Token), &[]);
    assert_eq!(token_default.default_factor(), Some(Factor::Passcode));
}

#[test]
fn a_disabled_default_leaves_the_other_methods_and_is_reported() {
    use Factor::{Passcode, Push};
    let push = Some(DefaultMethod::Push);
    // ((has push, has passcode), disabled, default_disabled, (preauth, auto))
    type Case<'a> = ((bool, bool), &'a [Factor], bool, (Decision, Factor));
    let cases: [Case; 4] = [
        // Other methods keep working.
        (
            (true, true),
            &[Push],
            true,
            (Decision::Proceed(Passcode), Passcode),
        ),
        // Nothing else: enroll, method_disabled.
        (
            (true, false),
            &[Push],
            true,
            (Decision::Enroll(Reason::MethodDisabled), Push),
        ),
        // Another method disabled is no reason to prompt.
        (
            (true, true),
            &[Passcode],
            false,
            (Decision::Proceed(Push), Push),
        ),
        // A default the user does not have is not "disabled" either.
        (
            (false, true),
            &[Push],
            false,
            (Decision::Proceed(Passcode), Passcode),
        ),
    ];
    for ((has_push, has_passcode), disabled, prompt, (preauth, auto)) in cases {
        let o = with_default(has_push, has_passcode, false, push, disabled);
        assert_eq!(o.default_disabled(), prompt, "{o:?}");
        assert_eq!(decide(&o, Requested::Any, NoMethodPolicy::Allow), preauth);
        assert_eq!(o.auto_factor(), auto, "{o:?}");
    }
}

#[test]
fn a_disabled_code_method_is_refused_before_its_secret_is_checked() {
    for method in [Factor::AppPassword, Factor::Bypass, Factor::Recovery] {
        let mut o = options(MfaState::Enabled, true, true, &[method]);
        o.codes = CodeMethods {
            app_passwords_enabled: true,
            app_password: true,
            bypass: true,
            recovery: true,
        };
        assert!(!o.available().contains(&method));
        for policy in POLICIES {
            assert_eq!(
                decide(&o, Requested::Method(method), policy),
                Decision::Enroll(Reason::MethodDisabled),
                "{method:?}"
            );
        }
        // Enabled, it proceeds to the check.
        o.disabled.clear();
        assert_eq!(
            decide(&o, Requested::Method(method), NoMethodPolicy::Enroll),
            Decision::Proceed(method)
        );
    }
    // App passwords off in the configuration say so first.
    let mut o = options(MfaState::Enabled, true, true, &[Factor::AppPassword]);
    o.codes.app_password = true;
    assert_eq!(
        decide(
            &o,
            Requested::Method(Factor::AppPassword),
            NoMethodPolicy::Enroll
        ),
        Decision::Deny(Reason::AppPasswordsDisabled)
    );
}

/// The exhaustive promise with defaults: preauth proceeds with what `auto` (no passcode)
/// checks whenever that is available, and auth agrees with preauth on every method.
#[test]
fn preauth_auth_and_auto_agree_with_every_default() {
    let defaults = [
        None,
        Some(DefaultMethod::Push),
        Some(DefaultMethod::Passcode),
        Some(DefaultMethod::Token),
        Some(DefaultMethod::Voice),
    ];
    let switches: [&[Factor]; 4] = [
        &[],
        &[Factor::Push],
        &[Factor::Passcode],
        &[Factor::Push, Factor::Passcode],
    ];
    for default in defaults {
        for bits in 0..8u8 {
            for disabled in switches {
                for policy in POLICIES {
                    let (push, passcode, token) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
                    let o = with_default(push, passcode, token, default, disabled);
                    let preauth = decide(&o, Requested::Any, policy);
                    let auto = decide(&o, Requested::Method(o.auto_factor()), policy);
                    match preauth {
                        Decision::Proceed(method) => {
                            assert_eq!(auto, preauth, "{o:?}");
                            assert_eq!(o.auto_factor(), method, "{o:?}");
                            if let Some(d) = o.default_factor().filter(|d| !disabled.contains(d)) {
                                assert_eq!(method, d, "{o:?}");
                            }
                        }
                        Decision::Enroll(Reason::MethodDisabled) => {
                            assert_eq!(auto, preauth, "{o:?}")
                        }
                        _ => {}
                    }
                    auth_agrees_with_preauth(&o, preauth, policy);
                    assert_eq!(
                        o.default_disabled(),
                        o.default_factor().is_some_and(|d| disabled.contains(&d)),
                    );
                }
            }
        }
    }
}

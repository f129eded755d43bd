//! One test per rule of [`decide`], then every combination checked for the promise that
//! preauth and auth agree.

use twofold_core::proto::{Factor, Reason};

use super::{decide, Decision, Requested};
use crate::config::NoMethodPolicy;
use crate::signin::options::Options;
use crate::store::credentials::{Credential, CredentialKind};
use crate::store::devices::{Device, DeviceState};
use crate::store::users::{MfaState, User};

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
                        for method in o.registered() {
                            let auth = decide(&o, Requested::Method(method), policy);
                            let expected = match preauth {
                                Decision::Proceed(_) if o.available().contains(&method) => {
                                    Decision::Proceed(method)
                                }
                                Decision::Proceed(_) => Decision::Enroll(Reason::MethodDisabled),
                                other => other,
                            };
                            assert_eq!(auth, expected, "{o:?} {method:?} {policy:?}");
                        }
                        if let Decision::Proceed(method) = preauth {
                            assert_eq!(o.available().first(), Some(&method), "{o:?}");
                        }
                    }
                }
            }
        }
    }
}

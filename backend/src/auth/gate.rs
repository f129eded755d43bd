//! The decision taken before any factor is checked: does this user need a second factor at
//! all, and can they give one?

use twofold_core::proto::Reason;

use crate::config::NoMethodPolicy;
use crate::store::users::{MfaState, User};

/// What to answer without checking a factor, or `Proceed` to check one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Proceed,
    Allow(Reason),
    Deny(Reason),
    Enroll(Reason),
}

pub fn gate(user: &User, has_method: bool, policy: NoMethodPolicy) -> Gate {
    if user.mfa_state == MfaState::Disabled {
        return Gate::Allow(Reason::MfaDisabled);
    }
    if user.blocked {
        return Gate::Deny(Reason::UserBlocked);
    }
    if user.needs_registration {
        return Gate::Enroll(Reason::NoMethod);
    }
    if has_method {
        return Gate::Proceed;
    }
    match (policy, user.mfa_state) {
        (NoMethodPolicy::Deny, _) => Gate::Deny(Reason::NoMethodDenied),
        // Enforced users never get in without a second factor.
        (NoMethodPolicy::Allow, MfaState::Enforced) | (NoMethodPolicy::Enroll, _) => {
            Gate::Enroll(Reason::NoMethod)
        }
        (NoMethodPolicy::Allow, _) => Gate::Allow(Reason::NoMethodAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn policy_applies_only_to_users_without_a_method() {
        let enabled = user(MfaState::Enabled);
        assert_eq!(gate(&enabled, true, NoMethodPolicy::Deny), Gate::Proceed);
        assert_eq!(
            gate(&enabled, false, NoMethodPolicy::Enroll),
            Gate::Enroll(Reason::NoMethod)
        );
        assert_eq!(
            gate(&enabled, false, NoMethodPolicy::Allow),
            Gate::Allow(Reason::NoMethodAllowed)
        );
        assert_eq!(
            gate(&enabled, false, NoMethodPolicy::Deny),
            Gate::Deny(Reason::NoMethodDenied)
        );
        let enforced = user(MfaState::Enforced);
        assert_eq!(
            gate(&enforced, false, NoMethodPolicy::Allow),
            Gate::Enroll(Reason::NoMethod)
        );
    }

    #[test]
    fn disabled_blocked_and_reset_users_short_circuit() {
        assert_eq!(
            gate(&user(MfaState::Disabled), true, NoMethodPolicy::Deny),
            Gate::Allow(Reason::MfaDisabled)
        );
        let mut blocked = user(MfaState::Enabled);
        blocked.blocked = true;
        assert_eq!(
            gate(&blocked, true, NoMethodPolicy::Enroll),
            Gate::Deny(Reason::UserBlocked)
        );
        let mut reset = user(MfaState::Enabled);
        reset.needs_registration = true;
        assert_eq!(
            gate(&reset, true, NoMethodPolicy::Allow),
            Gate::Enroll(Reason::NoMethod)
        );
    }
}

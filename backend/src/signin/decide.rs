//! The decision taken before any factor is checked, for `/v1/preauth` and `/v1/auth` alike:
//! does this user need a second factor, can they give the one asked for, or must they
//! enroll? Pure: the facts come from [`Options`], nothing is read here.

use twofold_core::proto::{Factor, Reason};

use super::options::Options;
use crate::config::NoMethodPolicy;
use crate::store::users::MfaState;

/// What the relying party asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// Preauth: whatever the user can do.
    Any,
    /// Auth: this method (`Factor::Auto` already resolved).
    Method(Factor),
}

/// What to answer without checking a factor, or `Proceed` to check one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check this method (for `Any`, the first available one).
    Proceed(Factor),
    Allow(Reason),
    Deny(Reason),
    Enroll(Reason),
}

pub fn decide(options: &Options, requested: Requested, policy: NoMethodPolicy) -> Decision {
    let decision = by_user_and_methods(options, requested, policy);
    // Devices activated before a server reactivation must activate again: say so to a
    // relying party that asked for push, rather than "no method".
    if decision == Decision::Enroll(Reason::NoMethod)
        && requested == Requested::Method(Factor::Push)
        && options.stale_device
    {
        return Decision::Enroll(Reason::NotActivated);
    }
    decision
}

fn by_user_and_methods(
    options: &Options,
    requested: Requested,
    policy: NoMethodPolicy,
) -> Decision {
    let user = &options.user;
    // Blocked first: a user blocked after a fraud report must not get in because an admin
    // (or an import) later switched their MFA off.
    if user.blocked {
        return Decision::Deny(Reason::UserBlocked);
    }
    if user.mfa_state == MfaState::Disabled {
        return Decision::Allow(Reason::MfaDisabled);
    }
    // Bypass and recovery codes are what a user who lost their phone (and was reset) signs
    // in with; app passwords survive a reset only when the admin kept them on purpose.
    if let Requested::Method(method) = requested {
        if let Some(decision) = super::secret::decide(&options.codes, method) {
            // Switched off for everyone: refused before any secret is looked at, as the
            // other methods are.
            return match decision {
                Decision::Proceed(_) if options.disabled.contains(&method) => {
                    Decision::Enroll(Reason::MethodDisabled)
                }
                other => other,
            };
        }
    }
    if user.needs_registration {
        return Decision::Enroll(Reason::NoMethod);
    }
    // A code cannot be sent without a gateway or a number: said as such, whatever the
    // no-method policy (refusing is always safe).
    if let Requested::Method(method) = requested {
        if let Some(reason) = options.phone.refusal(method) {
            return Decision::Deny(reason);
        }
    }
    let wanted: Vec<Factor> = match requested {
        Requested::Any => options.registered(),
        Requested::Method(method) => options
            .registered()
            .into_iter()
            .filter(|m| *m == method)
            .collect(),
    };
    // A user with other methods asked for one they lack: refused whatever the no-method
    // policy says, or `no_method = allow` would let anyone in by asking for a method the
    // user never registered.
    if let Requested::Method(method) = requested {
        if wanted.is_empty() && !options.registered().is_empty() {
            return if method == Factor::Push && options.stale_device {
                Decision::Enroll(Reason::NotActivated)
            } else {
                Decision::Deny(Reason::MethodNotRegistered)
            };
        }
    }
    if wanted.is_empty() {
        return match (policy, user.mfa_state) {
            (NoMethodPolicy::Deny, _) => Decision::Deny(Reason::NoMethodDenied),
            // Enforced users never get in without a second factor.
            (NoMethodPolicy::Allow, MfaState::Enforced) | (NoMethodPolicy::Enroll, _) => {
                Decision::Enroll(Reason::NoMethod)
            }
            (NoMethodPolicy::Allow, _) => Decision::Allow(Reason::NoMethodAllowed),
        };
    }
    // Registered, but switched off for everyone: the user must register another method.
    match wanted.into_iter().find(|m| !options.disabled.contains(m)) {
        Some(method) => Decision::Proceed(method),
        None => Decision::Enroll(Reason::MethodDisabled),
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;

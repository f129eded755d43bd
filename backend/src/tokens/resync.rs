//! Resynchronising a token whose counter or clock has run away from the server's: an
//! administrator reads two consecutive codes off it and the server searches for them.
//! Pure: the generator and the time come from the caller.

use subtle::ConstantTimeEq;
use twofold_core::otp::{Hotp, Totp};

/// How far ahead an HOTP resync searches (RFC 4226 §7.4 leaves the window to the
/// verifier; 1,000 presses is what privacyIDEA and Azure MFA Server allow).
pub const HOTP_SEARCH: u64 = 1_000;

/// The state a token is in after its two codes were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resynced {
    /// HOTP: the counter after the second code.
    Counter { next: u64 },
    /// TOTP: the step of the second code (now used) and the drift it shows.
    Step { last_step: u64, drift: i64 },
}

fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn clean(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// RFC 4226 §7.4: looks for `code1` at a counter `c` in `next ..= next + HOTP_SEARCH` and
/// `code2` at `c + 1`. Two codes make a false match about 10^-digits as likely as one.
pub fn hotp(hotp: &Hotp, next: u64, code1: &str, code2: &str) -> Option<Resynced> {
    let (code1, code2) = (clean(code1), clean(code2));
    let mut found = None;
    for counter in next..=next.saturating_add(HOTP_SEARCH) {
        if found.is_none()
            && same(&hotp.generate(counter), &code1)
            && same(&hotp.generate(counter.saturating_add(1)), &code2)
        {
            found = Some(Resynced::Counter {
                next: counter.saturating_add(2),
            });
        }
    }
    found
}

/// RFC 6238 §6: looks for `code1` and `code2` at consecutive steps no further than
/// `max_drift` steps from the step of `now`; the one nearest `now` wins.
pub fn totp(totp: &Totp, now: u64, max_drift: u64, code1: &str, code2: &str) -> Option<Resynced> {
    let (code1, code2) = (clean(code1), clean(code2));
    let current = totp.step(now);
    let first = current.saturating_sub(max_drift);
    let last = current.saturating_add(max_drift);
    let mut best: Option<u64> = None;
    for step in first..last {
        let second = step + 1;
        if same(&totp.generate_at_step(step), &code1)
            && same(&totp.generate_at_step(second), &code2)
            && best.is_none_or(|b| second.abs_diff(current) < b.abs_diff(current))
        {
            best = Some(second);
        }
    }
    best.map(|second| Resynced::Step {
        last_step: second,
        drift: if second >= current {
            i64::try_from(second - current).unwrap_or(i64::MAX)
        } else {
            -i64::try_from(current - second).unwrap_or(i64::MAX)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use twofold_core::{Algorithm, SecretBytes};

    fn secret() -> SecretBytes {
        SecretBytes::new(b"12345678901234567890".to_vec())
    }

    #[test]
    fn hotp_finds_two_consecutive_codes_ahead() {
        let hotp = Hotp::new(secret(), Algorithm::Sha1, 6).unwrap();
        // RFC 4226 Appendix D: counters 7 and 8 give 162583 and 399871.
        assert_eq!(
            super::hotp(&hotp, 0, "162583", "399871"),
            Some(Resynced::Counter { next: 9 })
        );
        let (a, b) = (hotp.generate(900), hotp.generate(901));
        assert_eq!(
            super::hotp(&hotp, 0, &a, &b),
            Some(Resynced::Counter { next: 902 })
        );
        // Out of order, or past the search: nothing.
        assert_eq!(super::hotp(&hotp, 0, "399871", "162583"), None);
        let (a, b) = (hotp.generate(1_200), hotp.generate(1_201));
        assert_eq!(super::hotp(&hotp, 0, &a, &b), None);
        // Counters behind the server's are not searched (they were used).
        assert_eq!(super::hotp(&hotp, 9, "162583", "399871"), None);
    }

    #[test]
    fn totp_learns_the_drift_within_the_bound() {
        let totp = Totp::new(secret(), Algorithm::Sha1, 6, 30).unwrap();
        let now = 1_700_000_000;
        let step = totp.step(now);
        let (a, b) = (
            totp.generate_at_step(step - 6),
            totp.generate_at_step(step - 5),
        );
        assert_eq!(
            super::totp(&totp, now, 10, &a, &b),
            Some(Resynced::Step {
                last_step: step - 5,
                drift: -5
            })
        );
        let (a, b) = (
            totp.generate_at_step(step + 3),
            totp.generate_at_step(step + 4),
        );
        assert_eq!(
            super::totp(&totp, now, 10, &a, &b),
            Some(Resynced::Step {
                last_step: step + 4,
                drift: 4
            })
        );
        // Beyond the bound: refused.
        let (a, b) = (
            totp.generate_at_step(step + 20),
            totp.generate_at_step(step + 21),
        );
        assert_eq!(super::totp(&totp, now, 10, &a, &b), None);
    }
}

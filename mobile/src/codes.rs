//! The codes-only view: what changes with time in the account list, and nothing else.
//!
//! A time-based code changes at every step (RFC 6238 §4.2: `T = floor((now - T0) / X)`), so a
//! screen asks for new codes once per step. Asking for every account's whole view
//! ([`crate::AccountView`]: names, groups, icons, push links) for that costs a screen with
//! 1,000 accounts most of its refresh in serialising and parsing what did not change. This
//! view carries only the TOTP and Steam accounts' current and next codes and the seconds until
//! they change. HOTP codes are not in it: they change with the counter (RFC 4226 §5.2), which
//! only a save moves, and a save moves the engine's revision ([`crate::Engine::revision`]):
//! a screen whose revision differs from the one sent with these codes fetches the whole list.
//!
//! Pure: the caller passes `now` (already corrected by the vault's clock offset).

use serde::ser::{Serialize, SerializeTuple, Serializer};
use twofold_core::OtpError;

use crate::account::Account;

/// One TOTP or Steam account's codes at one instant.
///
/// On the wire a JSON array, `[id, code, next_code, seconds_left]`: a refresh sends 1,000 of
/// them, and field names would be most of the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeCode {
    /// The account's id ([`crate::Account::id`]).
    pub id: String,
    /// The code of the step `now` is in.
    pub code: String,
    /// The code of the step after it (shown in the last seconds of a step).
    pub next_code: String,
    /// Seconds until `code` is replaced by `next_code` (1 to the period).
    pub seconds_left: u64,
}

impl Serialize for TimeCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(4)?;
        tuple.serialize_element(&self.id)?;
        tuple.serialize_element(&self.code)?;
        tuple.serialize_element(&self.next_code)?;
        tuple.serialize_element(&self.seconds_left)?;
        tuple.end()
    }
}

/// The codes at `now` of every time-based account in `accounts`, in their order; HOTP
/// accounts are left out (their codes do not change with time).
pub fn time_codes(accounts: &[Account], now: u64) -> Result<Vec<TimeCode>, OtpError> {
    accounts
        .iter()
        .filter_map(|account| account.time_code(now).transpose())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Kind;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890".
    fn account(id: &str, kind: Kind, digits: u8) -> Account {
        Account {
            id: id.into(),
            digits,
            ..crate::account::tests::account(kind)
        }
    }

    #[test]
    fn rfc_6238_codes_with_the_next_step_and_the_seconds_left() {
        let accounts = [account("a", Kind::Totp { period: 30 }, 8)];
        // RFC 6238 appendix B, SHA-1: T=59 is step 1, 94287082; T=1111111109 is 07081804
        // and T=1111111111 (the next step) is 14050471.
        let at_59 = time_codes(&accounts, 59).unwrap();
        assert_eq!(at_59[0].code, "94287082");
        assert_eq!(at_59[0].seconds_left, 1);
        assert_eq!(
            at_59[0].next_code,
            time_codes(&accounts, 60).unwrap()[0].code
        );
        let late = time_codes(&accounts, 1_111_111_109).unwrap();
        assert_eq!(late[0].code, "07081804");
        assert_eq!(late[0].next_code, "14050471");
        assert_eq!(late[0].seconds_left, 1);
        // The first second of a step has the whole period left.
        assert_eq!(time_codes(&accounts, 60).unwrap()[0].seconds_left, 30);
    }

    #[test]
    fn the_same_codes_as_the_full_view_for_totp_and_steam_and_none_for_hotp() {
        let accounts = [
            account("t", Kind::Totp { period: 30 }, 6),
            account("h", Kind::Hotp { counter: 4 }, 6),
            account("s", Kind::Steam, 5),
            account("f", Kind::Totp { period: 45 }, 7),
        ];
        for now in [0, 29, 30, 1_111_111_109, 2_000_000_044] {
            let codes = time_codes(&accounts, now).unwrap();
            let ids: Vec<&str> = codes.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, ["t", "s", "f"], "vault order, HOTP left out");
            for code in &codes {
                let account = accounts.iter().find(|a| a.id == code.id).unwrap();
                let view = account.view(now).unwrap();
                assert_eq!(code.code, view.code, "{} at {now}", code.id);
                assert_eq!(code.next_code, view.next_code, "{} at {now}", code.id);
                assert_eq!(
                    Some(code.seconds_left),
                    view.seconds_left,
                    "{} at {now}",
                    code.id
                );
            }
        }
        assert_eq!(time_codes(&accounts, 0).unwrap()[1].code.len(), 5, "Steam");
    }

    #[test]
    fn a_new_step_brings_new_codes() {
        let accounts = [account("t", Kind::Totp { period: 30 }, 6)];
        let before = time_codes(&accounts, 1_111_111_109).unwrap();
        let after = time_codes(&accounts, 1_111_111_110).unwrap();
        assert_ne!(before[0].code, after[0].code);
        assert_eq!(before[0].next_code, after[0].code);
    }

    #[test]
    fn the_wire_form_is_a_compact_array() {
        let accounts = [account("0123456789abcdef", Kind::Totp { period: 30 }, 6)];
        let json = serde_json::to_string(&time_codes(&accounts, 59).unwrap()).unwrap();
        // RFC 6238 appendix B: 94287082 at T=59, truncated to six digits.
        let next = &time_codes(&accounts, 60).unwrap()[0].code;
        assert_eq!(
            json,
            format!(r#"[["0123456789abcdef","287082","{next}",1]]"#)
        );
    }

    #[test]
    fn no_accounts_no_codes() {
        assert!(time_codes(&[], 59).unwrap().is_empty());
    }
}

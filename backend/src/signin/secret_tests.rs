//! The shapes of issued secrets, and the decision for their methods.

use twofold_core::proto::{Factor, Reason};

use super::*;

#[test]
fn generated_secrets_have_their_shape_and_only_alphabet_letters() {
    let bypass = generate(3, 4).unwrap();
    assert_eq!(bypass.len(), 14);
    assert_eq!(bypass.matches('-').count(), 2);
    assert_eq!(shape(&bypass), Some(Factor::Bypass));
    let recovery = generate(2, 5).unwrap();
    assert_eq!(recovery.len(), 11);
    assert_eq!(shape(&recovery), Some(Factor::Recovery));
    let app = generate(4, 6).unwrap();
    assert_eq!(canonical(&app).unwrap().len(), APP_PASSWORD_LETTERS);
    assert_eq!(shape(&app), None);
    assert!(app.bytes().all(|b| b == b'-' || ALPHABET.contains(&b)));
    assert_ne!(generate(4, 6).unwrap(), app);
}

#[test]
fn codes_are_read_without_case_dashes_or_spaces_and_never_as_digits() {
    assert_eq!(
        canonical(" ABCD-efgh jkmn ").unwrap().as_str(),
        "abcdefghjkmn"
    );
    assert_eq!(shape("abcdefghjkmn"), Some(Factor::Bypass));
    assert_eq!(shape("ABCDE-FGHJK"), Some(Factor::Recovery));
    for otp in [
        "123456",
        "1234567",
        "12345678",
        "",
        "abcd-efgh-jkm1",
        "abcde-fghjl",
    ] {
        assert_eq!(shape(otp), None, "{otp:?}");
    }
    assert_eq!(
        recognise(Factor::Passcode, Some("123456")),
        Factor::Passcode
    );
    assert_eq!(
        recognise(Factor::Auto, Some("abcde-fghjk")),
        Factor::Recovery
    );
    assert_eq!(
        recognise(Factor::Passcode, Some("abcd-efgh-jkmn")),
        Factor::Bypass
    );
    assert_eq!(
        recognise(Factor::Push, Some("abcd-efgh-jkmn")),
        Factor::Push
    );
    assert_eq!(recognise(Factor::Auto, None), Factor::Auto);
}

#[test]
fn hashes_are_keyed_by_method() {
    let key = MasterKey::from_bytes(&[3u8; 32]).unwrap();
    let h = hash(&key, Factor::Recovery, "abcdefghjk");
    assert!(matches(&key, Factor::Recovery, "abcdefghjk", &h));
    assert!(!matches(&key, Factor::Bypass, "abcdefghjk", &h));
    assert!(!matches(&key, Factor::Recovery, "abcdefghjm", &h));
}

#[test]
fn app_passwords_are_refused_while_disabled_and_codes_are_always_checked() {
    let off = CodeMethods::default();
    assert_eq!(
        decide(&off, Factor::AppPassword),
        Some(Decision::Deny(Reason::AppPasswordsDisabled))
    );
    assert_eq!(
        decide(&off, Factor::Recovery),
        Some(Decision::Proceed(Factor::Recovery))
    );
    assert_eq!(
        decide(&off, Factor::Bypass),
        Some(Decision::Proceed(Factor::Bypass))
    );
    assert_eq!(decide(&off, Factor::Push), None);
    let on = CodeMethods {
        app_passwords_enabled: true,
        ..off
    };
    assert_eq!(
        decide(&on, Factor::AppPassword),
        Some(Decision::Proceed(Factor::AppPassword))
    );
    assert!(on.registered().is_empty());
    let all = CodeMethods {
        app_passwords_enabled: true,
        app_password: true,
        bypass: true,
        recovery: true,
    };
    assert_eq!(
        all.registered(),
        vec![Factor::AppPassword, Factor::Bypass, Factor::Recovery]
    );
    let disabled_with_one = CodeMethods {
        app_passwords_enabled: false,
        ..all
    };
    assert_eq!(
        disabled_with_one.registered(),
        vec![Factor::Bypass, Factor::Recovery]
    );
}

#[test]
fn bypass_bounds() {
    assert_eq!(super::super::bypass::expiry(1000, 5, 1).unwrap(), 1300);
    assert_eq!(super::super::bypass::expiry(0, 1440, 10).unwrap(), 86_400);
    for (minutes, uses) in [(0, 1), (1441, 1), (5, 0), (5, 11)] {
        assert!(
            super::super::bypass::expiry(0, minutes, uses).is_err(),
            "{minutes} {uses}"
        );
    }
}

//! `account_codes`, the list's refresh at each time step: the codes of the full list at the
//! same instant, the revision the full list has, and the compact wire form the UI parses.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tauri::Manager;
use twofold_authenticator::{Clock, KdfParams};
use zeroize::Zeroizing;

use super::tests::mock_app;
use super::{accounts, add, vault};
use crate::AppState;

/// A clock the test moves.
struct Moving(Arc<AtomicU64>);

impl Clock for Moving {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tauri::async_runtime::block_on(future)
}

/// RFC 6238 appendix B's SHA-1 secret, and another for the HOTP account.
const TOTP: &str =
    "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8";
const HOTP: &str = "otpauth://hotp/Bank:bob?secret=MFRGGZDFMZTWQ2LKNNWG23TP&counter=0";

#[test]
fn codes_follow_the_clock_and_the_revision_follows_the_full_list() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(AtomicU64::new(1_111_111_109));
    let app = mock_app(AppState::with_clock(
        dir.path().join("vault.twofold"),
        KdfParams::insecure_for_tests(),
        Box::new(Moving(clock.clone())),
    ));
    let locked = block(accounts::account_codes(app.state())).unwrap_err();
    assert_eq!(locked.kind, "vault.locked");
    let password = Zeroizing::new("correct horse".to_owned());
    block(vault::create_vault(app.state(), password)).unwrap();
    for uri in [TOTP, HOTP] {
        let report = block(add::add_uri(app.state(), app.state(), uri.into())).unwrap();
        assert_eq!(report.added.len(), 1, "{uri}");
    }

    let list = block(accounts::list_accounts(app.state())).unwrap();
    let codes = block(accounts::account_codes(app.state())).unwrap();
    assert_eq!((codes.now, codes.revision), (list.now, list.revision));
    let totp = list.accounts.iter().find(|a| a.kind == "totp").unwrap();
    let [only] = codes.codes.as_slice() else {
        panic!("one time-based account: {:?}", codes.codes);
    };
    // RFC 6238 appendix B: 07081804 at T=1111111109, 14050471 two seconds later.
    assert_eq!(
        (
            only.id.as_str(),
            only.code.as_str(),
            only.next_code.as_str()
        ),
        (totp.id.as_str(), "07081804", "14050471")
    );
    assert_eq!(Some(only.seconds_left), totp.seconds_left);
    let json = serde_json::to_value(&codes).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "now": 1_111_111_109u64,
            "revision": list.revision,
            "codes": [[totp.id, "07081804", "14050471", 1]],
        })
    );

    // The next step: new codes, the same revision (nothing else changed).
    clock.store(1_111_111_111, Ordering::SeqCst);
    let later = block(accounts::account_codes(app.state())).unwrap();
    assert_eq!(later.revision, list.revision);
    assert_eq!(later.codes[0].code, "14050471");
    assert_eq!(later.codes[0].seconds_left, 29);

    // A HOTP press changes no time-based code, but moves the revision: the UI must refetch.
    let hotp = list.accounts.iter().find(|a| a.kind == "hotp").unwrap();
    block(accounts::next_code(app.state(), hotp.id.clone())).unwrap();
    let after = block(accounts::account_codes(app.state())).unwrap();
    assert_ne!(after.revision, list.revision);
    let full = block(accounts::list_accounts(app.state())).unwrap();
    assert_eq!(after.revision, full.revision);
}

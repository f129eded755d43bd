//! The codes-only view against a real vault: the same codes as the full list at every instant
//! (the vault's clock offset applied), and a revision that moves with every change a screen
//! would otherwise miss, since a screen trusts its accounts while the revision stays.

use twofold_authenticator::{AccountEdit, AccountIcon, Engine, TimeCode};

use crate::common::fast;

const T0: u64 = 1_111_111_109;

fn vault() -> (tempfile::TempDir, Engine, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Engine::create(dir.path().join("v.twofold"), "pw-pw-pw-pw", fast()).unwrap();
    let uris = [
        // RFC 6238 appendix B's SHA-1 secret.
        "otpauth://totp/ACME:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&digits=8",
        "otpauth://hotp/Bank:bob?secret=MFRGGZDFMZTWQ2LKNNWG23TP&counter=3",
        "otpauth://totp/Slow:carol?secret=JBSWY3DPEHPK3PXP&period=60&issuer=Slow",
        "otpauth://totp/Steam:dave?secret=JBSWY3DPEHPK3PXPJBSWY3DP&encoder=steam&issuer=Steam",
        "otpauth://totp/Aardvark:erin?secret=KRSXG5CTMVRXEZLU&issuer=Aardvark&digits=7",
    ];
    let ids = uris
        .iter()
        .map(|uri| engine.add_uri(uri, T0).unwrap().added[0].id.clone())
        .collect();
    (dir, engine, ids)
}

/// What the full list shows of the codes, by account id, for the time-based accounts.
fn from_full_list(engine: &Engine, now: u64) -> Vec<TimeCode> {
    let mut codes: Vec<TimeCode> = engine
        .accounts(now)
        .unwrap()
        .into_iter()
        .filter_map(|view| {
            view.seconds_left.map(|seconds_left| TimeCode {
                id: view.id,
                code: view.code,
                next_code: view.next_code,
                seconds_left,
            })
        })
        .collect();
    codes.sort_by(|a, b| a.id.cmp(&b.id));
    codes
}

fn sorted(mut codes: Vec<TimeCode>) -> Vec<TimeCode> {
    codes.sort_by(|a, b| a.id.cmp(&b.id));
    codes
}

#[test]
fn time_codes_match_the_full_list_at_every_instant_with_the_clock_offset() {
    let (_dir, mut engine, ids) = vault();
    for offset in [0, 17, -45] {
        engine.set_clock_offset(offset).unwrap();
        for now in [T0, T0 + 1, T0 + 29, T0 + 30, T0 + 59, T0 + 61, T0 + 3_600] {
            let codes = engine.time_codes(now).unwrap();
            assert_eq!(codes.len(), 4, "every account but the HOTP one");
            assert!(codes.iter().all(|c| c.id != ids[1]), "HOTP is left out");
            assert_eq!(
                sorted(codes),
                from_full_list(&engine, now),
                "at {now}{offset:+}"
            );
        }
    }
    // RFC 6238 appendix B: at T=1111111109, 07081804; the offset moves the instant.
    engine.set_clock_offset(0).unwrap();
    assert_eq!(engine.time_codes(T0).unwrap()[0].code, "07081804");
    assert_eq!(engine.time_codes(T0).unwrap()[0].next_code, "14050471");
    engine.set_clock_offset(2).unwrap();
    assert_eq!(engine.time_codes(T0).unwrap()[0].code, "14050471");
}

#[test]
fn reading_codes_keeps_the_revision_and_every_change_moves_it() {
    let (_dir, mut engine, ids) = vault();
    let start = engine.revision();
    engine.time_codes(T0).unwrap();
    engine.accounts(T0 + 30).unwrap();
    assert_eq!(engine.revision(), start, "codes alone do not move it");

    let mut seen = vec![start];
    let mut moved = |engine: &Engine, what: &str| {
        let now = engine.revision();
        assert!(!seen.contains(&now), "{what} left the revision at {now}");
        seen.push(now);
    };
    engine.next_code(&ids[1], T0).unwrap();
    moved(&engine, "the HOTP counter");
    engine
        .edit(
            &ids[0],
            AccountEdit {
                name: Some("alice2".into()),
                ..AccountEdit::default()
            },
        )
        .unwrap();
    moved(&engine, "a rename");
    engine
        .edit(
            &ids[2],
            AccountEdit {
                favourite: Some(true),
                ..AccountEdit::default()
            },
        )
        .unwrap();
    moved(&engine, "a favourite");
    engine.move_account(&ids[4], 0).unwrap();
    moved(&engine, "the custom order");
    engine.mark_used(&ids[3], T0).unwrap();
    moved(&engine, "a copy (the most-used order)");
    engine
        .set_icon(
            &ids[3],
            Some(AccountIcon::Set {
                slug: "steam".into(),
            }),
        )
        .unwrap();
    moved(&engine, "an icon");
    engine.set_clock_offset(30).unwrap();
    moved(&engine, "the clock offset");
    engine
        .add_uri("otpauth://totp/New:f?secret=MFRGGZDF", T0)
        .unwrap();
    moved(&engine, "an added account");
    engine.remove(&ids[0]).unwrap();
    moved(&engine, "a removed account");
    engine.lock();
    assert!(
        engine.time_codes(T0).is_err(),
        "a locked vault shows no codes"
    );
    engine.unlock("pw-pw-pw-pw").unwrap();
    moved(&engine, "an unlock");
}

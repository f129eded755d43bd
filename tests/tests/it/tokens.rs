//! Hardware tokens through the real binary's CLI (issue 14): seed files of each kind
//! imported with `token import`, codes computed by `oathtool` from the imported secrets
//! accepted once through `/v1/auth`, whole-file refusals with a non-zero exit, resync,
//! disable, and `--help` with examples.

use twofold_testkit::{now, oathtool, oathtool_hotp, temp_dir, Engine, RpClient, ServerProcess};

const ENTRA: &str = include_str!("../../../backend/tests/fixtures/tokens/entra.csv");
const OATH_HEX: &str = include_str!("../../../backend/tests/fixtures/tokens/oath-hex.csv");
const AES256: &str = include_str!("../../../backend/tests/fixtures/tokens/aes256.pskcxml");
const BAD_MAC: &str = include_str!("../../../backend/tests/fixtures/tokens/aes256-bad-mac.pskcxml");
const PBKDF2: &str = include_str!("../../../backend/tests/fixtures/tokens/pbkdf2.pskcxml");
const PSK: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

on_each_engine!(token_cli_imports_seed_files_and_their_codes_sign_in_once);

fn b32(secret: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, secret)
}

async fn token_cli_imports_seed_files_and_their_codes_sign_in_once(engine: Engine) {
    let server = ServerProcess::start(engine).await.unwrap();
    server.add_user("alice", &[]).unwrap();
    server.add_user("bob", &[]).unwrap();
    let app = server.add_application("VPN Gateway").unwrap();
    let rp = RpClient::new(&server.url, &app.id, &app.secret).unwrap();
    let dir = temp_dir("tokens").unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };

    // CSV (Entra shape, the upn column assigns alice), format guessed.
    let entra = file("entra.csv", ENTRA);
    let report: serde_json::Value = server
        .cli_json(&["token", "import", &entra, "--json"])
        .unwrap();
    assert_eq!(
        (report["format"].as_str(), report["imported"].as_u64()),
        (Some("csv"), Some(2))
    );
    let mine: serde_json::Value = server
        .cli_json(&["token", "list", "--user", "alice", "--json"])
        .unwrap();
    assert_eq!(mine[0]["serial"], "TF-CSV-E1", "{mine}");
    let code = oathtool(&b32(b"twofold-csv-entra-alice"), now()).unwrap();
    assert_eq!(rp.auth_reason("alice", &code).await.unwrap(), "verified");
    assert_eq!(
        rp.auth_reason("alice", &code).await.unwrap(),
        "code_replayed"
    );

    // The same file again: refused whole, non-zero exit, the row names the serial.
    let again = server.cli(&["token", "import", &entra]).unwrap();
    assert!(!again.status.success());
    assert!(
        again
            .stdout
            .contains("serial TF-CSV-E1 is already imported"),
        "{again:?}"
    );
    assert!(again.stderr.contains("nothing was imported"), "{again:?}");

    // PSKC with a pre-shared AES-256 key; a flipped MAC bit imports nothing.
    let bad = server
        .cli(&[
            "token",
            "import",
            &file("bad.pskcxml", BAD_MAC),
            "--key",
            PSK,
        ])
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        bad.stderr.contains("MAC") && bad.stderr.contains("token.file_invalid"),
        "{bad:?}"
    );
    let aes = file("aes.pskcxml", AES256);
    let no_key = server.cli(&["token", "import", &aes]).unwrap();
    assert!(no_key.stderr.contains("--key"), "{no_key:?}");
    let imported = server
        .cli(&["token", "import", &aes, "--format", "pskc", "--key", PSK])
        .unwrap();
    assert!(imported.status.success(), "{imported:?}");
    assert!(
        imported.stdout.contains("PSKC file: imported 2"),
        "{imported:?}"
    );
    let pbe = server
        .cli(&[
            "token",
            "import",
            &file("pbe.pskcxml", PBKDF2),
            "--password",
            "twofold fixture",
        ])
        .unwrap();
    assert!(pbe.status.success(), "{pbe:?}");

    // HOTP from the hex CSV: assign, sign in, resync after presses far ahead.
    let hex = server
        .cli(&["token", "import", &file("hex.csv", OATH_HEX)])
        .unwrap();
    assert!(hex.status.success(), "{hex:?}");
    let assign = server
        .cli(&["token", "assign", "TF-CSV-H1", "bob"])
        .unwrap();
    assert!(
        assign.stdout.contains("Assigned TF-CSV-H1 to bob"),
        "{assign:?}"
    );
    let secret = b32(b"twofold-csv-hex-hotp-1");
    let at = |counter| oathtool_hotp(&secret, counter).unwrap();
    assert_eq!(rp.auth_reason("bob", &at(0)).await.unwrap(), "verified");
    let resync = server
        .cli(&["token", "resync", "TF-CSV-H1", &at(700), &at(701)])
        .unwrap();
    assert!(resync.stdout.contains("next counter 702"), "{resync:?}");
    assert_eq!(rp.auth_reason("bob", &at(702)).await.unwrap(), "verified");

    // Disabled: refused. Listed with its state.
    let disable = server.cli(&["token", "disable", "TF-CSV-H1"]).unwrap();
    assert!(disable.status.success(), "{disable:?}");
    assert_ne!(rp.auth_reason("bob", &at(703)).await.unwrap(), "verified");
    let list = server.cli(&["token", "list"]).unwrap();
    assert!(
        list.stdout.contains("TF-CSV-H1") && list.stdout.contains("disabled"),
        "{list:?}"
    );
    let delete = server
        .cli(&["token", "delete", "TF-AES-T1", "--yes"])
        .unwrap();
    assert!(delete.status.success(), "{delete:?}");
    let unknown = server.cli(&["token", "enable", "TF-NOPE"]).unwrap();
    assert!(unknown.stderr.contains("token.not_found"), "{unknown:?}");

    for command in [
        "import", "list", "assign", "unassign", "delete", "enable", "disable", "resync",
    ] {
        let help = server.cli(&["token", command, "--help"]).unwrap();
        assert!(
            help.stdout.contains("Example"),
            "token {command} --help: {help:?}"
        );
    }
}

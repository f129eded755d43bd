//! Issue 14, app passwords and bypass/recovery codes through the real binary's CLI: what an
//! administrator types, what the relying party then gets, and that no secret reaches the
//! server's log.

use serde_json::{json, Value};
use twofold_core::proto::admin::{
    AppPassword, IssuedAppPassword, IssuedBypass, IssuedRecoveryCodes,
};
use twofold_testkit::Engine;

use crate::common::{setup, Setup};

on_each_engine!(
    app_passwords_from_the_cli_are_used_listed_deleted_and_gone_after_a_reset,
    app_password_create_is_refused_while_disabled,
    bypass_and_recovery_codes_from_the_cli_are_used_once,
);

/// `/v1/auth` for alice with `factor`: the reason.
async fn auth(setup: &Setup, factor: &str, secret: &str) -> String {
    let body = json!({"username": "alice", "factor": factor, "passcode": secret});
    let answer = setup.rp.0.json("POST", "/v1/auth", &body).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["reason"].as_str().unwrap().to_owned()
}

fn assert_log_keeps(setup: &Setup, secrets: &[&str]) {
    let log = setup.server.logs().unwrap().to_lowercase();
    for secret in secrets {
        assert!(!log.contains(secret), "the log holds {secret}");
        assert!(
            !log.contains(&secret.replace('-', "")),
            "the log holds {secret}"
        );
    }
}

async fn app_passwords_from_the_cli_are_used_listed_deleted_and_gone_after_a_reset(engine: Engine) {
    let setup = setup(engine, &[("TWOFOLD_APP_PASSWORDS_ENABLED", "true")]).await;
    let server = &setup.server;
    let help = server.cli(&["app-password", "create", "--help"]).unwrap();
    assert!(
        help.stdout.contains("Example:") && help.stdout.contains("--name"),
        "{}",
        help.stdout
    );

    let mail: IssuedAppPassword = server
        .cli_json(&[
            "app-password",
            "create",
            "alice",
            "--name",
            "mail",
            "--json",
        ])
        .unwrap();
    let shown = server
        .cli(&["app-password", "create", "alice", "--name", "vpn"])
        .unwrap();
    assert!(shown.status.success(), "{}{}", shown.stdout, shown.stderr);
    let vpn = shown
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 27 && l.matches('-').count() == 3)
        .unwrap_or_else(|| panic!("no app password in {}", shown.stdout))
        .to_owned();
    let again = server
        .cli(&["app-password", "create", "alice", "--name", "mail"])
        .unwrap();
    assert!(!again.status.success());
    assert!(
        again.stderr.contains("app_password.exists"),
        "{}",
        again.stderr
    );

    assert_eq!(
        auth(&setup, "app_password", &mail.password).await,
        "verified"
    );
    assert_eq!(auth(&setup, "app_password", &vpn).await, "verified");

    let listed: Vec<AppPassword> = server
        .cli_json(&["app-password", "list", "alice", "--json"])
        .unwrap();
    assert_eq!(
        listed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["mail", "vpn"]
    );
    assert!(listed.iter().all(|p| p.last_used_at.is_some()));
    let table = server.cli(&["app-password", "list", "alice"]).unwrap();
    assert!(
        table.stdout.contains("LAST USED") && !table.stdout.contains(&vpn),
        "{}",
        table.stdout
    );

    let deleted = server
        .cli(&["app-password", "delete", "alice", "mail"])
        .unwrap();
    assert!(deleted.status.success(), "{}", deleted.stderr);
    assert_eq!(
        auth(&setup, "app_password", &mail.password).await,
        "invalid_code"
    );
    assert_eq!(auth(&setup, "app_password", &vpn).await, "verified");
    let neither = server.cli(&["app-password", "delete", "alice"]).unwrap();
    assert!(!neither.status.success(), "a name or --all is required");

    // Lost phone: every app password goes at once.
    let all = server
        .cli(&["app-password", "delete", "alice", "--all"])
        .unwrap();
    assert!(all.status.success(), "{}", all.stderr);
    assert_eq!(auth(&setup, "app_password", &vpn).await, "invalid_code");

    // `user reset` deletes them too, unless told to keep them.
    let kept: IssuedAppPassword = server
        .cli_json(&["app-password", "create", "alice", "--name", "rdp", "--json"])
        .unwrap();
    let reset = server
        .cli(&["user", "reset", "alice", "--yes", "--keep-app-passwords"])
        .unwrap();
    assert!(reset.status.success(), "{}", reset.stderr);
    let listed: Vec<AppPassword> = server
        .cli_json(&["app-password", "list", "alice", "--json"])
        .unwrap();
    assert_eq!(listed.len(), 1);
    let reset = server.cli(&["user", "reset", "alice", "--yes"]).unwrap();
    assert!(
        reset.stdout.contains("app passwords were deleted"),
        "{}",
        reset.stdout
    );
    let listed: Vec<Value> = server
        .cli_json(&["app-password", "list", "alice", "--json"])
        .unwrap();
    assert!(listed.is_empty());
    assert_log_keeps(&setup, &[&mail.password, &vpn, &kept.password]);
}

async fn app_password_create_is_refused_while_disabled(engine: Engine) {
    let setup = setup(engine, &[]).await;
    let refused = setup
        .server
        .cli(&["app-password", "create", "alice", "--name", "mail"])
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        refused.stderr.contains("[app_passwords] enabled = true")
            && refused.stderr.contains("app_password.disabled"),
        "{}",
        refused.stderr
    );
}

async fn bypass_and_recovery_codes_from_the_cli_are_used_once(engine: Engine) {
    let setup = setup(engine, &[]).await;
    let server = &setup.server;
    for bad in [["--minutes", "0"], ["--minutes", "1441"], ["--uses", "11"]] {
        let out = server
            .cli(&["user", "bypass", "alice", bad[0], bad[1]])
            .unwrap();
        assert!(!out.status.success(), "{bad:?}");
        assert!(out.stderr.contains(bad[0]), "{bad:?}: {}", out.stderr);
    }
    let help = server.cli(&["user", "bypass", "--help"]).unwrap();
    assert!(help.stdout.contains("Example"), "{}", help.stdout);

    let bypass: IssuedBypass = server
        .cli_json(&["user", "bypass", "alice", "--json"])
        .unwrap();
    assert_eq!(bypass.uses, 1);
    // A password-only client puts it where a passcode goes.
    assert_eq!(setup.auth(&bypass.code).await, "verified");
    assert_eq!(setup.auth(&bypass.code).await, "code_replayed");

    let set: IssuedRecoveryCodes = server
        .cli_json(&["user", "recovery-codes", "alice", "--json"])
        .unwrap();
    assert_eq!(set.codes.len(), 10);
    assert_eq!(auth(&setup, "recovery", &set.codes[0]).await, "verified");
    assert_eq!(setup.auth(&set.codes[0]).await, "code_replayed");
    assert_eq!(setup.auth(&set.codes[9].to_uppercase()).await, "verified");
    let shown = server.cli(&["user", "recovery-codes", "alice"]).unwrap();
    assert!(shown.stdout.contains("shown only now"), "{}", shown.stdout);
    assert_eq!(
        setup.auth(&set.codes[5]).await,
        "invalid_code",
        "a new set voids the old"
    );

    let admin = server.admin().unwrap();
    let records = admin.audit("&event=authentication").await.unwrap();
    let by_factor = |factor: &str| {
        records
            .iter()
            .filter(|r| r.factor.as_deref() == Some(factor) && r.result == "allow")
            .count()
    };
    assert_eq!((by_factor("bypass"), by_factor("recovery")), (1, 2));
    let mut secrets: Vec<&str> = set.codes.iter().map(String::as_str).collect();
    secrets.push(&bypass.code);
    assert_log_keeps(&setup, &secrets);
}

//! Issue 17: `store::sign_in::for_user` reads in one call (one multi-statement query on
//! SQLite) exactly what the separate functions of each table's file read, on both engines:
//! the same user, credentials (offline accounts of active devices on the epoch only),
//! enabled tokens, devices (newest first), live code kinds, app password and disabled
//! methods; another user's rows never leak in; an unknown user is None.

use twofold_server::store::credentials::{self, Credential, CredentialKind};
use twofold_server::store::devices::{self, Device, DeviceState};
use twofold_server::store::hardware_tokens::{self, HardwareToken};
use twofold_server::store::one_time_codes::{self, CodeKind, OneTimeCode};
use twofold_server::store::sign_in::{self, SignInRows};
use twofold_server::store::{app_passwords, state, users};
use twofold_testkit::{engines, InProcessServer};

const EPOCH: u64 = 7;
const NOW: u64 = 1_000_000;

fn device(id: &str, user_id: &str, epoch: u64, status: DeviceState, created_at: u64) -> Device {
    Device {
        id: id.into(),
        user_id: user_id.into(),
        name: format!("phone {id}"),
        platform: "android".into(),
        public_key: vec![4; 65],
        epoch,
        status,
        created_at,
        last_seen_at: None,
        revoked_at: None,
    }
}

fn credential(id: &str, user_id: &str, device_id: Option<&str>, created_at: u64) -> Credential {
    Credential {
        id: id.into(),
        user_id: user_id.into(),
        device_id: device_id.map(str::to_owned),
        source: "device".into(),
        kind: CredentialKind::Totp,
        serial: None,
        sealed_secret: vec![1, 2, 3],
        algorithm: "SHA1".into(),
        digits: 6,
        period: 30,
        counter: 0,
        last_step: -1,
        drift: 0,
        created_at,
    }
}

fn token(id: &str, user_id: &str, enabled: bool, created_at: u64) -> HardwareToken {
    HardwareToken {
        id: id.into(),
        serial: format!("SN-{id}"),
        kind: CredentialKind::Hotp,
        sealed_secret: vec![9, 9],
        algorithm: "SHA1".into(),
        digits: 6,
        period: 30,
        counter: 5,
        last_step: -1,
        drift: 0,
        enabled,
        user_id: Some(user_id.into()),
        username: None,
        issuer: None,
        manufacturer: None,
        model: None,
        created_at,
        last_used_at: None,
    }
}

fn code(
    id: &str,
    user_id: &str,
    kind: CodeKind,
    uses_left: i64,
    expires_at: Option<u64>,
) -> OneTimeCode {
    OneTimeCode {
        id: id.into(),
        user_id: user_id.into(),
        kind,
        code_hash: format!("hash-{id}"),
        uses_left,
        created_at: 1,
        expires_at,
        last_used_at: None,
    }
}

async fn add_user(server: &InProcessServer, name: &str) -> String {
    let (status, body) = server
        .as_admin(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({ "username": name })),
        )
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    users::by_name(server.state.store.pool(), name)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// What the separate functions read, in the shape `for_user` answers.
async fn one_at_a_time(server: &InProcessServer, name: &str) -> Option<SignInRows> {
    let pool = server.state.store.pool();
    let user = users::by_name(pool, name).await.unwrap()?;
    Some(SignInRows {
        credentials: credentials::usable_for_user(pool, &user.id, EPOCH)
            .await
            .unwrap(),
        tokens: hardware_tokens::usable_for_user(pool, &user.id)
            .await
            .unwrap(),
        devices: devices::for_user(pool, &user.id).await.unwrap(),
        code_kinds: one_time_codes::live_kinds(pool, &user.id, NOW)
            .await
            .unwrap(),
        app_password: app_passwords::exists_for_user(pool, &user.id)
            .await
            .unwrap(),
        disabled_methods: state::get(pool, state::DISABLED_METHODS).await.unwrap(),
        user,
    })
}

/// The comparable parts of the rows: ids in order, and the flags.
fn summary(rows: &SignInRows) -> String {
    let ids = |v: Vec<&str>| v.join(",");
    let mut kinds: Vec<&str> = rows.code_kinds.iter().map(|k| k.as_str()).collect();
    kinds.sort_unstable();
    format!(
        "user={:?} credentials=[{}] secrets={:?} tokens=[{}] counters={:?} devices=[{}] kinds={:?} app_password={} disabled={:?}",
        rows.user,
        ids(rows.credentials.iter().map(|c| c.id.as_str()).collect()),
        rows.credentials.iter().map(|c| c.sealed_secret.clone()).collect::<Vec<_>>(),
        ids(rows.tokens.iter().map(|t| t.id.as_str()).collect()),
        rows.tokens.iter().map(|t| (t.counter, t.enabled, t.username.clone())).collect::<Vec<_>>(),
        ids(rows.devices.iter().map(|d| d.id.as_str()).collect()),
        kinds,
        rows.app_password,
        rows.disabled_methods,
    )
}

#[tokio::test]
async fn one_call_reads_what_the_separate_statements_read() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let pool = server.state.store.pool();
        let alice = add_user(&server, "alice").await;
        let bob = add_user(&server, "bob").await;
        let _empty = add_user(&server, "carol").await;

        // Alice: two active devices on the epoch, one stale, one revoked; offline accounts
        // on each plus a credential without a device; an enabled and a disabled token.
        for d in [
            device("dev-a1", &alice, EPOCH, DeviceState::Active, 10),
            device("dev-a2", &alice, EPOCH, DeviceState::Active, 30),
            device("dev-a3", &alice, EPOCH - 1, DeviceState::Active, 20),
            device("dev-a4", &alice, EPOCH, DeviceState::Revoked, 40),
            device("dev-b1", &bob, EPOCH, DeviceState::Active, 50),
        ] {
            devices::insert(pool, &d).await.unwrap();
        }
        for c in [
            credential("cred-a2", &alice, Some("dev-a2"), 30),
            credential("cred-a1", &alice, Some("dev-a1"), 10),
            credential("cred-a3", &alice, Some("dev-a3"), 20),
            credential("cred-a4", &alice, Some("dev-a4"), 40),
            credential("cred-a5", &alice, None, 5),
            credential("cred-b1", &bob, Some("dev-b1"), 50),
        ] {
            credentials::insert(pool, &c).await.unwrap();
        }
        hardware_tokens::insert_batch(
            pool,
            &[
                token("tok-a1", &alice, true, 3),
                token("tok-a2", &alice, false, 4),
                token("tok-b1", &bob, true, 5),
            ],
        )
        .await
        .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        one_time_codes::replace(
            &mut conn,
            &alice,
            CodeKind::Bypass,
            &[
                code("otc-a1", &alice, CodeKind::Bypass, 2, Some(NOW + 60)),
                code("otc-a2", &alice, CodeKind::Bypass, 1, Some(NOW + 60)),
            ],
        )
        .await
        .unwrap();
        // Bob's recovery code is used up and his bypass code expired: neither is live.
        one_time_codes::replace(
            &mut conn,
            &bob,
            CodeKind::Recovery,
            &[code("otc-b1", &bob, CodeKind::Recovery, 0, None)],
        )
        .await
        .unwrap();
        one_time_codes::replace(
            &mut conn,
            &bob,
            CodeKind::Bypass,
            &[code("otc-b2", &bob, CodeKind::Bypass, 3, Some(NOW))],
        )
        .await
        .unwrap();
        drop(conn);
        let password = app_passwords::AppPassword {
            id: "apw-b1".into(),
            user_id: bob.clone(),
            name: "mail".into(),
            secret_hash: "hash".into(),
            created_at: 1,
            last_used_at: None,
        };
        app_passwords::insert(pool, &password, "bob").await.unwrap();

        for disabled in [None, Some("sms,bypass")] {
            if let Some(value) = disabled {
                state::set(pool, state::DISABLED_METHODS, value)
                    .await
                    .unwrap();
            }
            for name in ["alice", "bob", "carol"] {
                let expected = one_at_a_time(&server, name).await.unwrap();
                let got = sign_in::for_user(&server.state.store, name, EPOCH, NOW)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{engine}: {name} not found"));
                assert_eq!(summary(&got), summary(&expected), "{engine}: {name}");
                assert_eq!(
                    got.disabled_methods.as_deref(),
                    disabled,
                    "{engine}: {name}"
                );
            }
        }

        let alice_rows = sign_in::for_user(&server.state.store, "alice", EPOCH, NOW)
            .await
            .unwrap()
            .unwrap();
        let ids = |v: Vec<&str>| v.join(",");
        assert_eq!(
            ids(alice_rows
                .credentials
                .iter()
                .map(|c| c.id.as_str())
                .collect()),
            "cred-a5,cred-a1,cred-a2",
            "{engine}: only offline accounts of active devices on the epoch, oldest first"
        );
        assert_eq!(
            ids(alice_rows.devices.iter().map(|d| d.id.as_str()).collect()),
            "dev-a4,dev-a2,dev-a3,dev-a1",
            "{engine}: every device, newest first"
        );
        assert_eq!(
            ids(alice_rows.tokens.iter().map(|t| t.id.as_str()).collect()),
            "tok-a1",
            "{engine}: enabled tokens only"
        );
        assert_eq!(alice_rows.tokens[0].username.as_deref(), Some("alice"));
        assert_eq!(alice_rows.code_kinds, vec![CodeKind::Bypass], "{engine}");
        assert!(
            !alice_rows.app_password,
            "{engine}: bob's app password leaked"
        );
        let bob_rows = sign_in::for_user(&server.state.store, "bob", EPOCH, NOW)
            .await
            .unwrap()
            .unwrap();
        assert!(
            bob_rows.code_kinds.is_empty(),
            "{engine}: {:?}",
            bob_rows.code_kinds
        );
        assert!(bob_rows.app_password, "{engine}");

        let unknown = sign_in::for_user(&server.state.store, "mallory", EPOCH, NOW)
            .await
            .unwrap();
        assert!(unknown.is_none(), "{engine}: an unknown user was found");
    }
}

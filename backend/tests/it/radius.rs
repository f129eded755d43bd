//! The RADIUS front end driven by `radclient` (FreeRADIUS's utilities) in every mode, with a
//! real FreeRADIUS as the upstream primary; on SQLite and PostgreSQL. What the client sees
//! (Accept, Reject, Challenge, nothing) and what the server recorded (audit rows, the one
//! push, the drop counters) are both checked.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use twofold_core::proto::channel::Decision;
use twofold_server::directory::config::BindPassword;
use twofold_server::directory::DirectoryConfig;
use twofold_server::radius::config::{RadiusClientConfig, RadiusMode, UpstreamConfig};
use twofold_testkit::radius::{radclient, start_radius, FreeRadius, Patience, Radclient};
use twofold_testkit::slapd::{self, Slapd};
use twofold_testkit::{engines, Engine, InProcessServer, TestDevice};
use zeroize::Zeroizing;

const SECRET: &str = "radius-shared-secret";
const UPSTREAM_SECRET: &str = "upstream-shared-secret";
const PASSWORD: &str = "correct horse";

struct Setup {
    server: InProcessServer,
    url: String,
    radius: SocketAddr,
    device: TestDevice,
}

fn client(mode: RadiusMode) -> RadiusClientConfig {
    RadiusClientConfig {
        name: "vpn".into(),
        address: "127.0.0.0/8".into(),
        secret: Zeroizing::new(SECRET.into()),
        mode,
        ..RadiusClientConfig::default()
    }
}

async fn setup(
    engine: Engine,
    clients: Vec<RadiusClientConfig>,
    upstream: Option<&FreeRadius>,
) -> Setup {
    setup_with(engine, clients, upstream, DirectoryConfig::default()).await
}

/// `setup` with a `[directory]` section (off when `directory.url` is empty).
async fn setup_with(
    engine: Engine,
    clients: Vec<RadiusClientConfig>,
    upstream: Option<&FreeRadius>,
    directory: DirectoryConfig,
) -> Setup {
    let server = InProcessServer::start(engine, |c| {
        c.directory = directory;
        c.push.number_matching = twofold_testkit::inprocess::number_matching(false);
        c.policy.lockout_threshold = 3;
        c.radius.listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
        c.radius.clients = clients;
        c.radius.upstream = upstream.map(|u| UpstreamConfig {
            address: u.address,
            secret: Zeroizing::new(u.secret.clone()),
            timeout_ms: 2000,
            retries: 1,
            ..UpstreamConfig::default()
        });
    })
    .await
    .unwrap();
    let url = server.listen().await.unwrap();
    let radius = start_radius(&server).await.unwrap();
    let code = server.user_with_code("alice").await.unwrap();
    let device = TestDevice::activate_new(&url, &code, "Alice's phone")
        .await
        .unwrap();
    Setup {
        server,
        url,
        radius,
        device,
    }
}

fn upstream() -> FreeRadius {
    FreeRadius::start(&[("alice", PASSWORD)], UPSTREAM_SECRET).unwrap()
}

impl Setup {
    fn code(&self) -> String {
        self.device.code(self.server.state.now()).unwrap()
    }

    async fn ask(&self, password: &str) -> Radclient {
        self.ask_with(&format!("User-Password = \"{password}\""), Patience::QUICK)
            .await
    }

    async fn ask_with(&self, attributes: &str, patience: Patience) -> Radclient {
        let attributes = format!(
            "User-Name = \"alice\", {attributes}, Calling-Station-Id = \"203.0.113.9\", \
             NAS-IP-Address = 192.0.2.1, Message-Authenticator = 0x00"
        );
        radclient(self.radius, SECRET, &attributes, patience)
            .await
            .unwrap()
    }

    fn metrics(&self) -> String {
        self.server.state.metrics.render(&[])
    }

    async fn audit(&self) -> Vec<Value> {
        let records = self
            .server
            .admin_call("GET", "/v1/admin/audit?username=alice&limit=1000", None)
            .await
            .unwrap();
        records.as_array().unwrap().clone()
    }
}

/// The counter line `twofold_radius_dropped_total{reason="..."}`, 0 when absent.
fn dropped(metrics: &str, reason: &str) -> u64 {
    let prefix = format!("twofold_radius_dropped_total{{reason=\"{reason}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().unwrap())
}

#[tokio::test]
async fn second_factor_code_is_accepted_once_and_the_replay_refused() {
    for engine in engines().unwrap() {
        let s = setup(engine, vec![client(RadiusMode::SecondFactor)], None).await;
        let code = s.code();
        let first = s.ask(&code).await;
        assert!(first.accepted(), "{engine}: {}", first.output);
        // BlastRADIUS guidance: the Message-Authenticator comes first.
        assert_eq!(
            first.attributes.first().map(|a| a.0.as_str()),
            Some("Message-Authenticator"),
            "{engine}: {}",
            first.output
        );
        let replay = s.ask(&code).await;
        assert!(replay.rejected(), "{engine}: {}", replay.output);
        assert!(
            replay.attribute("Reply-Message").is_some(),
            "{engine}: {}",
            replay.output
        );

        let audit = s.audit().await;
        let auth: Vec<&Value> = audit
            .iter()
            .filter(|r| r["event"] == "authentication")
            .collect();
        assert_eq!(auth.len(), 2, "{engine}: {audit:?}");
        for record in &auth {
            assert_eq!(record["application"], "vpn", "{engine}: {record}");
            assert_eq!(record["client_ip"], "203.0.113.9", "{engine}: {record}");
            let detail = record["detail"].as_str().unwrap_or_default();
            assert!(
                detail.starts_with("mode=radius client=vpn nas=192.0.2.1"),
                "{engine}: {record}"
            );
        }
        assert!(
            auth.iter().any(|r| r["result"] == "deny"),
            "{engine}: the replay is audited as a refusal"
        );
        assert!(
            s.metrics()
                .contains("twofold_radius_requests_total{result=\"accept\"} 1"),
            "{engine}"
        );
        assert!(
            s.metrics()
                .contains("twofold_radius_requests_total{result=\"reject\"} 1"),
            "{engine}"
        );
        // RFC 2865 §5.33: Proxy-State comes back unchanged, in order, after the others.
        let proxied = s
            .ask_with(
                &format!(
                    "User-Password = \"{code}\", Proxy-State = 0x74776f, Proxy-State = 0x0102"
                ),
                Patience::QUICK,
            )
            .await;
        let proxy: Vec<&str> = proxied
            .attributes
            .iter()
            .filter(|(n, _)| n == "Proxy-State")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            proxy,
            ["0x74776f", "0x0102"],
            "{engine}: {}",
            proxied.output
        );
        assert_eq!(
            proxied.attributes.first().map(|a| a.0.as_str()),
            Some("Message-Authenticator")
        );
    }
}

async fn push_answered(decision: Decision) -> Vec<(Engine, Radclient, i64, u64)> {
    let mut seen = Vec::new();
    for engine in engines().unwrap() {
        let s = setup(engine, vec![client(RadiusMode::SecondFactor)], None).await;
        let (mut channel, _) = s.device.connect(&s.url).await.unwrap();
        let ask = {
            let (radius, patience) = (
                s.radius,
                Patience {
                    timeout: Duration::from_millis(700),
                    retries: 10,
                },
            );
            tokio::spawn(async move {
                let attributes =
                    "User-Name = \"alice\", User-Password = \"push\", Message-Authenticator = 0x00";
                radclient(radius, SECRET, attributes, patience)
                    .await
                    .unwrap()
            })
        };
        let (challenge, _) = channel.next_challenge().await.unwrap();
        assert_eq!(challenge.application, "vpn", "{engine}");
        // Let radclient retransmit while the user looks at the phone.
        tokio::time::sleep(Duration::from_millis(2000)).await;
        channel
            .send_answer(&s.device, &challenge, decision, None, false)
            .await
            .unwrap();
        let answer = ask.await.unwrap();
        let pushes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM challenges")
            .fetch_one(s.server.state.store.pool())
            .await
            .unwrap();
        // The phone's answer is recorded as the RADIUS client's, like the push it answers.
        let details: Vec<Option<String>> = sqlx::query_scalar(
            "SELECT detail FROM audit WHERE factor = 'push' AND result IN ('allow', 'deny') \
             AND reason <> 'pending'",
        )
        .fetch_all(s.server.state.store.pool())
        .await
        .unwrap();
        assert!(
            !details.is_empty()
                && details.iter().all(|d| d
                    .as_deref()
                    .is_some_and(|d| d.starts_with("mode=radius client=vpn"))),
            "{engine}: {details:?}"
        );
        seen.push((
            engine,
            answer,
            pushes,
            dropped(&s.metrics(), "retransmission_in_progress"),
        ));
    }
    seen
}

#[tokio::test]
async fn push_approved_while_radclient_retransmits_starts_one_push() {
    for (engine, answer, pushes, waited) in push_answered(Decision::Approve).await {
        assert!(answer.accepted(), "{engine}: {}", answer.output);
        assert!(
            answer.sent >= 2,
            "{engine}: radclient retransmitted: {}",
            answer.output
        );
        assert_eq!(pushes, 1, "{engine}: exactly one push");
        assert!(
            waited >= 1,
            "{engine}: retransmissions got no answer while pending"
        );
    }
}

#[tokio::test]
async fn push_denied_is_rejected() {
    for (engine, answer, pushes, _) in push_answered(Decision::Deny).await {
        assert!(answer.rejected(), "{engine}: {}", answer.output);
        assert_eq!(pushes, 1, "{engine}");
    }
}

#[tokio::test]
async fn password_then_challenge_asks_for_a_code_and_the_state_is_single_use() {
    let upstream = upstream();
    for engine in engines().unwrap() {
        let s = setup(
            engine,
            vec![client(RadiusMode::PasswordThenChallenge)],
            Some(&upstream),
        )
        .await;
        let wrong = s.ask("battery staple").await;
        assert!(wrong.rejected(), "{engine}: {}", wrong.output);
        assert_eq!(
            wrong.attribute("Reply-Message"),
            Some("Wrong user name or password."),
            "{engine}"
        );

        let challenge = s.ask(PASSWORD).await;
        assert_eq!(
            challenge.code.as_deref(),
            Some("Access-Challenge"),
            "{engine}: {}",
            challenge.output
        );
        assert_eq!(
            challenge.attribute("Reply-Message"),
            Some("Enter a code, or type push"),
            "{engine}"
        );
        let state = challenge.attribute("State").unwrap().to_owned();
        let code = s.code();
        let accepted = s
            .ask_with(
                &format!("User-Password = \"{code}\", State = {state}"),
                Patience::QUICK,
            )
            .await;
        assert!(accepted.accepted(), "{engine}: {}", accepted.output);

        // The same State again (with a fresh code): refused, and audited.
        s.server.clock.advance(30);
        let again = s
            .ask_with(
                &format!("User-Password = \"{}\", State = {state}", s.code()),
                Patience::QUICK,
            )
            .await;
        assert!(again.rejected(), "{engine}: {}", again.output);
        let audit = s.audit().await;
        assert!(
            audit.iter().any(|r| r["reason"] == "radius_state_invalid"),
            "{engine}: {audit:?}"
        );
        assert!(
            audit
                .iter()
                .any(|r| r["reason"] == "primary_password_invalid"),
            "{engine}: {audit:?}"
        );
    }
}

#[tokio::test]
async fn password_and_code_checks_both_and_the_upstream_is_a_real_freeradius() {
    let upstream = upstream();
    for engine in engines().unwrap() {
        let s = setup(
            engine,
            vec![client(RadiusMode::PasswordAndCode)],
            Some(&upstream),
        )
        .await;
        let code = s.code();
        let wrong = s.ask(&format!("battery staple{code}")).await;
        assert!(wrong.rejected(), "{engine}: {}", wrong.output);
        let right = s.ask(&format!("{PASSWORD}{code}")).await;
        assert!(right.accepted(), "{engine}: {}", right.output);
        let no_code = s.ask(PASSWORD).await;
        assert!(no_code.rejected(), "{engine}: {}", no_code.output);
        assert!(
            upstream.log().unwrap().contains("Login OK: [alice]"),
            "{engine}: FreeRADIUS said yes"
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_or_missing_message_authenticator_gets_no_answer() {
    for engine in engines().unwrap() {
        let s = setup(engine, vec![client(RadiusMode::SecondFactor)], None).await;
        let code = s.code();
        let attributes = format!(
            "User-Name = \"alice\", User-Password = \"{code}\", Message-Authenticator = 0x00"
        );
        let wrong = radclient(s.radius, "not-the-secret", &attributes, Patience::QUICK)
            .await
            .unwrap();
        assert_eq!(wrong.code, None, "{engine}: {}", wrong.output);
        assert_eq!(
            dropped(&s.metrics(), "bad_message_authenticator"),
            1,
            "{engine}"
        );

        let bare = format!("User-Name = \"alice\", User-Password = \"{code}\"");
        let missing = radclient(s.radius, SECRET, &bare, Patience::QUICK)
            .await
            .unwrap();
        assert_eq!(missing.code, None, "{engine}: {}", missing.output);
        assert_eq!(
            dropped(&s.metrics(), "missing_message_authenticator"),
            1,
            "{engine}"
        );
        // Nothing was decided: the code still works.
        assert!(s.ask(&code).await.accepted(), "{engine}");
    }
}

#[tokio::test]
async fn with_the_switch_off_a_request_without_message_authenticator_is_answered() {
    for engine in engines().unwrap() {
        let old_nas = RadiusClientConfig {
            require_message_authenticator: false,
            ..client(RadiusMode::SecondFactor)
        };
        let s = setup(engine, vec![old_nas], None).await;
        let bare = format!("User-Name = \"alice\", User-Password = \"{}\"", s.code());
        let answered = radclient(s.radius, SECRET, &bare, Patience::QUICK)
            .await
            .unwrap();
        assert!(answered.accepted(), "{engine}: {}", answered.output);
        // The answer carries one anyway (RFC 3579 §3.2).
        assert!(
            answered.attribute("Message-Authenticator").is_some(),
            "{engine}: {}",
            answered.output
        );
    }
}

#[tokio::test]
async fn an_unknown_client_address_is_dropped() {
    for engine in engines().unwrap() {
        let elsewhere = RadiusClientConfig {
            address: "192.0.2.0/24".into(),
            ..client(RadiusMode::SecondFactor)
        };
        let s = setup(engine, vec![elsewhere], None).await;
        let answer = s.ask(&s.code()).await;
        assert_eq!(answer.code, None, "{engine}: {}", answer.output);
        assert_eq!(dropped(&s.metrics(), "unknown_client"), 1, "{engine}");
    }
}

#[tokio::test]
async fn lockout_applies_after_wrong_codes_over_radius() {
    for engine in engines().unwrap() {
        let s = setup(engine, vec![client(RadiusMode::SecondFactor)], None).await;
        let right = s.code();
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..3 {
            assert!(s.ask(wrong).await.rejected(), "{engine}");
        }
        let locked = s.ask(&right).await;
        assert!(
            locked.rejected(),
            "{engine}: the right code is refused once locked: {}",
            locked.output
        );
        let audit = s.audit().await;
        assert!(
            audit
                .iter()
                .any(|r| r["reason"].as_str().is_some_and(|r| r.contains("locked"))),
            "{engine}: {audit:?}"
        );
    }
}

#[tokio::test]
async fn requests_that_cannot_be_answered_as_asked_are_rejected_and_audited() {
    for engine in engines().unwrap() {
        let s = setup(engine, vec![client(RadiusMode::SecondFactor)], None).await;
        // No User-Password (PAP is all there is).
        let attributes = "User-Name = \"alice\", Message-Authenticator = 0x00";
        let no_password = radclient(s.radius, SECRET, attributes, Patience::QUICK)
            .await
            .unwrap();
        assert!(no_password.rejected(), "{engine}: {}", no_password.output);
        assert_eq!(
            no_password.attribute("Reply-Message"),
            Some("The password is missing."),
            "{engine}"
        );
        let audit = s.audit().await;
        assert!(
            audit.iter().any(|r| r["reason"] == "malformed_request"),
            "{engine}: {audit:?}"
        );
        // A name no user can have is a refusal, not silence.
        let long = format!(
            "User-Name = \"{}\", User-Password = \"123456\", Message-Authenticator = 0x00",
            "a".repeat(300)
        );
        let refused = radclient(s.radius, SECRET, &long, Patience::QUICK)
            .await
            .unwrap();
        assert!(refused.rejected(), "{engine}: {}", refused.output);
        assert_eq!(dropped(&s.metrics(), "internal_error"), 0, "{engine}");
    }
}

#[tokio::test]
async fn the_directory_checks_the_password_then_a_code_is_asked_for_and_failures_lock_it() {
    let slapd = Slapd::start().unwrap();
    slapd
        .add_user("alice", "Alice", "Liddell", "alice@example.test", PASSWORD)
        .unwrap();
    for engine in engines().unwrap() {
        let directory = DirectoryConfig {
            url: slapd.url.clone(),
            starttls: false,
            allow_insecure: true,
            bind_dn: slapd::SERVICE_DN.into(),
            bind_password: BindPassword::new(slapd::SERVICE_PASSWORD.into()),
            base_dn: slapd::BASE_DN.into(),
            lockout_threshold: 3,
            ..DirectoryConfig::default()
        };
        let by_directory = RadiusClientConfig {
            primary: "directory".into(),
            ..client(RadiusMode::PasswordThenChallenge)
        };
        let s = setup_with(engine, vec![by_directory], None, directory).await;
        let wrong = s.ask("battery staple").await;
        assert!(wrong.rejected(), "{engine}: {}", wrong.output);

        let challenge = s.ask(PASSWORD).await;
        assert_eq!(
            challenge.code.as_deref(),
            Some("Access-Challenge"),
            "{engine}: the directory accepted the password: {}",
            challenge.output
        );
        let state = challenge.attribute("State").unwrap().to_owned();
        let accepted = s
            .ask_with(
                &format!("User-Password = \"{}\", State = {state}", s.code()),
                Patience::QUICK,
            )
            .await;
        assert!(accepted.accepted(), "{engine}: {}", accepted.output);

        // The directory password's own lockout (3 failures in its window): after it, even
        // the right password is refused, and the client is not told why.
        for _ in 0..3 {
            assert!(s.ask("battery staple").await.rejected(), "{engine}");
        }
        let locked = s.ask(PASSWORD).await;
        assert!(locked.rejected(), "{engine}: {}", locked.output);
        let audit = s.audit().await;
        assert!(
            audit
                .iter()
                .any(|r| r["event"] == "directory_password" && r["result"] != "allow"),
            "{engine}: directory checks are audited: {audit:?}"
        );
    }
}

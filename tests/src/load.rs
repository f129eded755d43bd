//! Mixed sign-in load against a running server or cluster (by its base URL), recording every
//! answer a client received, so a test (or `twofold-load --duration-seconds`) can check each
//! acknowledged answer against the audit log.
//!
//! One worker per user, one request at a time, so each answer is the user's: per round a
//! valid code (once per 30 s step), the same code again (a replay), a wrong code, and a push
//! (asynchronous: started, then polled until answered) that the user's [`AnsweringDevice`]
//! approves. A request that fails in transit (a node killed under it, a 502 or 503) is
//! recorded as not acknowledged and the worker goes on; polls are repeated, since reading
//! an outcome twice changes nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::answering::{AnsweringDevice, Numbers};
use crate::device::TestDevice;
use crate::error::Error;
use crate::http::{AdminClient, RpClient};
use crate::oath::now;
use crate::Result;

/// How long a push is polled for before the worker gives up on it.
const PUSH_DEADLINE: Duration = Duration::from_secs(30);

/// The users, devices and application a load run uses.
pub struct LoadSetup {
    pub base_url: String,
    pub rp: RpClient,
    pub app_name: String,
    pub app_id: String,
    pub app_secret: String,
    pub users: Vec<(String, Arc<TestDevice>)>,
    pub numbers: Numbers,
}

impl LoadSetup {
    /// Creates an application and `users` users (`load-TAG-i`), each with a device activated
    /// through `base_url`, with the admin API at `base_url`.
    pub async fn create(base_url: &str, admin_token: &str, users: usize) -> Result<Self> {
        let admin = AdminClient::new(base_url, admin_token)?;
        let tag = format!("{:x}", now());
        let app_name = format!("load-{tag}");
        let app: serde_json::Value = admin
            .post("/v1/admin/applications", &json!({"name": app_name}))
            .await?;
        let (Some(app_id), Some(secret)) = (app["id"].as_str(), app["secret"].as_str()) else {
            return Err(Error::new(format!("no application credentials in {app}")));
        };
        let rp = RpClient::new(base_url, app_id, secret)?;
        let mut made = Vec::with_capacity(users);
        for i in 0..users {
            let username = format!("load-{tag}-{i}");
            let _: serde_json::Value = admin
                .post("/v1/admin/users", &json!({"username": username}))
                .await?;
            let issued: serde_json::Value = admin
                .post(
                    &format!("/v1/admin/users/{username}/activation"),
                    &json!(null),
                )
                .await?;
            let code = issued["code"]
                .as_str()
                .ok_or_else(|| Error::new(format!("no activation code in {issued}")))?;
            let device = TestDevice::activate_new(base_url, code, &username).await?;
            made.push((username, Arc::new(device)));
        }
        Ok(Self {
            base_url: base_url.to_owned(),
            rp,
            app_name,
            app_id: app_id.to_owned(),
            app_secret: secret.to_owned(),
            users: made,
            numbers: Arc::default(),
        })
    }

    /// Every user's device, connected through `url` and approving what it is sent, each
    /// `think` after it arrives.
    pub fn answering_devices(&self, url: &str, think: Duration) -> Vec<AnsweringDevice> {
        self.users
            .iter()
            .map(|(_, device)| {
                AnsweringDevice::spawn(device.clone(), url.to_owned(), self.numbers.clone(), think)
            })
            .collect()
    }
}

/// What a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The user's current code, first time.
    Valid,
    /// The same code again.
    Replay,
    /// A code no step around now produces.
    Wrong,
    /// A push, polled to its end.
    Push,
}

/// One answer a client received (or did not).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub user: String,
    pub kind: Kind,
    /// The code sent (passcodes).
    pub code: Option<String>,
    /// The push's transaction id.
    pub txid: Option<String>,
    /// The last HTTP status (0: no response at all).
    pub status: u16,
    /// `allow`/`deny` when acknowledged.
    pub result: Option<String>,
    pub reason: Option<String>,
    /// The error code of a refusal (`service.database_unavailable`, ...).
    pub error: Option<String>,
    /// 503 answers received on the way (a push's polls are repeated after one).
    #[serde(default)]
    pub refused_503: u32,
}

impl Answer {
    /// The client received a decision: an `allow` or a `deny`.
    pub fn acknowledged(&self) -> bool {
        self.status == 200 && matches!(self.result.as_deref(), Some("allow" | "deny"))
    }

    /// Whether an acknowledged answer is the right one. `unacknowledged_valid` is true when
    /// this user's `Valid` attempt with the same code got no decision (it may or may not
    /// have been counted, so its replay may be the first use).
    pub fn is_right(&self, unacknowledged_valid: bool) -> bool {
        let reason = self.reason.as_deref();
        match self.kind {
            Kind::Valid => reason == Some("verified"),
            Kind::Replay => {
                reason == Some("code_replayed")
                    || (unacknowledged_valid && reason == Some("verified"))
            }
            Kind::Wrong => reason == Some("invalid_code"),
            Kind::Push => reason == Some("approved"),
        }
    }
}

/// Runs the load for `duration` and returns every answer.
pub async fn run(setup: &LoadSetup, duration: Duration) -> Vec<Answer> {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + duration;
    let mut workers = tokio::task::JoinSet::new();
    for (username, device) in &setup.users {
        let (rp, numbers, answers) = (setup.rp.clone(), setup.numbers.clone(), answers.clone());
        let (username, device) = (username.clone(), device.clone());
        workers.spawn(async move {
            let mut last_step = None;
            while Instant::now() < deadline {
                let mut round = Vec::new();
                let t = now();
                if last_step != Some(t / 30) {
                    last_step = Some(t / 30);
                    let code = device.code(t).unwrap_or_default();
                    round.push(passcode(&rp, &username, Kind::Valid, &code).await);
                    round.push(passcode(&rp, &username, Kind::Replay, &code).await);
                }
                let wrong = wrong_code(&device, t);
                round.push(passcode(&rp, &username, Kind::Wrong, &wrong).await);
                round.push(push(&rp, &username, &numbers).await);
                if let Ok(mut all) = answers.lock() {
                    all.extend(round);
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let mut out = answers.lock().map(|a| a.clone()).unwrap_or_default();
    out.sort_by(|a, b| a.user.cmp(&b.user));
    out
}

async fn passcode(rp: &RpClient, user: &str, kind: Kind, code: &str) -> Answer {
    let mut answer = Answer {
        user: user.to_owned(),
        kind,
        code: Some(code.to_owned()),
        txid: None,
        status: 0,
        result: None,
        reason: None,
        error: None,
        refused_503: 0,
    };
    match rp.auth(user, code, Default::default()).await {
        Ok(response) => read(&mut answer, &response),
        Err(e) => answer.error = Some(e.0),
    }
    answer
}

fn read(answer: &mut Answer, response: &crate::http::ApiResponse) {
    answer.status = response.status;
    if response.status == 503 {
        answer.refused_503 += 1;
    }
    answer.result = response.body["result"].as_str().map(str::to_owned);
    answer.reason = response.body["reason"].as_str().map(str::to_owned);
    answer.error = response.error_code().map(str::to_owned);
}

/// Starts an asynchronous push and polls it until it is decided.
async fn push(rp: &RpClient, user: &str, numbers: &Numbers) -> Answer {
    let mut answer = Answer {
        user: user.to_owned(),
        kind: Kind::Push,
        code: None,
        txid: None,
        status: 0,
        result: None,
        reason: None,
        error: None,
        refused_503: 0,
    };
    let request = json!({"username": user, "factor": "push", "async": true});
    let started = match rp.0.json("POST", "/v1/auth", &request).await {
        Ok(r) => r,
        Err(e) => {
            answer.error = Some(e.0);
            return answer;
        }
    };
    read(&mut answer, &started);
    let Some(txid) = started.body["txid"].as_str().map(str::to_owned) else {
        return answer;
    };
    if let (Some(number), Ok(mut map)) = (started.body["number"].as_str(), numbers.lock()) {
        map.insert(txid.clone(), number.to_owned());
    }
    answer.txid = Some(txid.clone());
    let deadline = Instant::now() + PUSH_DEADLINE;
    while Instant::now() < deadline {
        match rp.0.get(&format!("/v1/auth/{txid}?wait=5")).await {
            Ok(r) => {
                read(&mut answer, &r);
                if answer.acknowledged() {
                    return answer;
                }
                if r.status != 200 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Err(e) => {
                answer.status = 0;
                answer.error = Some(e.0);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    answer
}

/// A code that none of the steps the server accepts around `t` produces.
pub fn wrong_code(device: &TestDevice, t: u64) -> String {
    let valid: Vec<String> = [t.saturating_sub(30), t, t + 30]
        .iter()
        .filter_map(|t| device.code(*t).ok())
        .collect();
    let mut n: u32 = valid.first().and_then(|c| c.parse().ok()).unwrap_or(0);
    loop {
        n = (n + 1) % 1_000_000;
        let code = format!("{n:06}");
        if !valid.contains(&code) {
            return code;
        }
    }
}

/// Acknowledged answers checked against the audit log's authentication records.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheck {
    /// Requests sent.
    pub sent: usize,
    /// Answers with a decision (allow/deny).
    pub acknowledged: usize,
    /// Acknowledged answers matched to an audit record of their own.
    pub found_in_audit: usize,
    /// Acknowledged answers with no audit record left to match.
    pub lost: usize,
    /// Audit records beyond what the acknowledged and the unanswered requests account for.
    pub duplicated: usize,
    /// Acknowledged answers that are not the right decision.
    pub wrong: usize,
    /// Codes accepted more than once (by the clients or in the audit).
    pub accepted_twice: usize,
    /// Requests that got a 503 (the database down) at least once.
    pub unavailable: usize,
}

/// Matches `answers` to `records` per user and (result, reason): every acknowledged answer
/// must have an audit record of its own; the records left over must not outnumber the
/// requests that got no decision (those may or may not have been decided before the client
/// lost them).
pub fn check_audit(
    answers: &[Answer],
    records: &[twofold_core::proto::admin::AuditRecord],
) -> AuditCheck {
    type Key = (String, String, String);
    let mut audited: HashMap<Key, usize> = HashMap::new();
    let mut audited_allows: HashMap<String, usize> = HashMap::new();
    for r in records.iter().filter(|r| r.event == "authentication") {
        let Some(user) = r.username.clone() else {
            continue;
        };
        if r.result == "allow" && r.factor.as_deref() == Some("passcode") {
            *audited_allows.entry(user.clone()).or_default() += 1;
        }
        let key = (user, r.result.clone(), r.reason.clone().unwrap_or_default());
        *audited.entry(key).or_default() += 1;
    }
    let mut check = AuditCheck {
        sent: answers.len(),
        ..AuditCheck::default()
    };
    let mut acked: HashMap<Key, usize> = HashMap::new();
    let mut unanswered: HashMap<String, usize> = HashMap::new();
    let mut accepted: HashMap<(String, String), usize> = HashMap::new();
    let mut valid_codes: HashMap<String, usize> = HashMap::new();
    for a in answers {
        if a.refused_503 > 0 {
            check.unavailable += 1;
        }
        if a.kind == Kind::Valid {
            *valid_codes.entry(a.user.clone()).or_default() += 1;
        }
        if !a.acknowledged() {
            *unanswered.entry(a.user.clone()).or_default() += 1;
            continue;
        }
        check.acknowledged += 1;
        let unacked_valid = answers.iter().any(|v| {
            v.user == a.user && v.kind == Kind::Valid && v.code == a.code && !v.acknowledged()
        });
        if !a.is_right(unacked_valid) {
            check.wrong += 1;
        }
        if a.reason.as_deref() == Some("verified") {
            if let Some(code) = &a.code {
                *accepted.entry((a.user.clone(), code.clone())).or_default() += 1;
            }
        }
        let key = (
            a.user.clone(),
            a.result.clone().unwrap_or_default(),
            a.reason.clone().unwrap_or_default(),
        );
        *acked.entry(key).or_default() += 1;
    }
    check.accepted_twice = accepted.values().filter(|n| **n > 1).count();
    // In the audit: no user has more accepted codes than distinct codes sent as valid.
    for (user, allows) in &audited_allows {
        if *allows > valid_codes.get(user).copied().unwrap_or(0) {
            check.accepted_twice += allows - valid_codes.get(user).copied().unwrap_or(0);
        }
    }
    let mut surplus: HashMap<String, usize> = HashMap::new();
    for (key, n) in &acked {
        let in_audit = audited.get(key).copied().unwrap_or(0);
        check.found_in_audit += in_audit.min(*n);
        check.lost += n.saturating_sub(in_audit);
    }
    for (key, n) in &audited {
        let acknowledged = acked.get(key).copied().unwrap_or(0);
        *surplus.entry(key.0.clone()).or_default() += n.saturating_sub(acknowledged);
    }
    for (user, extra) in surplus {
        check.duplicated += extra.saturating_sub(unanswered.get(&user).copied().unwrap_or(0));
    }
    check
}

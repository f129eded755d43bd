//! The Twofold-server commands: `activate`, `push listen`, `push answer`. The clients, their
//! states and what the vault keeps of their events are the engine's [`Fleet`]; this file
//! decides what to print and when to stop.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use twofold_authenticator::account::PushState;
use twofold_authenticator::activation::{activation_uri_from_image, ActivationError};
use twofold_authenticator::push::fleet::activate_account;
use twofold_authenticator::push::{Fleet, PushAccount};
use twofold_authenticator::{Answer, Clock, DeviceInfo, Engine, Error, PushEvent, SystemClock};
use twofold_core::proto::channel::AnswerOutcome;
use twofold_core::proto::ActivationUri;
use zeroize::Zeroizing;

use crate::args::{DecisionArg, PushCommand};
use crate::error::{CliError, Result};
use crate::output::{describe, outcome_text, print_json, reactivation_advice};
use crate::vault::{open_keeping_password, read};

/// How long `push answer` waits for the server's verdict once the answer is sent.
const VERDICT_WAIT: Duration = Duration::from_secs(15);

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

fn default_device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => format!("twofold CLI on {host}"),
        None => "twofold CLI".into(),
    }
}

pub fn activate(
    path: &Path,
    uri: Option<String>,
    image: Option<PathBuf>,
    name: Option<String>,
    allow_http: bool,
    json: bool,
) -> Result<()> {
    let uri = match (uri, image) {
        (Some(text), None) => {
            ActivationUri::parse(&text).map_err(|e| Error::from(ActivationError::from(e)))?
        }
        (None, Some(file)) => {
            let bytes = read(&file)?;
            activation_uri_from_image(&bytes)
                .map_err(|source| CliError::InFile { path: file, source })?
        }
        _ => {
            return Err(CliError::Usage(
                "give the activation URI or --image FILE (see `twofold activate --help`)",
            ))
        }
    };
    // The vault first: a wrong password must not use up the single-use code.
    let (engine, _) = open_keeping_password(path)?;
    let device = DeviceInfo {
        name: name.unwrap_or_else(default_device_name),
        platform: "cli".into(),
        allow_insecure_http: allow_http,
    };
    let engine = Mutex::new(engine);
    let report = runtime()?.block_on(activate_account(
        &engine,
        &uri,
        &device,
        || SystemClock.now(),
        None,
    ))?;
    if json {
        return print_json(&report);
    }
    println!(
        "activated {} ({}) on {} as device {}",
        report.label, report.id, report.server_url, report.device_id
    );
    if let Some(old) = &report.replaced_device_id {
        println!(
            "note     replaced the earlier activation of this account (device {old}); your \
             administrator can remove that device"
        );
    }
    println!("offline codes: `twofold codes`; sign-in requests: `twofold push listen`");
    Ok(())
}

pub fn run(path: &Path, command: PushCommand) -> Result<()> {
    match command {
        PushCommand::Listen { json } => listen(path, json),
        PushCommand::Answer {
            challenge_id,
            decision,
            number,
            report,
            wait,
            json,
        } => {
            let answer = match decision {
                DecisionArg::Approve if report => {
                    return Err(CliError::Usage(
                        "--report goes with deny (\"deny and report\"), not approve",
                    ))
                }
                DecisionArg::Approve => Answer::Approve { number },
                DecisionArg::Deny if number.is_some() => {
                    return Err(CliError::Usage("--number goes with approve, not deny"))
                }
                DecisionArg::Deny => Answer::Deny { report },
            };
            answer_one(path, &challenge_id, answer, Duration::from_secs(wait), json)
        }
    }
}

/// The vault and its push fleet, one client per active Twofold account.
struct Session {
    engine: Engine,
    password: Zeroizing<String>,
    labels: BTreeMap<String, String>,
    fleet: Fleet,
    events: mpsc::Receiver<PushEvent>,
}

impl Session {
    /// Must run inside the Tokio runtime (the clients are spawned on it).
    fn start(path: &Path) -> Result<Self> {
        let (mut engine, password) = open_keeping_password(path)?;
        let accounts = engine.push_accounts()?;
        if accounts.is_empty() {
            return Err(CliError::NoTwofoldAccount);
        }
        let (active, stopped): (Vec<PushAccount>, Vec<PushAccount>) = accounts
            .into_iter()
            .partition(|a| a.link.state == PushState::Active);
        for account in &stopped {
            if let PushState::NeedsReactivation { message } = &account.link.state {
                eprintln!(
                    "twofold: {}",
                    reactivation_advice(&account.label, &account.account_id, message)
                );
            }
        }
        if active.is_empty() {
            return Err(CliError::NoActiveAccount);
        }
        let (fleet, events) = Fleet::on_tokio(Arc::new(SystemClock));
        fleet.sync(&mut engine)?;
        let labels = active
            .into_iter()
            .map(|a| (a.account_id, a.label))
            .collect();
        Ok(Self {
            engine,
            password,
            labels,
            fleet,
            events,
        })
    }

    fn label<'a>(&'a self, account_id: &'a str) -> &'a str {
        self.labels
            .get(account_id)
            .map(String::as_str)
            .unwrap_or(account_id)
    }

    fn describe(&self, event: &PushEvent) -> String {
        describe(self.label(event.account_id()), event, SystemClock.now())
    }

    /// Keeps the fleet's states current and stores what an event changes, reading the vault
    /// file again first so a change made meanwhile by another `twofold` command is kept.
    fn persist(&mut self, event: &PushEvent) -> Result<()> {
        self.fleet.observe(event);
        let worth_it = match event {
            PushEvent::NeedsReactivation { .. } => true,
            PushEvent::Connected { clock_offset, .. } => {
                self.engine.clock_offset()?.abs_diff(*clock_offset) >= 2
            }
            _ => false,
        };
        if worth_it {
            self.engine.unlock(&self.password)?;
            self.fleet.store(event, Some(&mut self.engine))?;
        }
        Ok(())
    }
}

fn listen(path: &Path, json: bool) -> Result<()> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let mut session = Session::start(path)?;
        if !json {
            println!(
                "listening for sign-in requests for {} (Ctrl-C to stop)",
                session
                    .labels
                    .values()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        while let Some(event) = session.events.recv().await {
            session.persist(&event)?;
            if json {
                println!("{}", serde_json::to_string(&event)?);
            } else {
                println!("{}", session.describe(&event));
            }
            if session.fleet.running() == 0 {
                break;
            }
        }
        Err(CliError::NoneLeftToListen)
    })
}

fn answer_one(
    path: &Path,
    challenge_id: &str,
    answer: Answer,
    wait: Duration,
    json: bool,
) -> Result<()> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let mut session = Session::start(path)?;
        let mut deadline = Instant::now() + wait;
        let mut answered = false;
        loop {
            let event = match tokio::time::timeout_at(deadline, session.events.recv()).await {
                Ok(Some(event)) => event,
                Ok(None) => return Err(CliError::NoneLeft),
                Err(_) if answered => return Err(CliError::NoVerdict),
                Err(_) => {
                    return Err(CliError::NotDelivered {
                        challenge_id: challenge_id.to_owned(),
                        seconds: wait.as_secs(),
                    })
                }
            };
            session.persist(&event)?;
            match &event {
                PushEvent::Challenge(c) if c.id == challenge_id && !answered => {
                    let handle = session
                        .fleet
                        .client(&c.account_id)
                        .map_err(|_| CliError::ConnectionStopped)?;
                    handle
                        .answer(challenge_id, answer.clone())
                        .await
                        .map_err(Error::from)?;
                    answered = true;
                    deadline = Instant::now() + VERDICT_WAIT;
                }
                PushEvent::Refused {
                    challenge_id: id,
                    message,
                    ..
                } if id == challenge_id => {
                    return Err(CliError::Refused {
                        id: id.clone(),
                        message: message.clone(),
                    });
                }
                PushEvent::Withdrawn {
                    challenge_id: id,
                    reason,
                    ..
                } if id == challenge_id && !answered => {
                    return Err(CliError::Withdrawn {
                        id: id.clone(),
                        reason: reason.clone(),
                    });
                }
                PushEvent::AnswerResult {
                    challenge_id: id,
                    outcome,
                    message,
                    ..
                } if id == challenge_id => {
                    session.fleet.stop_all().await;
                    if json {
                        print_json(&event)?;
                    } else if *outcome == AnswerOutcome::Accepted {
                        println!("{id}: accepted: {message}");
                    }
                    return if *outcome == AnswerOutcome::Accepted {
                        Ok(())
                    } else {
                        Err(CliError::NotAccepted {
                            id: id.clone(),
                            outcome: outcome_text(*outcome),
                            message: message.clone(),
                        })
                    };
                }
                PushEvent::NeedsReactivation { .. } => {
                    eprintln!("twofold: {}", session.describe(&event));
                }
                _ => {}
            }
            // Every client has stopped (the server deactivated them): nothing more can come.
            if session.fleet.running() == 0 {
                return Err(CliError::NoneLeft);
            }
        }
    })
}

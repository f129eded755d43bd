//! The `twofold` binary's Twofold-server commands: `activate`, `push listen`, `push answer`.
//! (Part of the binary, not of the library.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Subcommand, ValueEnum};
use tokio::sync::mpsc;
use tokio::time::Instant;
use twofold_authenticator::account::{AccountView, PushState};
use twofold_authenticator::activation::{activation_uri_from_image, ActivationError};
use twofold_authenticator::push::{PushAccount, PushClient, PushHandle, PushOptions};
use twofold_authenticator::{
    activate as activate_device, Answer, Clock, DeviceInfo, Engine, Error, PendingChallenge,
    PushEvent, SystemClock,
};
use twofold_core::proto::channel::AnswerOutcome;
use twofold_core::proto::ActivationUri;
use zeroize::Zeroizing;

use crate::{open_keeping_password, print_json, read, Failure, Result};

#[derive(Subcommand)]
pub enum PushCommand {
    /// Wait for sign-in requests and print them as they arrive (runs until stopped)
    #[command(
        after_help = "Examples:\n  twofold push listen\n  twofold push listen --json\n\n\
                            With --json every event is one JSON object per line \
                            (\"event\": challenge, withdrawn, answer_result, connected, ...)."
    )]
    Listen {
        #[arg(long)]
        json: bool,
    },
    /// Approve or deny a pending sign-in request
    #[command(after_help = "Examples:\n  twofold push answer chl_3f2a approve\n  \
                            twofold push answer chl_3f2a approve --number 42\n  \
                            twofold push answer chl_3f2a deny --report\n\n\
                            Exits 0 only when the server accepted the answer.")]
    Answer {
        /// The request's id (`twofold push listen` shows it)
        challenge_id: String,
        decision: DecisionArg,
        /// The number the sign-in page shows, when the request asks for it
        #[arg(long)]
        number: Option<String>,
        /// With deny: "this was not me"; the server blocks sign-ins and alerts the administrator
        #[arg(long)]
        report: bool,
        /// How long to wait for the request to be delivered, in seconds
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        wait: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DecisionArg {
    Approve,
    Deny,
}

/// How long `push answer` waits for the server's verdict once the answer is sent.
const VERDICT_WAIT: Duration = Duration::from_secs(15);

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the network runtime: {e}")))
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
        (None, Some(file)) => activation_uri_from_image(&read(&file)?)
            .map_err(|e| Failure(format!("{}: {}", file.display(), Failure::from(e).0)))?,
        _ => {
            return Err(Failure(
                "give the activation URI or --image FILE (see `twofold activate --help`)".into(),
            ))
        }
    };
    // The vault first: a wrong password must not use up the single-use code.
    let (mut engine, _) = open_keeping_password(path)?;
    let device = DeviceInfo {
        name: name.unwrap_or_else(default_device_name),
        platform: "cli".into(),
        allow_insecure_http: allow_http,
    };
    let activation = runtime()?
        .block_on(activate_device(&uri, &device))
        .map_err(Error::from)?;
    let report = engine.add_activation(activation, SystemClock.now())?;
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
                    return Err(Failure(
                        "--report goes with deny (\"deny and report\"), not approve".into(),
                    ))
                }
                DecisionArg::Approve => Answer::Approve { number },
                DecisionArg::Deny if number.is_some() => {
                    return Err(Failure("--number goes with approve, not deny".into()))
                }
                DecisionArg::Deny => Answer::Deny { report },
            };
            answer_one(path, &challenge_id, answer, Duration::from_secs(wait), json)
        }
    }
}

/// The `PUSH` column of `twofold list`.
pub fn push_column(view: &AccountView) -> String {
    match view.push.as_ref().map(|p| &p.state) {
        None => String::new(),
        Some(PushState::Active) => "active".into(),
        Some(PushState::NeedsReactivation { message }) => {
            format!("needs reactivation: {message}")
        }
    }
}

/// The vault and its push clients, one per active Twofold account, sharing one event channel.
struct Session {
    engine: Engine,
    password: Zeroizing<String>,
    labels: BTreeMap<String, String>,
    handles: BTreeMap<String, PushHandle>,
    events: mpsc::Receiver<PushEvent>,
}

impl Session {
    /// Must run inside the Tokio runtime (the clients are spawned on it).
    fn start(path: &Path) -> Result<Self> {
        let (engine, password) = open_keeping_password(path)?;
        let accounts = engine.push_accounts()?;
        if accounts.is_empty() {
            return Err(Failure(
                "no Twofold account in the vault; activate one with `twofold activate URI`".into(),
            ));
        }
        let (active, stopped): (Vec<PushAccount>, Vec<PushAccount>) = accounts
            .into_iter()
            .partition(|a| a.link.state == PushState::Active);
        for account in &stopped {
            if let PushState::NeedsReactivation { message } = &account.link.state {
                eprintln!("twofold: {}", reactivation_advice(account, message));
            }
        }
        if active.is_empty() {
            return Err(Failure(
                "no active Twofold account: remove it and activate again with a new activation code"
                    .into(),
            ));
        }
        let offset = engine.clock_offset()?;
        let (sender, events) = mpsc::channel(64);
        let clock: Arc<dyn Clock + Send + Sync> = Arc::new(SystemClock);
        let mut handles = BTreeMap::new();
        let mut labels = BTreeMap::new();
        for account in &active {
            let handle = PushClient::spawn(
                account,
                offset,
                clock.clone(),
                sender.clone(),
                PushOptions::default(),
            )
            .map_err(Error::from)?;
            handles.insert(account.account_id.clone(), handle);
            labels.insert(account.account_id.clone(), account.label.clone());
        }
        Ok(Self {
            engine,
            password,
            labels,
            handles,
            events,
        })
    }

    fn label<'a>(&'a self, account_id: &'a str) -> &'a str {
        self.labels
            .get(account_id)
            .map(String::as_str)
            .unwrap_or(account_id)
    }

    /// Stores what an event changes, reading the vault file again first so a change made
    /// meanwhile by another `twofold` command is kept.
    fn persist(&mut self, event: &PushEvent) -> Result<()> {
        let worth_it = match event {
            PushEvent::NeedsReactivation { account_id, .. } => {
                self.handles.remove(account_id);
                true
            }
            PushEvent::Connected { clock_offset, .. } => {
                self.engine.clock_offset()?.abs_diff(*clock_offset) >= 2
            }
            _ => false,
        };
        if worth_it {
            self.engine.unlock(&self.password)?;
            self.engine.apply_push_event(event)?;
        }
        Ok(())
    }
}

fn reactivation_advice(account: &PushAccount, message: &str) -> String {
    format!(
        "{} needs reactivation: {message}. Remove it (`twofold remove {}`) and activate again \
         with a new activation code",
        account.label, account.account_id
    )
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
                let line = serde_json::to_string(&event)
                    .map_err(|e| Failure(format!("cannot write JSON: {e}")))?;
                println!("{line}");
            } else {
                println!("{}", describe(&session, &event));
            }
            if session.handles.is_empty() {
                break;
            }
        }
        Err(Failure(
            "no active Twofold account left to listen for; activate again with a new activation code"
                .into(),
        ))
    })
}

/// One event as a line (or two) for people.
fn describe(session: &Session, event: &PushEvent) -> String {
    let label = session.label(event.account_id());
    match event {
        PushEvent::Connected { .. } => format!("connected ({label})"),
        PushEvent::Disconnected {
            reason,
            retry_in_ms,
            ..
        } => format!(
            "disconnected ({label}): {reason}; retrying in {:.0} s",
            (*retry_in_ms as f64 / 1000.0).ceil()
        ),
        PushEvent::Challenge(c) => describe_challenge(c, SystemClock.now()),
        PushEvent::Refused {
            challenge_id,
            message,
            ..
        } => format!("ignored request {challenge_id}: {message}"),
        PushEvent::AnswerResult {
            challenge_id,
            outcome,
            message,
            ..
        } => format!("{challenge_id}: {}: {message}", outcome_text(*outcome)),
        PushEvent::Withdrawn {
            challenge_id,
            reason,
            ..
        } => format!("{challenge_id}: no longer pending ({reason})"),
        PushEvent::NeedsReactivation {
            account_id,
            message,
        } => format!(
            "{label} needs reactivation: {message}. Remove it (`twofold remove {account_id}`) and \
             activate again with a new activation code"
        ),
    }
}

fn describe_challenge(c: &PendingChallenge, now: u64) -> String {
    let from = if c.location.is_empty() {
        c.client_ip.clone()
    } else {
        format!("{} ({})", c.client_ip, c.location)
    };
    let how = if c.number_required {
        format!(
            "  type the number shown on the sign-in page: twofold push answer {} approve --number NN\n  \
             or deny it: twofold push answer {} deny [--report]",
            c.id, c.id
        )
    } else {
        format!(
            "  approve: twofold push answer {} approve\n  deny: twofold push answer {} deny [--report]",
            c.id, c.id
        )
    };
    format!(
        "sign-in request {} for {} to {} from {}, at {} UTC, expires in {} s\n{how}",
        c.id,
        c.username,
        c.application,
        from,
        clock_time(c.created_at),
        c.seconds_left(now)
    )
}

/// `HH:MM:SS` of a unix time (UTC).
fn clock_time(unix: u64) -> String {
    let s = unix % 86_400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn outcome_text(outcome: AnswerOutcome) -> &'static str {
    match outcome {
        AnswerOutcome::Accepted => "accepted",
        AnswerOutcome::WrongNumber => "wrong number, the sign-in was denied",
        AnswerOutcome::AnsweredElsewhere => "already answered on another device",
        AnswerOutcome::Expired => "the request had expired",
        AnswerOutcome::Cancelled => "the sign-in was cancelled",
        AnswerOutcome::Refused => "the server refused the answer",
    }
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
            let event =
                match tokio::time::timeout_at(deadline, session.events.recv()).await {
                    Ok(Some(event)) => event,
                    Ok(None) => return Err(Failure(
                        "no active Twofold account left; activate again with a new activation code"
                            .into(),
                    )),
                    Err(_) if answered => {
                        return Err(Failure(
                            "the answer was sent but the server did not confirm it in time".into(),
                        ))
                    }
                    Err(_) => {
                        return Err(Failure(format!(
                    "no pending sign-in request {challenge_id} arrived within {} s; it may have \
                         been answered, cancelled or expired (`twofold push listen` shows what is \
                         pending)",
                    wait.as_secs()
                )))
                    }
                };
            session.persist(&event)?;
            match &event {
                PushEvent::Challenge(c) if c.id == challenge_id && !answered => {
                    let handle = session
                        .handles
                        .get(&c.account_id)
                        .ok_or_else(|| Failure("the account's connection has stopped".into()))?;
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
                    return Err(Failure(format!("not answering {id}: {message}")));
                }
                PushEvent::Withdrawn {
                    challenge_id: id,
                    reason,
                    ..
                } if id == challenge_id && !answered => {
                    return Err(Failure(format!(
                        "the sign-in request {id} is no longer pending ({reason})"
                    )));
                }
                PushEvent::AnswerResult {
                    challenge_id: id,
                    outcome,
                    message,
                    ..
                } if id == challenge_id => {
                    for handle in session.handles.values() {
                        handle.stop().await;
                    }
                    if json {
                        print_json(&event)?;
                    } else if *outcome == AnswerOutcome::Accepted {
                        println!("{id}: accepted: {message}");
                    }
                    return if *outcome == AnswerOutcome::Accepted {
                        Ok(())
                    } else {
                        Err(Failure(format!(
                            "{id}: {}: {message}",
                            outcome_text(*outcome)
                        )))
                    };
                }
                PushEvent::NeedsReactivation { .. } => {
                    eprintln!("twofold: {}", describe(&session, &event));
                }
                _ => {}
            }
        }
    })
}

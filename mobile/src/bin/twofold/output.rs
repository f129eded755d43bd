//! What the commands print for people (tables, reports, push events) and as JSON.

use twofold_authenticator::account::{AccountView, PushState};
use twofold_authenticator::{AddReport, PendingChallenge, PushEvent};
use twofold_core::proto::channel::AnswerOutcome;

use crate::error::Result;

pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}

pub fn print_report(report: &AddReport, json: bool) -> Result<()> {
    if json {
        return print_json(report);
    }
    for added in &report.added {
        println!("added    {}  {}", added.id, added.label);
    }
    for skipped in &report.skipped {
        println!("skipped  {}: {}", skipped.entry, skipped.reason);
    }
    for note in &report.notes {
        println!("note     {note}");
    }
    println!(
        "{} added, {} skipped",
        report.added.len(),
        report.skipped.len()
    );
    Ok(())
}

/// "ACME (alice)", for questions about one account.
pub fn label(view: &AccountView) -> String {
    match &view.issuer {
        Some(issuer) if !view.name.is_empty() => format!("{issuer} ({})", view.name),
        Some(issuer) => issuer.clone(),
        None => view.name.clone(),
    }
}

/// A row of `twofold codes`.
pub fn code_row(a: &AccountView) -> Vec<String> {
    vec![
        a.id.clone(),
        a.issuer.clone().unwrap_or_default(),
        a.name.clone(),
        a.code.clone(),
        a.next_code.clone(),
        match (a.seconds_left, a.counter) {
            (Some(s), _) => format!("{s}s"),
            (None, Some(c)) => format!("#{c}"),
            (None, None) => String::new(),
        },
    ]
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

/// A table of accounts, or how to add the first one.
pub fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        println!("no accounts yet; add one with `twofold add URI` or `twofold import`");
        return;
    }
    print!(
        "{}",
        twofold_core::table::render(headers, &rows, twofold_core::table::Rule::None)
    );
}

/// What to do about an account the server no longer knows.
pub fn reactivation_advice(label: &str, account_id: &str, message: &str) -> String {
    format!(
        "{label} needs reactivation: {message}. Remove it (`twofold remove {account_id}`) and \
         activate again with a new activation code"
    )
}

/// One push event as a line (or two) for people; `label` is its account's, `now` the clock.
pub fn describe(label: &str, event: &PushEvent, now: u64) -> String {
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
        PushEvent::Challenge(c) => describe_challenge(c, now),
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
        } => reactivation_advice(label, account_id, message),
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

pub fn outcome_text(outcome: AnswerOutcome) -> &'static str {
    match outcome {
        AnswerOutcome::Accepted => "accepted",
        AnswerOutcome::WrongNumber => "wrong number, the sign-in was denied",
        AnswerOutcome::AnsweredElsewhere => "already answered on another device",
        AnswerOutcome::Expired => "the request had expired",
        AnswerOutcome::Cancelled => "the sign-in was cancelled",
        AnswerOutcome::Refused => "the server refused the answer",
    }
}

//! `twofold-server directory ...`: sync users from the LDAP / AD directory, or look one up.
//! Both go through the server's admin API like every other admin command: the server holds
//! the directory settings and its service password, and a sync there takes the same lease
//! as the periodic one.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use twofold_core::proto::admin::{DirectoryEntry, DirectorySyncReport, DirectorySyncRequest};

use crate::cli::args::DirectoryCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, opt, table};

pub async fn run(client: &AdminClient, command: DirectoryCommand) -> Result<(), CliError> {
    match command {
        DirectoryCommand::Sync {
            dry_run,
            json: as_json,
        } => sync(client, dry_run, as_json).await,
        DirectoryCommand::Check {
            username,
            json: as_json,
        } => {
            let entry: DirectoryEntry = client
                .get(&format!("/v1/admin/directory/users/{}", segment(&username)))
                .await?;
            if as_json {
                return json(&entry);
            }
            let source = match entry.twofold_source.as_deref() {
                Some("directory") => "synced".to_owned(),
                Some(other) => format!("a {other} user of this name (not synced)"),
                None => "not synced yet".to_owned(),
            };
            table(
                &["FIELD", "VALUE"],
                &[
                    vec!["dn".into(), entry.dn.clone()],
                    vec!["id".into(), entry.id.clone()],
                    vec!["username".into(), entry.username.clone()],
                    vec!["first_name".into(), opt(&entry.first_name)],
                    vec!["last_name".into(), opt(&entry.last_name)],
                    vec!["email".into(), opt(&entry.email)],
                    vec!["phone".into(), opt(&entry.phone)],
                    vec!["twofold".into(), source],
                ],
            );
            Ok(())
        }
    }
}

/// One request; the server does the work in one transaction, so the bar is a spinner
/// (drawn only on a terminal).
async fn sync(client: &AdminClient, dry_run: bool, as_json: bool) -> Result<(), CliError> {
    let bar = if as_json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message("reading the directory");
    bar.enable_steady_tick(Duration::from_millis(120));
    let report: Result<DirectorySyncReport, CliError> = client
        .post(
            "/v1/admin/directory/sync",
            &DirectorySyncRequest { dry_run },
        )
        .await;
    bar.finish_and_clear();
    let report = report?;
    if as_json {
        return json(&report);
    }
    let dry = report.dry_run;
    let verb = |done: &'static str, would: &'static str| if dry { would } else { done };
    let rows = vec![
        vec!["added".into(), report.added.len().to_string()],
        vec!["updated".into(), report.updated.len().to_string()],
        vec!["disabled".into(), report.disabled.len().to_string()],
        vec!["enabled".into(), report.enabled.len().to_string()],
        vec!["unchanged".into(), report.unchanged.to_string()],
        vec!["skipped".into(), report.skipped.len().to_string()],
    ];
    if report.dry_run {
        println!("Dry run: nothing was changed.");
    }
    println!("{} directory entries.", report.entries);
    table(&["USERS", "COUNT"], &rows);
    for name in &report.added {
        println!("{}: {name}", verb("added", "would add"));
    }
    for change in &report.updated {
        println!(
            "{}: {} ({})",
            verb("updated", "would update"),
            change.username,
            change.fields.join(", ")
        );
    }
    for name in &report.disabled {
        println!("{}: {name}", verb("disabled", "would disable"));
    }
    for name in &report.enabled {
        println!("{}: {name}", verb("enabled", "would enable"));
    }
    for skipped in &report.skipped {
        println!("skipped {}: {}", skipped.dn, skipped.reason);
    }
    Ok(())
}

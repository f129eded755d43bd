//! `twofold-server token ...`: import seed files, list, assign, unassign, enable, disable,
//! delete and resync hardware tokens.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use twofold_core::proto::admin::{
    HardwareToken, TokenAssign, TokenImport, TokenImportReport, TokenResync,
};

use super::confirm;
use crate::cli::args::TokenCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, opt, table};
use crate::cli::time;

pub async fn run(client: &AdminClient, command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Import {
            file,
            format,
            key,
            password,
            json: as_json,
        } => {
            let content = std::fs::read_to_string(&file).map_err(|source| CliError::ReadFile {
                path: file.clone(),
                source,
            })?;
            if content.trim().is_empty() {
                return Err(CliError::EmptyFile(file));
            }
            import(
                client,
                TokenImport {
                    content,
                    format,
                    key,
                    password,
                },
                as_json,
            )
            .await
        }
        TokenCommand::List {
            user,
            json: as_json,
        } => {
            let path = match &user {
                Some(name) => format!("/v1/admin/tokens?user={}", segment(name)),
                None => "/v1/admin/tokens".to_owned(),
            };
            let tokens: Vec<HardwareToken> = client.get(&path).await?;
            if as_json {
                return json(&tokens);
            }
            table_of(&tokens);
            Ok(())
        }
        TokenCommand::Assign { serial, username } => {
            let token: HardwareToken = client
                .put(&user_path(&serial), &TokenAssign { username })
                .await?;
            println!("Assigned {} to {}.", token.serial, opt(&token.username));
            Ok(())
        }
        TokenCommand::Unassign { serial } => {
            client.delete(&user_path(&serial)).await?;
            println!("Unassigned {serial}.");
            Ok(())
        }
        TokenCommand::Delete { serial, yes } => {
            if !yes && !confirm(&format!("Delete token {serial}?"))? {
                return Err(CliError::NotConfirmed("not deleted"));
            }
            client.delete(&token_path(&serial)).await?;
            println!("Deleted {serial}.");
            Ok(())
        }
        TokenCommand::Enable { serial } => {
            let _: HardwareToken = client
                .post(&format!("{}/enable", token_path(&serial)), &())
                .await?;
            println!("Enabled {serial}.");
            Ok(())
        }
        TokenCommand::Disable { serial } => {
            let _: HardwareToken = client
                .post(&format!("{}/disable", token_path(&serial)), &())
                .await?;
            println!("Disabled {serial}: its codes are refused.");
            Ok(())
        }
        TokenCommand::Resync {
            serial,
            code1,
            code2,
        } => {
            let token: HardwareToken = client
                .post(
                    &format!("{}/resync", token_path(&serial)),
                    &TokenResync { code1, code2 },
                )
                .await?;
            match token.kind.as_str() {
                "hotp" => println!("Resynced {serial}: next counter {}.", token.counter),
                _ => println!("Resynced {serial}: clock drift {} steps.", token.drift),
            }
            Ok(())
        }
    }
}

fn token_path(serial: &str) -> String {
    format!("/v1/admin/tokens/{}", segment(serial))
}

fn user_path(serial: &str) -> String {
    format!("{}/user", token_path(serial))
}

/// One request: the server checks and stores the file in one transaction, so the bar is a
/// spinner (drawn only on a terminal) while it works.
async fn import(client: &AdminClient, request: TokenImport, as_json: bool) -> Result<(), CliError> {
    let bar = if as_json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(format!(
        "importing {} KiB of seeds",
        request.content.len() / 1024
    ));
    bar.enable_steady_tick(Duration::from_millis(120));
    let report: Result<TokenImportReport, CliError> =
        client.post("/v1/admin/tokens/import", &request).await;
    bar.finish_and_clear();
    let report = report?;
    if as_json {
        json(&report)?;
    } else {
        print_report(&report);
    }
    if report.refused > 0 {
        return Err(CliError::Refused {
            code: "token.import_refused".into(),
            message: format!("{} rows refused, so nothing was imported", report.refused),
        });
    }
    Ok(())
}

fn print_report(report: &TokenImportReport) {
    println!(
        "{} file: imported {}, skipped {}, refused {}.",
        report.format.to_uppercase(),
        report.imported,
        report.skipped,
        report.refused
    );
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .filter(|r| r.status != "imported")
        .map(|r| {
            vec![
                r.row.to_string(),
                opt(&r.serial),
                r.status.clone(),
                opt(&r.reason),
            ]
        })
        .collect();
    if !rows.is_empty() {
        println!();
        table(&["ROW", "SERIAL", "STATUS", "WHY"], &rows);
    }
}

fn table_of(tokens: &[HardwareToken]) {
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            vec![
                t.serial.clone(),
                t.kind.clone(),
                format!("{}/{}", t.algorithm, t.digits),
                match t.kind.as_str() {
                    "hotp" => format!("counter {}", t.counter),
                    _ => format!("{} s, drift {}", t.period, t.drift),
                },
                if t.enabled { "enabled" } else { "disabled" }.to_owned(),
                opt(&t.username),
                opt(&t.manufacturer),
                t.last_used_at.map(time::format).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "SERIAL",
            "TYPE",
            "HASH/DIGITS",
            "STATE",
            "STATUS",
            "USER",
            "MAKER",
            "LAST USED",
        ],
        &rows,
    );
}

//! `twofold-server admin add|list|remove|reset-totp`: web console admins. The password is
//! read from the terminal without echo (twice) or from a file, sent once over the admin API
//! (which hashes it with Argon2id) and wiped from memory; the TOTP enrolment is printed once.

use std::io::IsTerminal;
use std::path::Path;

use twofold_core::proto::admin::{ConsoleAdmin, ConsoleAdminEnrolment, NewConsoleAdmin};
use zeroize::Zeroizing;

use crate::cli::args::AdminCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, table};
use crate::cli::time;

pub async fn run(client: &AdminClient, command: AdminCommand) -> Result<(), CliError> {
    match command {
        // `admin token ...` has its own file.
        AdminCommand::Token(c) => super::admin_token::run(client, c).await,
        AdminCommand::Add {
            name,
            password_file,
            json: as_json,
        } => {
            let password = match password_file {
                Some(path) => from_file(&path)?,
                None => from_terminal()?,
            };
            let new = NewConsoleAdmin {
                name,
                password: password.to_string(),
            };
            let enrolment: ConsoleAdminEnrolment =
                client.post("/v1/admin/console-admins", &new).await?;
            if as_json {
                return json(&enrolment);
            }
            println!("Added console admin {}.", enrolment.name);
            enrolment_text(&enrolment)
        }
        AdminCommand::List { json: as_json } => {
            let admins: Vec<ConsoleAdmin> = client.get("/v1/admin/console-admins").await?;
            if as_json {
                return json(&admins);
            }
            let rows: Vec<Vec<String>> = admins
                .iter()
                .map(|a| vec![a.name.clone(), a.id.clone(), time::format(a.created_at)])
                .collect();
            table(&["NAME", "ID", "CREATED"], &rows);
            Ok(())
        }
        AdminCommand::Remove { name } => {
            client
                .delete(&format!("/v1/admin/console-admins/{}", segment(&name)))
                .await?;
            println!("Removed console admin {name}; their sessions have ended.");
            Ok(())
        }
        AdminCommand::ResetTotp {
            name,
            json: as_json,
        } => {
            let path = format!("/v1/admin/console-admins/{}/reset-totp", segment(&name));
            let enrolment: ConsoleAdminEnrolment =
                client.post(&path, &serde_json::json!({})).await?;
            if as_json {
                return json(&enrolment);
            }
            println!(
                "New TOTP secret for console admin {}; the old one no longer works.",
                enrolment.name
            );
            enrolment_text(&enrolment)
        }
    }
}

fn enrolment_text(enrolment: &ConsoleAdminEnrolment) -> Result<(), CliError> {
    println!("Scan this with an authenticator app (shown only now):");
    println!("{}", crate::qr::terminal(&enrolment.otpauth_uri)?);
    println!("  {}", enrolment.otpauth_uri);
    println!("Then sign in at /admin/ with the name, the password and the app's code.");
    Ok(())
}

/// The first line of `path` (without its line ending).
fn from_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| CliError::ReadFile {
                path: path.to_owned(),
                source,
            })?,
        );
    let line = Zeroizing::new(text.lines().next().unwrap_or_default().to_owned());
    if line.is_empty() {
        return Err(CliError::EmptyFile(path.to_owned()));
    }
    Ok(line)
}

fn from_terminal() -> Result<Zeroizing<String>, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NotConfirmed(
            "no terminal to ask for the password on: pass --password-file; no admin was added",
        ));
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("Password (at least 12 characters): ")
            .map_err(CliError::Terminal)?,
    );
    let second =
        Zeroizing::new(rpassword::prompt_password("Password again: ").map_err(CliError::Terminal)?);
    if first != second {
        return Err(CliError::NotConfirmed(
            "the two passwords differ; no admin was added",
        ));
    }
    Ok(first)
}

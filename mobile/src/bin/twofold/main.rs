//! `twofold`: the authenticator engine on the command line. The commands live in [`vault`]
//! and [`push`], their arguments in [`args`], what they print in [`output`]; this file only
//! dispatches and turns a [`CliError`] into a message and exit status 1.

mod args;
mod error;
mod output;
mod push;
mod vault;

use std::process::ExitCode;

use clap::Parser;
use twofold_authenticator::{Clock, SystemClock};

use crate::args::{Cli, Command};
use crate::error::CliError;
use crate::vault::vault_path;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("twofold: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> std::result::Result<(), CliError> {
    let now = SystemClock.now();
    match cli.command {
        Command::Code { uri, at } => vault::code(&uri, at.unwrap_or(now)),
        Command::Init => vault::init(&vault_path(cli.vault)?),
        Command::Add { uri, image, json } => {
            vault::add(&vault_path(cli.vault)?, uri, image, json, now)
        }
        Command::List { json } => vault::list(&vault_path(cli.vault)?, json, now),
        Command::Codes { at, json } => {
            vault::codes(&vault_path(cli.vault)?, json, at.unwrap_or(now))
        }
        Command::Remove { account, yes } => {
            vault::remove(&vault_path(cli.vault)?, &account, yes, now)
        }
        Command::Import {
            from,
            file,
            password,
            json,
        } => vault::import(
            &vault_path(cli.vault)?,
            from.format(),
            &file,
            password,
            json,
            now,
        ),
        Command::Export {
            out,
            format,
            encrypt,
            insecure_plaintext,
        } => vault::export(
            &vault_path(cli.vault)?,
            &out,
            format,
            encrypt,
            insecure_plaintext,
        ),
        Command::Passwd => vault::passwd(&vault_path(cli.vault)?),
        Command::Activate {
            uri,
            image,
            name,
            allow_http,
            json,
        } => push::activate(&vault_path(cli.vault)?, uri, image, name, allow_http, json),
        Command::Push(command) => push::run(&vault_path(cli.vault)?, command),
        Command::Next { account } => vault::next(&vault_path(cli.vault)?, &account, now),
    }
}

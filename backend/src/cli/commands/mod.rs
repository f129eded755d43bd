//! What each admin command does: one request (or a few), then a table or JSON. One file per
//! noun of the command line (`twofold-server <noun> <verb>`).

mod activation;
mod admin_token;
mod app;
mod app_password;
mod audit;
mod codes;
mod console_admin;
mod device;
mod directory;
mod method;
mod portal;
mod report;
mod server;
mod token;
mod user;
mod user_import;

use std::io::{BufRead, Write};

use super::args::{Command, Connection};
use super::client::AdminClient;
use super::error::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;

pub async fn run(conn: &Connection, config: &Config, command: Command) -> Result<(), CliError> {
    let client = AdminClient::new(conn, config)?;
    match command {
        Command::Serve => Ok(()),
        Command::User(c) => user::run(&client, c).await,
        Command::Activation(c) => activation::run(&client, c).await,
        Command::Device(c) => device::run(&client, c).await,
        Command::App(c) => app::run(&client, c).await,
        Command::Audit(a) => audit::run(&client, a, now(&SystemClock)).await,
        Command::Report(c) => report::run(&client, c, now(&SystemClock)).await,
        Command::Method(c) => method::run(&client, c).await,
        Command::Server(c) => server::run(&client, c).await,
        Command::AppPassword(c) => app_password::run(&client, c).await,
        Command::Token(c) => token::run(&client, c).await,
        Command::Admin(c) => console_admin::run(&client, c).await,
        Command::Directory(c) => directory::run(&client, c).await,
        Command::Portal(c) => portal::run(&client, c).await,
    }
}

/// Unix seconds, for relative times such as `--since 24h`.
fn now(clock: &dyn Clock) -> i64 {
    i64::try_from(clock.now()).unwrap_or(i64::MAX)
}

/// Asks a yes/no question on the terminal; only "y" or "yes" is a yes.
fn confirm(question: &str) -> Result<bool, CliError> {
    print!("{question} [y/N] ");
    std::io::stdout().flush().map_err(CliError::Terminal)?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(CliError::Terminal)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

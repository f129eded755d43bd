//! The `twofold-server` command line: `serve` runs the server; every other command is an
//! admin action sent to a running server's admin API, so it takes effect at once.

mod args;
mod client;
mod commands;
mod error;
mod output;
pub(crate) mod time;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};
pub use error::CliError;

use crate::config::Config;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => {
                init_logging(&config.log_format);
                crate::serve(
                    config,
                    crate::clock::serve_clock()?,
                    crate::server::shutdown_signal(),
                )
                .await
                .map_err(CliError::from)
            }
            command => commands::run(&cli.connection, &config, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

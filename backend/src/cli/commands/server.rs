//! `twofold-server server reactivate`: new activation credentials for the whole server.

use twofold_core::proto::admin::Reactivation;

use super::confirm;
use crate::cli::args::ServerCommand;
use crate::cli::client::AdminClient;
use crate::cli::error::CliError;

pub async fn run(client: &AdminClient, command: ServerCommand) -> Result<(), CliError> {
    let ServerCommand::Reactivate { yes } = command;
    if !yes && !confirm("Reactivate the server? Every device must then activate again.")? {
        return Err(CliError::NotConfirmed("not reactivated"));
    }
    let r: Reactivation = client.post("/v1/admin/server/reactivate", &()).await?;
    println!(
        "Reactivated: activation epoch {}. Every device must activate again",
        r.epoch
    );
    println!("(twofold-server activation create USER); hardware tokens keep working.");
    Ok(())
}

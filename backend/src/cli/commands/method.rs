//! `twofold-server method ...`: enable or disable a sign-in method for everyone.

use twofold_core::proto::admin::{MethodChange, MethodState};

use crate::cli::args::MethodCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, table};

pub async fn run(client: &AdminClient, command: MethodCommand) -> Result<(), CliError> {
    let states: Vec<MethodState> = match command {
        MethodCommand::List { json: true } => {
            return json(&client.get::<Vec<MethodState>>("/v1/admin/methods").await?)
        }
        MethodCommand::List { json: false } => client.get("/v1/admin/methods").await?,
        MethodCommand::Enable { method } => set(client, &method, true).await?,
        MethodCommand::Disable { method } => set(client, &method, false).await?,
    };
    let rows: Vec<Vec<String>> = states
        .iter()
        .map(|m| {
            vec![
                m.method.as_str().to_owned(),
                if m.enabled { "enabled" } else { "disabled" }.to_owned(),
            ]
        })
        .collect();
    table(&["METHOD", "STATE"], &rows);
    Ok(())
}

async fn set(
    client: &AdminClient,
    method: &str,
    enabled: bool,
) -> Result<Vec<MethodState>, CliError> {
    client
        .put(
            &format!("/v1/admin/methods/{}", segment(method)),
            &MethodChange { enabled },
        )
        .await
}

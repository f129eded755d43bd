//! `twofold-server admin token ...`: create (shown once), list, revoke admin tokens.

use twofold_core::proto::admin::{AdminToken, IssuedAdminToken, NewAdminToken};

use crate::cli::args::AdminTokenCommand;
use crate::cli::client::{segment, AdminClient};
use crate::cli::error::CliError;
use crate::cli::output::{json, opt, table};
use crate::cli::time;

pub async fn run(client: &AdminClient, command: AdminTokenCommand) -> Result<(), CliError> {
    match command {
        AdminTokenCommand::Create {
            name,
            json: as_json,
        } => {
            let issued: IssuedAdminToken = client
                .post("/v1/admin/admin-tokens", &NewAdminToken { name })
                .await?;
            if as_json {
                return json(&issued);
            }
            println!("Created admin token {}.", issued.id);
            println!("  token: {}", issued.token);
            println!("The token is shown only now. Pass it with --token or TWOFOLD_ADMIN_TOKEN.");
            Ok(())
        }
        AdminTokenCommand::List { json: as_json } => {
            let tokens: Vec<AdminToken> = client.get("/v1/admin/admin-tokens").await?;
            if as_json {
                return json(&tokens);
            }
            let rows: Vec<Vec<String>> = tokens
                .iter()
                .map(|t| {
                    vec![
                        t.id.clone(),
                        opt(&t.name),
                        time::format(t.created_at),
                        t.revoked_at.map_or_else(|| "-".to_owned(), time::format),
                    ]
                })
                .collect();
            table(&["ID", "NAME", "CREATED", "REVOKED"], &rows);
            Ok(())
        }
        AdminTokenCommand::Revoke { id } => {
            client
                .delete(&format!("/v1/admin/admin-tokens/{}", segment(&id)))
                .await?;
            println!("Revoked {id}: it no longer works.");
            Ok(())
        }
    }
}
